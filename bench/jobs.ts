/**
 * jobs: N jobs on `cron(* * * * ? *)` for M simulated minutes through the jobs scheduler on virtual time,
 * with ECS faults injected and some scheduled runs doubled (two passes at once, each its own Lambda
 * instance), while a service fleet converges through the reconcile pipeline. Runs are counted on the
 * local ECS side (the tasks its RunTask made, by the tick in their clientToken), never from Tugboat's records.
 */
import type { JobRun } from '../lib/domain';
import { serviceNameOfGroup } from '../lib/inventory/naming';
import { schedulerDeadline } from '../lib/reconcile/scheduler/deadline';
import { runJobsPass } from '../lib/use-cases/job-ticks';
import { LAUNCH_BURST, LAUNCH_PER_SECOND, launchBoundSeconds, taskDefinitionBody } from './pipeline';
import { CLUSTER, startFleet } from './support/fleet';
import { guarded, withTimeout } from './support/lambda-timeout';
import { seededRandom } from './support/random';

export interface JobsBenchOptions {
  jobs: number;
  minutes: number;
  /** The service fleet converging while the jobs run. */
  services: number;
  tasks: number;
  workers: number;
  eventWorkers: number;
  ecsFaults: number;
  /** The fraction of scheduled runs that come twice at once. */
  doubledRuns: number;
}

const MINUTE_MS = 60_000;
const TARGET_RATIO = 1.15;
const JOB_FAMILY = 'bench-job';
const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

/** What the local ECS endpoint's RunTask made: each task once, with the clientToken and startedBy it came with. */
interface LaunchedTask {
  clientToken: string | undefined;
  startedBy: string | undefined;
  at: number;
}

export const runJobsBench = async (options: JobsBenchOptions) => {
  const serviceTasks = options.services * options.tasks;
  const serviceRunning = new Map<string, boolean>();
  let servicesRunning = 0;
  let servicesConvergedAt: number | undefined;
  const fleet = await startFleet({
    workers: options.workers,
    eventWorkers: options.eventWorkers,
    virtualRateRacePauses: true,
    ...(options.ecsFaults > 0 ? { ecsFaultRate: options.ecsFaults } : {}),
    onTaskEvent: (event) => {
      const detail = event.detail as { group?: string; taskArn: string; lastStatus: string };
      if (!serviceNameOfGroup(detail.group)) return;
      const was = serviceRunning.get(detail.taskArn) ?? false;
      const is = detail.lastStatus === 'RUNNING';
      serviceRunning.set(detail.taskArn, is);
      servicesRunning += Number(is) - Number(was);
      if (servicesRunning >= serviceTasks && servicesConvergedAt === undefined)
        servicesConvergedAt = Date.parse(event.time);
    },
  });
  const launched = new Map<string, LaunchedTask>();
  const ecs = fleet.server.ecs;
  const handle = ecs.handle.bind(ecs);
  ecs.handle = (action, input) => {
    const output = handle(action, input);
    if (action === 'RunTask') {
      const request = (input ?? {}) as { clientToken?: string; startedBy?: string };
      for (const task of (output as { tasks?: Array<{ taskArn: string }> }).tasks ?? []) {
        if (!launched.has(task.taskArn))
          launched.set(task.taskArn, {
            clientToken: request.clientToken,
            startedBy: request.startedBy,
            at: ecs.now(),
          });
      }
    }
    return output;
  };
  try {
    const time = fleet.time;
    fleet.setDesiredPerService(options.tasks);
    await fleet.api('POST', '/task-definitions', taskDefinitionBody);
    await fleet.api('POST', '/task-definitions', {
      ...taskDefinitionBody,
      family: JOB_FAMILY,
      containerDefinitions: [{ name: 'app', image: 'report:exit0' }],
    });
    const jobNames: string[] = [];
    for (let index = 0; index < options.jobs; index++) {
      const jobName = `job-${index}`;
      jobNames.push(jobName);
      await fleet.api('POST', `/clusters/${CLUSTER}/jobs`, {
        jobName,
        taskDefinition: JOB_FAMILY,
        schedule: 'cron(* * * * ? *)',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        successfulRunsHistoryLimit: 100,
        failedRunsHistoryLimit: 100,
      });
    }
    const createdAt = time.now();
    const firstTick = Math.ceil((createdAt + 1) / MINUTE_MS) * MINUTE_MS;
    const lastTick = firstTick + (options.minutes - 1) * MINUTE_MS;
    // The jobs scheduler: one run at each minute (EventBridge's rate(1 minute)); some come twice at once.
    const timeoutMs = fleet.timeoutOf('jobsScheduler');
    const doubled = seededRandom(7);
    const passReports: Array<{ at: number; launched: number; lostClaims: number; deferred: number }> = [];
    let killed = 0;
    let passFailures = 0;
    const runPass = async (at: number) => {
      const ecsFor = fleet.lambdaInstanceEcs();
      const result = await withTimeout(time, timeoutMs, (invocation) =>
        runJobsPass({
          context: {
            ...fleet.context,
            store: guarded(fleet.context.store, invocation),
            jobs: guarded(fleet.context.jobs!, invocation),
            ecsFor: (cluster) => guarded(ecsFor(cluster), invocation),
          },
          now: at,
          clock: time.now,
          deadline: schedulerDeadline(time.now(), timeoutMs),
        }),
      );
      if (result.killed) killed++;
      else {
        passFailures += result.value.failedJobs.length;
        passReports.push({
          at,
          launched: result.value.launched,
          lostClaims: result.value.lostClaims,
          deferred: result.value.deferred,
        });
      }
    };
    const passes: Promise<void>[] = [];
    /** Scheduler passes not yet over: the clock runs on until they are (they wait on it, for launch room). */
    let passesUnderWay = 0;
    const startPass = (at: number) => {
      passesUnderWay++;
      passes.push(
        runPass(at).finally(() => {
          passesUnderWay--;
        }),
      );
    };
    let doubledPasses = 0;
    let nextPassAt = firstTick;
    // The services are created at the first tick, so they converge while the first jobs launch.
    let servicesCreated = false;
    const convergeStartedAt = firstTick;
    const progressEveryMs = Number(process.env.BENCH_PROGRESS_MS ?? 60_000);
    let nextProgressAt = firstTick + progressEveryMs;
    const endAt = lastTick + MINUTE_MS;
    fleet.enableSchedule();
    const wallStarted = performance.now();
    await fleet.runUntil(
      () => {
        const now = time.now();
        if (now >= nextProgressAt) {
          nextProgressAt += progressEveryMs;
          process.stderr.write(
            `  jobs: ${Math.round((now - firstTick) / 1000)} s simulated, ${launched.size} tasks launched, ` +
              `services ${servicesRunning}/${serviceTasks} running, ${Math.round((performance.now() - wallStarted) / 1000)} s wall\n`,
          );
        }
        if (now >= firstTick && !servicesCreated) {
          servicesCreated = true;
          for (let index = 0; index < options.services; index++)
            passes.push(
              fleet
                .api('POST', `/clusters/${CLUSTER}/services`, {
                  serviceName: `svc-${index}`,
                  taskDefinition: 'web',
                  desiredCount: options.tasks,
                  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
                })
                .then(() => undefined),
            );
        }
        if (now >= nextPassAt && nextPassAt <= lastTick) {
          const at = nextPassAt;
          nextPassAt += MINUTE_MS;
          startPass(at);
          if (doubled() < options.doubledRuns) {
            doubledPasses++;
            startPass(at);
          }
          return false;
        }
        // Past the last tick, the runs it launched settle (their tasks stop, a pass records them), and a
        // pass still launching (it waits on the clock for launch room) gets to its end.
        return now >= endAt && servicesConvergedAt !== undefined && passesUnderWay === 0;
      },
      endAt - time.now() + 30 * MINUTE_MS,
    );
    await Promise.all(passes);

    // Ticks, runs and duplicates as the local ECS side saw them: tasks per (job, tick in the clientToken).
    const tasksPerTick = new Map<string, number>();
    const launchDelays: number[] = [];
    let untokenedJobTasks = 0;
    const jobNameSet = new Set(jobNames);
    for (const task of launched.values()) {
      if (!task.startedBy?.includes('_job-')) continue;
      // startedBy is `<installation prefix>_job-<job name>`: a lookup, not a scan of every job per task.
      const named = task.startedBy.slice(task.startedBy.indexOf('_job-') + '_job-'.length);
      const jobName = jobNameSet.has(named) ? named : undefined;
      const tick = Number(task.clientToken?.split('-')[0]);
      if (jobName === undefined || !Number.isFinite(tick)) {
        untokenedJobTasks++;
        continue;
      }
      const key = `${jobName}@${tick}`;
      tasksPerTick.set(key, (tasksPerTick.get(key) ?? 0) + 1);
      launchDelays.push((task.at - tick) / 1000);
    }
    const runs = [...tasksPerTick.values()].reduce((sum, count) => sum + count, 0) + untokenedJobTasks;
    const duplicateRuns =
      [...tasksPerTick.values()].reduce((sum, count) => sum + count - 1, 0) + untokenedJobTasks;
    // Every tick needs a task or a recorded run with its reason.
    const recorded = new Map<string, JobRun>();
    for (const jobName of jobNames) {
      let nextToken: string | undefined;
      do {
        const page = await fleet.context.jobs!.listJobRuns(CLUSTER, jobName, {
          limit: 500,
          ...(nextToken ? { nextToken } : {}),
        });
        for (const run of page.items) recorded.set(`${jobName}@${Date.parse(run.scheduledAt)}`, run);
        nextToken = page.nextToken;
      } while (nextToken);
    }
    let ticks = 0;
    let unaccountedTicks = 0;
    const recordedReasons: Record<string, number> = {};
    for (const jobName of jobNames) {
      for (let tick = firstTick; tick <= lastTick; tick += MINUTE_MS) {
        ticks++;
        const key = `${jobName}@${tick}`;
        if (tasksPerTick.has(key)) continue;
        const run = recorded.get(key);
        if (run?.status === 'DONE' && run.reason) {
          recordedReasons[run.verdict ?? 'none'] = (recordedReasons[run.verdict ?? 'none'] ?? 0) + 1;
        } else unaccountedTicks++;
      }
    }
    launchDelays.sort((a, b) => a - b);
    const boundSeconds = Math.max(0, options.jobs - LAUNCH_BURST) / LAUNCH_PER_SECOND;
    const p50 = percentile(launchDelays, 0.5);
    const p99 = percentile(launchDelays, 0.99);
    // Within the burst (100 jobs or fewer) the bound is 0: the ratio is taken against 1 s then.
    const launchRatio = p99 / Math.max(boundSeconds, 1);
    // The services share Fargate's launch rate with the jobs that launched while they converged.
    const convergedAt = servicesConvergedAt ?? time.now();
    const jobLaunchesDuringConverge = [...launched.values()].filter(
      (task) => task.startedBy?.includes('_job-') && task.at >= convergeStartedAt && task.at <= convergedAt,
    ).length;
    const convergeSeconds = (convergedAt - convergeStartedAt) / 1000;
    const convergeBoundSeconds = launchBoundSeconds(serviceTasks + jobLaunchesDuringConverge);
    const convergeRatio = convergeSeconds / convergeBoundSeconds;
    return {
      name: 'jobs',
      jobs: options.jobs,
      schedule: 'cron(* * * * ? *)',
      simulatedMinutes: options.minutes,
      ecsFaults: options.ecsFaults,
      doubledRunsFraction: options.doubledRuns,
      time: 'virtual',
      schedulerPasses: passReports.length + killed,
      doubledPasses,
      passesKilledAtTimeout: killed,
      passJobFailures: passFailures,
      deferredJobs: passReports.reduce((sum, pass) => sum + pass.deferred, 0),
      lostClaims: passReports.reduce((sum, pass) => sum + pass.lostClaims, 0),
      ticks,
      runs,
      duplicateRuns,
      unaccountedTicks,
      recordedWithoutRun: recordedReasons,
      launchDelaySeconds: {
        p50: round(p50),
        p99: round(p99),
        max: round(launchDelays.at(-1) ?? 0),
        boundSeconds: round(boundSeconds),
        ratio: round(launchRatio),
      },
      services: {
        services: options.services,
        tasksPerService: options.tasks,
        simulatedSeconds: round(convergeSeconds),
        jobLaunchesDuringConverge,
        lowerBoundSeconds: round(convergeBoundSeconds),
        ratio: round(convergeRatio),
      },
      wallSeconds: round((performance.now() - wallStarted) / 1000, 1),
      ecsCalls: fleet.ecsCounter.snapshot(),
      target: {
        duplicateRuns: 0,
        unaccountedTicks: 0,
        launchRatioAtMost: TARGET_RATIO,
        convergeRatioAtMost: TARGET_RATIO,
      },
      pass:
        duplicateRuns === 0 &&
        unaccountedTicks === 0 &&
        launchRatio <= TARGET_RATIO &&
        servicesConvergedAt !== undefined &&
        convergeRatio <= TARGET_RATIO,
    };
  } finally {
    ecs.handle = handle;
    await fleet.stop();
  }
};

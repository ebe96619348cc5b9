/**
 * One pass of the jobs scheduler: every job's plan (lib/jobs/plan.ts) carried out. The claim of a run
 * (a conditional create per job, tick and attempt) comes before its RunTask, and the RunTask's
 * clientToken is made of the tick: two passes at once launch a tick once (one claim wins), and a pass
 * that dies between claim and launch leaves a PENDING run the next pass launches with the same token.
 */
import type { Job, JobRun, TaskRecord } from '../domain';
import { NotFoundError } from '../errors';
import { type JobAction, planJob, retryAtOf, runsPastHistoryLimits } from '../jobs/plan';
import type { UseCaseContext } from './context';
import { failureEvent, jobsOf, launchRun, saveRun } from './job-launch';
import { stopTask } from './tasks';

/** Jobs a pass works on at once. */
const JOB_CONCURRENCY = 25;
const HISTORY_PAGE = 500;

export interface JobsPassHooks {
  /** Called after a run is claimed and before its RunTask: tests crash here. */
  afterClaim?: (run: JobRun) => Promise<void>;
}

export interface JobsPassOptions {
  context: UseCaseContext;
  /** The pass's instant (the schedule event's time). */
  now: number;
  /** No job is started past this instant (epoch ms, on the same clock as `now`'s source). */
  deadline?: number;
  clock?: () => number;
  /** A run's failure (FAILED, TIMED_OUT, LAUNCH_FAILED): the handler's metric. */
  onRunFailed?: (run: JobRun) => void;
  hooks?: JobsPassHooks;
}

export interface JobsPassReport {
  jobs: number;
  launched: number;
  recorded: number;
  finished: number;
  failedRuns: number;
  /** Claims another writer had made first (a doubled pass). */
  lostClaims: number;
  /** Jobs not reached before the deadline: the next pass takes them. */
  deferred: number;
  failedJobs: Array<{ cluster: string; jobName: string; error: unknown }>;
}

const emptyReport = (): JobsPassReport => ({
  jobs: 0,
  launched: 0,
  recorded: 0,
  finished: 0,
  failedRuns: 0,
  lostClaims: 0,
  deferred: 0,
  failedJobs: [],
});

const liveTasks = async (context: UseCaseContext, runs: JobRun[]) => {
  const tasks = new Map<string, TaskRecord>();
  await Promise.all(
    runs.map(async (run) => {
      if (run.status !== 'RUNNING' || run.taskId === undefined) return;
      const task = await context.store.findTask(run.cluster, run.taskId);
      if (task) tasks.set(run.taskId, task);
    }),
  );
  return tasks;
};

/** Stops a run's task; a task ECS and the inventory no longer know has stopped already. */
const stopRunTask = async (context: UseCaseContext, run: JobRun, reason: string) => {
  if (run.taskId === undefined) return;
  try {
    await stopTask(context, run.cluster, run.taskId, reason.slice(0, 255));
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
};

const execute = async (
  options: JobsPassOptions,
  job: Job,
  action: JobAction,
  report: JobsPassReport,
): Promise<void> => {
  const { context } = options;
  const jobs = jobsOf(context);
  const onFailed = (run: JobRun) => {
    report.failedRuns++;
    options.onRunFailed?.(run);
  };
  const claimAndLaunch = async (run: JobRun): Promise<void> => {
    if (!(await jobs.claimJobRun(run))) {
      report.lostClaims++;
      return;
    }
    await options.hooks?.afterClaim?.(run);
    const outcome = await launchRun(context, job, run, onFailed);
    if (outcome.run.status === 'RUNNING') report.launched++;
  };
  switch (action.kind) {
    case 'launch':
      return claimAndLaunch(action.run);
    case 'relaunch': {
      const outcome = await launchRun(context, job, action.run, onFailed);
      if (outcome.saved && outcome.run.status === 'RUNNING') report.launched++;
      return;
    }
    case 'record': {
      if (await jobs.claimJobRun(action.run)) {
        report.recorded++;
        if (action.run.verdict === 'MISSED') {
          const at = context.now().toISOString();
          await jobs.addJobEvents(job.cluster, job.jobName, [failureEvent(action.run, context.newId(), at)]);
        }
      } else report.lostClaims++;
      return;
    }
    case 'finish': {
      const run: JobRun = { ...action.run, ...action.update, version: action.run.version + 1 };
      if ((await saveRun(context, run, onFailed)).saved) report.finished++;
      return;
    }
    case 'stop': {
      await stopRunTask(context, action.run, action.reason);
      const stoppedAt = context.now().toISOString();
      const retryAt = retryAtOf(job, action.run, action.verdict, Date.parse(stoppedAt));
      const run: JobRun = {
        ...action.run,
        status: 'DONE',
        verdict: action.verdict,
        reason: action.reason,
        stoppedAt,
        ...(retryAt ? { retryAt } : {}),
        version: action.run.version + 1,
      };
      if ((await saveRun(context, run, onFailed)).saved) report.finished++;
      return;
    }
    case 'retry': {
      await claimAndLaunch(action.run);
      // Cleared whoever claimed it: a claimer that died before clearing leaves no retry open forever.
      const { retryAt: _due, ...failed } = action.failed;
      await jobs.saveJobRun({ ...failed, version: action.failed.version + 1 });
      return;
    }
    case 'advance':
      await jobs.advanceJobCursor(job.cluster, job.jobName, action.through);
      return;
  }
};

/** Drops the finished runs past the job's history limits. */
const pruneHistory = async (context: UseCaseContext, job: Job): Promise<void> => {
  const jobs = jobsOf(context);
  const runs: JobRun[] = [];
  let nextToken: string | undefined;
  do {
    const page = await jobs.listJobRuns(job.cluster, job.jobName, {
      limit: HISTORY_PAGE,
      ...(nextToken ? { nextToken } : {}),
    });
    runs.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  const excess = runsPastHistoryLimits(job, runs);
  if (excess.length > 0) await jobs.deleteJobRuns(excess);
};

/** One job's pass: its plan, carried out in order. */
export const passJob = async (options: JobsPassOptions, job: Job, report: JobsPassReport) => {
  const { context, now } = options;
  const jobs = jobsOf(context);
  const [cursor, openRuns] = await Promise.all([
    jobs.getJobCursor(job.cluster, job.jobName),
    jobs.listOpenJobRuns(job.cluster, job.jobName),
  ]);
  const tasks = await liveTasks(context, openRuns);
  const actions = planJob({ job, cursor, openRuns, tasks, now });
  const before = report.finished + report.recorded;
  for (const action of actions) await execute(options, job, action, report);
  if (report.finished + report.recorded > before) await pruneHistory(context, job);
};

/** Every job, JOB_CONCURRENCY at a time; one job's failure is reported and the others go on. */
export const runJobsPass = async (options: JobsPassOptions): Promise<JobsPassReport> => {
  const report = emptyReport();
  const all = await jobsOf(options.context).listAllJobs();
  report.jobs = all.length;
  const queue = [...all];
  const clock = options.clock ?? Date.now;
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (options.deadline !== undefined && clock() >= options.deadline) {
        report.deferred++;
        continue;
      }
      try {
        // The scheduler reads jobs from an eventually consistent index: a job just deleted may be there.
        const current = await jobsOf(options.context).getJob(job.cluster, job.jobName);
        if (current) await passJob(options, current, report);
      } catch (error) {
        report.failedJobs.push({ cluster: job.cluster, jobName: job.jobName, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOB_CONCURRENCY, all.length) }, worker));
  return report;
};

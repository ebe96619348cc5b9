/**
 * converge, steady and recover: one fleet of N services x K tasks, through the real pipeline on virtual
 * time (bench/support/fleet.ts). Converge builds the fleet, steady measures one pass over it, recover
 * breaks it.
 */
import { clusterOfService, listTasksMinimum, victimsByCluster } from './support/clusters';
import { ecsDelta } from './support/counters';
import { type Fleet, SCHEDULE_MS, startFleet } from './support/fleet';
import { BENCH_HEALTH_CHECK, healthCheckSeconds } from './support/load-balancing';
import { dumpStall } from './support/stall-dump';
import { runSteadyPassProcess } from './support/steady-pass-process';

/** ECS's published Fargate launch limits and the local endpoint's default start time. */
export const LAUNCH_BURST = 100;
export const LAUNCH_PER_SECOND = 20;
export const TASK_START_SECONDS = 2;
const LIST_PAGE = 100;

export interface PipelineOptions {
  services: number;
  tasks: number;
  workers: number;
  eventWorkers: number;
  /** Services are spread round-robin over this many clusters. */
  clusters?: number;
  /** The ECS endpoint's fault rate (HTTP 500 on that fraction of calls), 0 by default. */
  ecsFaults?: number;
  /** Every service behind its own target group of the local ELB endpoint (`--load-balanced`). */
  loadBalanced?: boolean;
}

export const taskDefinitionBody = {
  family: 'web',
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'web', image: 'nginx:1.27', portMappings: [{ containerPort: 80 }] }],
};

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

export const launchBoundSeconds = (tasks: number) =>
  Math.max(0, tasks - LAUNCH_BURST) / LAUNCH_PER_SECOND + TASK_START_SECONDS;

const sqsTotals = (fleet: Fleet) => ({
  reconcileQueue: { ...fleet.reconcileQueue.stats },
  taskEventsQueue: { ...fleet.taskEventsQueue.stats },
});

const serviceBody = (name: string, tasks: number, targetGroupArn?: string) => ({
  serviceName: name,
  ...(targetGroupArn ? { loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 80 }] } : {}),
  taskDefinition: 'web',
  desiredCount: tasks,
  // Spot placement lets recover stop tasks at once (a Spot interruption); launch limits are the same.
  capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
});

/** Runs until a scheduler pass finds nothing to do and both queues are empty. */
export const settle = async (fleet: Fleet) => {
  const reportsBefore = fleet.schedulerReports.length;
  await fleet.runUntil(() => {
    const last = fleet.schedulerReports.at(-1);
    return (
      fleet.schedulerReports.length > reportsBefore &&
      last !== undefined &&
      last.enqueued === 0 &&
      last.unknownTasks === 0 &&
      last.vanishedTasks === 0 &&
      last.alreadyRequested === 0 &&
      fleet.reconcileQueue.depth === 0 &&
      fleet.taskEventsQueue.depth === 0
    );
  });
};

export const runConverge = async (fleet: Fleet, options: PipelineOptions) => {
  const total = options.services * options.tasks;
  fleet.setDesiredPerService(options.tasks);
  const wallStarted = performance.now();
  await fleet.api('POST', '/task-definitions', taskDefinitionBody);
  // One target group per service (3,000 fit ELB's TooManyTargetGroups quota), made before the clock starts.
  const lb = fleet.loadBalancing;
  const targetGroupArns: string[] = [];
  if (lb)
    for (let index = 0; index < options.services; index++)
      targetGroupArns.push(await lb.createTargetGroup(`svc-${index}`));
  lb?.counter.reset();
  fleet.ecsCounter.reset();
  fleet.dynamoDbCounter.reset();
  const startedAt = fleet.time.now();
  let convergedAt: number | undefined;
  let healthyAt: number | undefined;
  fleet.onRunningCount((count, at) => {
    if (count >= total && convergedAt === undefined) convergedAt = at;
  });
  fleet.enableSchedule();

  // Creates go through the API handler, 16 at a time, while the pipeline runs. Virtual time stands
  // still while they are in flight, so all N creates happen at the first instant.
  let created = 0;
  let createError: unknown;
  const apiStarted = performance.now();
  const creates = Promise.all(
    Array.from({ length: 16 }, async () => {
      while (created < options.services) {
        const index = created++;
        const cluster = clusterOfService(index, options.clusters);
        await fleet.api(
          'POST',
          `/clusters/${cluster}/services`,
          serviceBody(`svc-${index}`, options.tasks, targetGroupArns[index]),
        );
      }
    }),
  ).catch((error: unknown) => {
    createError = error;
  });
  let createsDone = false;
  let apiSeconds = 0;
  void creates.then(() => {
    createsDone = true;
    apiSeconds = (performance.now() - apiStarted) / 1000;
  });
  // Long runs (10,000 x 3 takes most of an hour of wall time) print progress each simulated minute.
  const progressEveryMs = Number(process.env.BENCH_PROGRESS_MS ?? 60_000);
  let nextProgressAt = startedAt + progressEveryMs;
  let stalledTicks = 0;
  let lastRunning = -1;
  let dumping: Promise<void> | undefined;
  await fleet.runUntil(() => {
    if (createError) throw createError;
    if (fleet.time.now() >= nextProgressAt) {
      nextProgressAt += progressEveryMs;
      process.stderr.write(
        `  converge: ${Math.round((fleet.time.now() - startedAt) / 1000)} s simulated, ${fleet.running()}/${total} running, ` +
          `reconcile queue ${fleet.reconcileQueue.depth}, passes ${JSON.stringify(fleet.reconcileOutcomes())}, ` +
          `failures ${JSON.stringify(fleet.failures())}, last schedule ${JSON.stringify(fleet.schedulerReports.at(-1) ?? {})}, ` +
          `${Math.round((performance.now() - wallStarted) / 1000)} s wall\n`,
      );
      stalledTicks = fleet.running() === lastRunning ? stalledTicks + 1 : 0;
      lastRunning = fleet.running();
      if (process.env.BENCH_STALL_DUMP && stalledTicks === 3 && !dumping)
        dumping = dumpStall(
          fleet,
          options.tasks,
          (name) => clusterOfService(Number(name.slice(4)), options.clusters),
          options.services,
        );
    }
    if (!createsDone || convergedAt === undefined) return false;
    // Load-balanced, a fleet has converged when every target is healthy too.
    if (lb && healthyAt === undefined && lb.healthyTargets() >= total) healthyAt = fleet.time.now();
    return !lb || healthyAt !== undefined;
  });
  fleet.onRunningCount(undefined);
  const runningSeconds = (convergedAt! - startedAt) / 1000;
  const simulatedSeconds = ((healthyAt ?? convergedAt!) - startedAt) / 1000;
  const lowerBoundSeconds = launchBoundSeconds(total) + (lb ? healthCheckSeconds : 0);
  const passesKilledAtTimeout = fleet.killedAtTimeout().reconcileWorker;
  const throttledRunTask = fleet.ecsCounter.snapshot().RunTask?.throttled ?? 0;
  const ecsFaults = options.ecsFaults ?? 0;
  return {
    name: 'converge',
    services: options.services,
    tasksPerService: options.tasks,
    tasks: total,
    clusters: options.clusters ?? 1,
    workers: options.workers,
    ecsFaults,
    time: 'virtual',
    simulatedSeconds: round(simulatedSeconds),
    lowerBoundSeconds: round(lowerBoundSeconds),
    ratio: round(simulatedSeconds / lowerBoundSeconds),
    passesKilledAtTimeout,
    throttledRunTask,
    target: { ratioAtMost: 1.15, passesKilledAtTimeout: 0, throttledRunTask: 0 },
    // Under injected faults the ratio is reported; the targets hold for a healthy ECS.
    pass:
      ecsFaults > 0 ||
      (simulatedSeconds / lowerBoundSeconds <= 1.15 && passesKilledAtTimeout === 0 && throttledRunTask === 0),
    wallSeconds: round((performance.now() - wallStarted) / 1000, 1),
    apiCreateWallSeconds: round(apiSeconds, 1),
    ecsCalls: fleet.ecsCounter.snapshot(),
    dynamoDb: fleet.dynamoDbCounter.snapshot(),
    sqs: sqsTotals(fleet),
    failedMessages: fleet.failures(),
    maxTasksOverCap: fleet.maxOverCap(),
    ...(lb
      ? {
          loadBalanced: true,
          targetGroups: targetGroupArns.length,
          healthCheck: BENCH_HEALTH_CHECK,
          healthCheckSeconds,
          runningSeconds: round(runningSeconds),
          elbCalls: lb.counter.snapshot(),
        }
      : {}),
  };
};

export const runSteady = async (fleet: Fleet, options: PipelineOptions) => {
  await settle(fleet);
  fleet.disableSchedule();
  const total = options.services * options.tasks;
  // Virtual time stands still while the pass runs in its own process; ECS answers at this instant.
  const pass = await runSteadyPassProcess(fleet);
  // ListTasks pages per cluster: the sum over the clusters of ceil(T_c / 100).
  const minimum = { ListTasks: listTasksMinimum(options, LIST_PAGE), RunTask: 0, StopTask: 0 };
  const ecsCallCount = Object.values(pass.ecs).reduce((sum, count) => sum + count.calls, 0);
  const minimumCalls = minimum.ListTasks;
  const readUnitsPerService = pass.dynamoDb.readCapacityUnits / options.services;
  const ecsRatio = ecsCallCount / minimumCalls;
  // Load-balanced, the minimum is one DescribeTargetHealth per target group per scheduler pass.
  const lb = fleet.loadBalancing;
  const elbCallsTotal = Object.values(pass.elb ?? {}).reduce((sum, count) => sum + count.calls, 0);
  const elbMinimum = { DescribeTargetHealth: lb?.targetGroupArns.length ?? 0 };
  const elbRatio = lb ? elbCallsTotal / elbMinimum.DescribeTargetHealth : 0;
  const elbWithinTarget = !lb || elbCallsTotal === (pass.elb?.DescribeTargetHealth?.calls ?? 0);
  return {
    name: 'steady',
    services: options.services,
    tasksPerService: options.tasks,
    tasks: total,
    clusters: options.clusters ?? 1,
    time: 'real CPU and memory (one pass in a fresh process); its waits move the ECS virtual clock',
    schedulerReport: pass.report,
    ecsCalls: pass.ecs,
    ecsCallsTotal: ecsCallCount,
    minimum,
    ecsRatio: round(ecsRatio),
    dynamoDb: pass.dynamoDb,
    readUnitsPerService: round(readUnitsPerService, 4),
    sqs: pass.sqs,
    cpuMs: round(pass.cpuMs, 1),
    cpuMsPer1000Services: round((pass.cpuMs * 1000) / options.services, 1),
    wallMs: round(pass.wallMs, 1),
    memory: pass.memory,
    target: { ecsRatioAtMost: 1.1, readUnitsPerServiceAtMost: 1, runTask: 0, stopTask: 0 },
    ...(lb
      ? {
          loadBalanced: true,
          targetGroups: lb.targetGroupArns.length,
          elbCalls: pass.elb ?? {},
          elbCallsTotal,
          elbMinimum,
          elbRatio: round(elbRatio),
          elbTarget: { ratioAtMost: 1, onlyDescribeTargetHealth: true },
        }
      : {}),
    pass:
      (!lb || (elbRatio <= 1 && elbWithinTarget)) &&
      ecsRatio <= 1.1 &&
      readUnitsPerService <= 1 &&
      (pass.ecs.RunTask?.calls ?? 0) === 0 &&
      (pass.ecs.StopTask?.calls ?? 0) === 0,
  };
};

export const runRecover = async (fleet: Fleet, options: PipelineOptions) => {
  const total = options.services * options.tasks;
  fleet.enableSchedule();
  const rounds = [];
  for (const fraction of [0.01, 0.1, 0.5]) {
    await settle(fleet);
    const arns = fleet.runningTaskArns();
    // A seeded shuffle picks which tasks die.
    for (let i = arns.length - 1; i > 0; i--) {
      const j = Math.floor(fleet.random() * (i + 1));
      [arns[i], arns[j]] = [arns[j]!, arns[i]!];
    }
    const victims = arns.slice(0, Math.max(1, Math.round(fraction * total)));
    const lb = fleet.loadBalancing;
    const before = {
      ecs: fleet.ecsCounter.snapshot(),
      elb: lb?.counter.snapshot() ?? {},
      sqs: sqsTotals(fleet),
    };
    fleet.resetMaxOverCap();
    const startedAt = fleet.time.now();
    let recoveredAt: number | undefined;
    let healthyAt: number | undefined;
    fleet.onRunningCount((count, at) => {
      if (count >= total && recoveredAt === undefined && at > startedAt) recoveredAt = at;
    });
    const nextSchedule = Math.ceil((startedAt + 1) / SCHEDULE_MS) * SCHEDULE_MS;
    let interrupted = 0;
    for (const [cluster, tasks] of victimsByCluster(victims)) {
      interrupted += fleet.server.ecs.interruptSpotTasks({ cluster, tasks }).interrupted.length;
    }
    if (interrupted !== victims.length) throw new Error('not every victim was interrupted');
    await fleet.runUntil(() => {
      if (recoveredAt === undefined) return false;
      // Load-balanced, recovered means every replacement's target is healthy too.
      if (lb && healthyAt === undefined && lb.healthyTargets() >= total) healthyAt = fleet.time.now();
      return !lb || healthyAt !== undefined;
    });
    fleet.onRunningCount(undefined);
    const seconds = ((healthyAt ?? recoveredAt!) - startedAt) / 1000;
    const bound = launchBoundSeconds(victims.length) + (lb ? healthCheckSeconds : 0);
    rounds.push({
      fraction,
      stopped: victims.length,
      simulatedSeconds: round(seconds),
      launchBoundSeconds: round(bound),
      allowedSeconds: round(bound + 5),
      withinAllowed: seconds <= bound + 5,
      ratio: round(seconds / bound),
      maxTasksOverCap: fleet.maxOverCap(),
      ecsCalls: ecsDelta(fleet.ecsCounter.snapshot(), before.ecs),
      reconcileMessages: fleet.reconcileQueue.stats.messagesSent - before.sqs.reconcileQueue.messagesSent,
      taskEventMessages: fleet.taskEventsQueue.stats.messagesSent - before.sqs.taskEventsQueue.messagesSent,
      scheduledPassBeforeRecovery: nextSchedule < (recoveredAt ?? 0),
      ...(lb
        ? {
            runningSeconds: round((recoveredAt! - startedAt) / 1000),
            elbCalls: ecsDelta(lb.counter.snapshot(), before.elb),
          }
        : {}),
    });
  }
  const tenPercent = rounds.find((entry) => entry.fraction === 0.1)!;
  return {
    name: 'recover',
    services: options.services,
    tasksPerService: options.tasks,
    tasks: total,
    time: 'virtual',
    how: 'FARGATE_SPOT interruption of the chosen tasks at one instant; replacement through the event path',
    rounds,
    target: { tenPercentWithinLaunchBoundPlusSeconds: 5, maxTasksOverCap: 0 },
    ...(fleet.loadBalancing
      ? { loadBalanced: true, healthCheck: BENCH_HEALTH_CHECK, healthCheckSeconds }
      : {}),
    pass: tenPercent.withinAllowed && rounds.every((entry) => entry.maxTasksOverCap === 0),
  };
};

export const runPipeline = async (
  options: PipelineOptions,
  only: Set<string>,
  write: (result: { name: string }) => Promise<void>,
) => {
  const fleet = await startFleet({
    workers: options.workers,
    eventWorkers: options.eventWorkers,
    clusters: options.clusters ?? 1,
    ...(options.ecsFaults ? { ecsFaultRate: options.ecsFaults } : {}),
    ...(options.loadBalanced ? { loadBalanced: true } : {}),
  });
  try {
    const converge = await runConverge(fleet, options);
    if (only.has('converge')) await write(converge);
    if (only.has('steady')) await write(await runSteady(fleet, options));
    if (only.has('recover')) await write(await runRecover(fleet, options));
  } finally {
    await fleet.stop();
  }
};

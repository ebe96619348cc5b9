/**
 * Tugboat's whole reconcile pipeline in one process, on virtual time, as Lambda would run it:
 *   API handler (middy + lib/api routes) -> DynamoDB Local -> reconcile queue -> reconcile workers
 *   (processReconcileBatch, `workers` concurrent pollers) -> ECS over HTTP through @aws-sdk/client-ecs to
 *   the local endpoint with the published rate limits -> task state change events -> task-events queue
 *   -> processTaskEventBatch -> inventory (+ reconcile triggers); and runReconcileScheduler every minute.
 * Queues are in memory (bench/support/queue.ts), so their delays run on the virtual clock.
 */
import { randomUUID } from 'node:crypto';
import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ecsClusterDirectory } from '../../lib/ecs/clusters';
import { createEcsClientForGateway } from '../../lib/ecs/gateway';
import { createSchedulerElbDescribePacer, createSharedElbDescribePacer } from '../../lib/elb/calls';
import type { ReconcileOutcome, ReconcilerDeps } from '../../lib/reconcile/pass/reconcile';
import { passDeadline, processReconcileBatch } from '../../lib/reconcile/pass/worker';
import { runReconcileScheduler, type SchedulerReport } from '../../lib/reconcile/scheduler/scheduler';
import { DynamoDbStore, rateRetryPauseMs } from '../../lib/store/dynamodb';
import { DynamoDbJobStore } from '../../lib/store/jobs';
import { DynamoDbScalingStore } from '../../lib/store/scaling';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { processTaskEventBatch } from '../../lib/use-cases/task-events';
import { createTable, localDynamoDbClient, startDynamoDbLocal } from '../../local/dynamodb';
import { type LocalEcsServer, startLocalEcsServer, type TaskStateChangeEvent } from '../../local/ecs';
import { freePort } from '../../local/ports';
import { benchApi } from './bench-api';
import { countDynamoDbCalls, countEcsCalls } from './counters';
import { deployedFunctions } from './deployed';
import { lambdaInstanceEcsOf } from './lambda-ecs';
import { guarded, withTimeout } from './lambda-timeout';
import { type FleetLoadBalancing, startFleetLoadBalancing } from './load-balancing';
import { SimQueue, simReconcileQueue, startPollers } from './queue';
import { seededRandom, seededUuid } from './random';
import { createTaskCensus } from './task-census';
import { VirtualTime } from './virtual-time';
import { workerInstances } from './worker-instances';

export const CLUSTER = 'bench';
/** The fleet's clusters: `bench` alone, or bench-0 .. bench-<count - 1> (`--clusters`). */
export const clusterNames = (count: number): string[] =>
  count <= 1 ? [CLUSTER] : Array.from({ length: count }, (_, index) => `${CLUSTER}-${index}`);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
/** From resources/queues.yml. */
const RECONCILE_VISIBILITY_MS = 360_000;
const TASK_EVENTS_VISIBILITY_MS = 180_000;
/** rate(1 minute) in serverless.yml. */
export const SCHEDULE_MS = 60_000;

export interface FleetOptions {
  /** Reconcile worker concurrency (Lambda concurrency of reconcileWorker). */
  workers: number;
  /** Concurrency of the task-events function. */
  eventWorkers: number;
  /** Largest virtual step, ms. */
  stepMs?: number;
  /** Seed of the gateway's retry jitter. */
  seed?: number;
  /** How many ECS clusters the services are spread over (default 1). */
  clusters?: number;
  /** Fault injection of the ECS endpoint (its faultRate: HTTP 500 on that fraction of calls). */
  ecsFaultRate?: number;
  /** Starts the local ELB endpoint on the same clock and tasks, and gives the reconciler an ELB gateway. */
  loadBalanced?: boolean;
  /** The local ELB endpoint's request throttling (default 1: ELB's published buckets; 'off': none). */
  elbThrottle?: 'off' | number;
  /**
   * The store's pause after a lost race for a shared rate budget on the virtual clock (seeded jitter), as
   * Tugboat's other waits are. Without it the pause is a real setTimeout, during which nothing is in
   * flight and virtual time moves on by whole steps: a few real milliseconds become 100s of simulated ones.
   */
  virtualRateRacePauses?: boolean;
  /** A DynamoDB Local already running (the test run's): the fleet makes its table there and leaves it running. */
  dynamoDbEndpoint?: string;
  /** The table's name (default tugboat-bench); one per fleet in a shared DynamoDB Local. */
  tableName?: string;
  /** Where the virtual clock starts, epoch ms (default: now). */
  startTime?: number;
  /** The ECS endpoint's PROVISIONING-to-RUNNING time, ms (default 2000), and its +/- jitter fraction. */
  taskStartMs?: number;
  taskStartJitter?: number;
  /**
   * Everything seeded: the ECS endpoint's randomness and task ids, and the ids Tugboat makes (deployments,
   * events), so a seed replays the same run (the fuzzer's replay).
   */
  deterministic?: boolean;
  /** Sees every task state change event as ECS emits it, before the task-events queue does. */
  onTaskEvent?: (event: TaskStateChangeEvent) => void;
}

export type Fleet = Awaited<ReturnType<typeof startFleet>>;

export const startFleet = async (options: FleetOptions) => {
  const stepMs = options.stepMs ?? 100;
  const random = seededRandom(options.seed ?? 42);
  const dynamoDb = options.dynamoDbEndpoint
    ? { endpoint: options.dynamoDbEndpoint, stop: async () => {} }
    : await startDynamoDbLocal({ port: await freePort() });
  const tableName = options.tableName ?? 'tugboat-bench';
  const dynamoDbClient = localDynamoDbClient(dynamoDb.endpoint);
  /** A UUID v4 from the seeded randomness (deterministic runs), else the system's. */
  const newId = options.deterministic ? seededUuid(seededRandom((options.seed ?? 42) + 2)) : randomUUID;
  await createTable(dynamoDbClient, tableName);

  const census = createTaskCensus();
  let taskEventsQueue: SimQueue | undefined;
  const observe = (event: TaskStateChangeEvent) => {
    census.observe(event);
    options.onTaskEvent?.(event);
    taskEventsQueue?.send([JSON.stringify(event)]);
  };

  const server: LocalEcsServer = await startLocalEcsServer({
    port: 0,
    clock: 'virtual',
    throttle: 1,
    eventSink: observe,
    ...(options.startTime === undefined ? {} : { startTime: options.startTime }),
    ...(options.taskStartMs === undefined ? {} : { startMs: options.taskStartMs }),
    ...(options.taskStartJitter === undefined ? {} : { jitter: options.taskStartJitter }),
    ...(options.ecsFaultRate ? { faultRate: options.ecsFaultRate } : {}),
    ...(options.ecsFaultRate || options.deterministic
      ? { random: seededRandom((options.seed ?? 42) + 1) }
      : {}),
    ...(options.deterministic ? { seededTaskIds: true } : {}),
  });
  // Every function runs with its deployed timeout: an invocation still running then is killed.
  const functions = deployedFunctions();
  const timeoutOf = (name: string) => {
    const settings = functions[name];
    if (!settings) throw new Error(`serverless.yml has no function ${name}`);
    return settings.timeoutMs;
  };
  const killedAtTimeout = { reconcileWorker: 0, reconcileScheduler: 0, taskEvents: 0 };
  const time = new VirtualTime(server.ecs);
  taskEventsQueue = new SimQueue(time.now, TASK_EVENTS_VISIBILITY_MS);
  const reconcileQueue = new SimQueue(time.now, RECONCILE_VISIBILITY_MS);
  const reconcileQueuePort = simReconcileQueue(reconcileQueue, time.now);
  const loadBalancing: FleetLoadBalancing | undefined = options.loadBalanced
    ? await startFleetLoadBalancing({
        ecs: server,
        time,
        random,
        region,
        credentials,
        ...(options.elbThrottle === undefined ? {} : { throttle: options.elbThrottle }),
      })
    : undefined;
  // The scheduler's share of ELB's Describe* budget, in its instance (lib/elb/calls.ts), on the clock.
  const schedulerElb = loadBalancing?.lambdaInstanceElb({
    describePacer: createSchedulerElbDescribePacer({ now: time.now, sleep: time.sleep }),
    maxRoomWaitMs: Number.POSITIVE_INFINITY,
  });

  const ecsClient = createEcsClientForGateway({ endpoint: server.url, region, credentials });
  const ecsCounter = countEcsCalls(ecsClient, time);
  const dynamoDbCounter = countDynamoDbCalls(dynamoDbClient, time);
  const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const pauseRandom = seededRandom((options.seed ?? 42) + 3);
  const store = options.virtualRateRacePauses
    ? new DynamoDbStore(documentClient, tableName, (attempt) =>
        time.sleep(rateRetryPauseMs(attempt, pauseRandom)),
      )
    : new DynamoDbStore(documentClient, tableName);
  const scaling = new DynamoDbScalingStore(documentClient, tableName);

  try {
    for (const clusterName of clusterNames(options.clusters ?? 1)) {
      const create = new CreateClusterCommand({
        clusterName,
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      });
      // The fleet's own set-up, not the run under test: an injected fault (ecsFaultRate) is retried, as
      // CreateCluster is idempotent.
      for (let attempt = 1; ; attempt++) {
        try {
          await ecsClient.send(create);
          break;
        } catch (error) {
          if ((error as Error).name !== 'ServerException' || attempt === 10) throw error;
        }
      }
    }
  } catch (error) {
    // A set-up that fails leaves nothing listening: the caller gets the error, not a process that never ends.
    await loadBalancing?.stop();
    ecsClient.destroy();
    dynamoDbClient.destroy();
    await server.close();
    await dynamoDb.stop();
    throw error;
  }

  const lambdaInstanceEcs = lambdaInstanceEcsOf({ store, client: ecsClient, time, random });
  const schedulerEcsFor = lambdaInstanceEcs();

  const context: UseCaseContext = {
    store,
    config: { tableName, region, accountId: '000000000000' },
    now: () => new Date(time.now()),
    newId,
    clusters: ecsClusterDirectory(() => ecsClient),
    reconcileQueue: reconcileQueuePort,
    scaling,
    jobs: new DynamoDbJobStore(documentClient, tableName),
  };
  const api = benchApi(context, time.now);

  // Each worker instance keeps its gateways (and their read pacers) and its reconciler across
  // invocations, as Lambda does.
  const workerEcs = Array.from({ length: options.workers }, () => lambdaInstanceEcs());
  // Each worker instance's share of the passes' Describe* budget, kept in the table: its gateway's and
  // its listener rules' (a benchmark's extras) reads take turns with every other instance's.
  const workerDescribePacers = Array.from({ length: options.workers }, () =>
    createSharedElbDescribePacer(store, { now: time.now, sleep: time.sleep }),
  );
  const workerElb = workerDescribePacers.map((describePacer) =>
    loadBalancing?.lambdaInstanceElb({ describePacer }),
  );
  const workerTimeoutMs = timeoutOf('reconcileWorker');
  /** What a benchmark adds to each worker instance's reconciler (listener rules, alarms, analysis). */
  let reconcilerExtras: (instance: number) => Partial<ReconcilerDeps> = () => ({});
  let reconcileFailures = 0;
  let taskEventFailures = 0;
  /** What reconcile requests came to: a pass that launched or stopped tasks, one that found nothing to do, the lease held, the service gone, or answered by a later pass. */
  const reconcileOutcomes = { acted: 0, idle: 0, busy: 0, gone: 0, superseded: 0 };
  const reconcilers = workerInstances((instance, invocation) => ({
    store: guarded(store, invocation),
    ecsFor: (cluster) => guarded(workerEcs[instance]!(cluster), invocation),
    now: time.now,
    newId,
    ...(workerElb[instance] ? { elb: guarded(workerElb[instance], invocation) } : {}),
    ...reconcilerExtras(instance),
  }));
  const reconcileWorkers = startPollers(reconcileQueue, options.workers, async (records, instance) => {
    const result = await withTimeout(time, workerTimeoutMs, (invocation) => {
      return processReconcileBatch(
        reconcilers.reconciler(instance, invocation),
        guarded(reconcileQueuePort, invocation),
        records,
        reconcileLog,
        {
          deadline: passDeadline(time.now(), workerTimeoutMs),
        },
      );
    });
    if (!result.killed) return result.value;
    killedAtTimeout.reconcileWorker++;
    reconcilers.killed(instance);
    return records.map((record) => record.messageId);
  });
  const eventsTimeoutMs = timeoutOf('taskEvents');
  const eventWorkers = startPollers(taskEventsQueue, options.eventWorkers, async (records) => {
    const result = await withTimeout(time, eventsTimeoutMs, (invocation) =>
      processTaskEventBatch(
        guarded(store, invocation),
        (requests) => guarded(reconcileQueuePort, invocation).enqueue(requests),
        records,
        {
          processed: () => {},
          failed: () => {
            taskEventFailures++;
          },
        },
      ),
    );
    if (!result.killed) return result.value;
    killedAtTimeout.taskEvents++;
    return records.map((record) => record.messageId);
  });

  const reconcileLog = {
    reconciled: (_: unknown, outcome: ReconcileOutcome) => {
      const kind =
        outcome.status !== 'reconciled'
          ? outcome.status
          : outcome.launched > 0 || outcome.stopped > 0
            ? 'acted'
            : 'idle';
      reconcileOutcomes[kind]++;
    },
    failed: (_messageId: string, error: unknown) => {
      reconcileFailures++;
      if (process.env.BENCH_DEBUG) process.stderr.write(`  reconcile failed: ${String(error)}\n`);
    },
  };

  let schedulerEnabled = false;
  let nextSchedulerAt = Number.POSITIVE_INFINITY;
  let schedulerRun: Promise<void> | undefined;
  const schedulerReports: SchedulerReport[] = [];
  const schedulerTimeoutMs = timeoutOf('reconcileScheduler');
  const runScheduler = async () => {
    const result = await withTimeout(time, schedulerTimeoutMs, (invocation) =>
      runReconcileScheduler({
        store: guarded(store, invocation),
        ecsFor: (cluster) => guarded(schedulerEcsFor(cluster), invocation),
        enqueue: (requests) => guarded(reconcileQueuePort, invocation).enqueue(requests),
        now: time.now,
        ...(schedulerElb ? { elb: guarded(schedulerElb, invocation), elbClock: time.now } : {}),
      }),
    );
    if (result.killed) killedAtTimeout.reconcileScheduler++;
    else {
      // The scheduler skips a failing cluster; in a benchmark that is a broken run, not a figure.
      // (With ECS faults injected on purpose a run may skip a cluster, as the deployed scheduler would.)
      if (result.value.failedClusters[0] && !options.ecsFaultRate) throw result.value.failedClusters[0].error;
      schedulerReports.push(result.value);
    }
  };

  let desiredPerService = 0;
  let maxOverCap = 0;

  /**
   * Runs the pipeline until `done()` (checked whenever everything is waiting on time), moving virtual
   * time to the next due timer, queue delay or schedule, at most stepMs at a time.
   */
  const runUntil = async (done: () => boolean, limitMs = 6 * 3_600_000) => {
    const deadline = time.now() + limitMs;
    for (;;) {
      await time.quiesce();
      maxOverCap = Math.max(maxOverCap, census.overCap(desiredPerService));
      if (done()) return;
      if (time.now() >= deadline) throw new Error(`not done after ${limitMs / 1000} simulated seconds`);
      if (schedulerEnabled && time.now() >= nextSchedulerAt && !schedulerRun) {
        nextSchedulerAt += SCHEDULE_MS;
        schedulerRun = runScheduler().finally(() => {
          schedulerRun = undefined;
        });
        continue;
      }
      const candidates = [
        time.now() + stepMs,
        time.nextTimerAt(),
        // ECS's own next task change, so a long step never moves past a change the pipeline should see.
        options.stepMs !== undefined && options.stepMs > 100 ? server.ecs.nextChangeAt() : undefined,
        reconcileQueue.nextVisibleAt(),
        taskEventsQueue.nextVisibleAt(),
        schedulerEnabled ? nextSchedulerAt : undefined,
      ].filter((at): at is number => at !== undefined);
      time.advanceTo(Math.max(time.now() + 1, Math.min(...candidates)));
      reconcileQueue.wake();
      taskEventsQueue.wake();
    }
  };

  return {
    time,
    server,
    store,
    /** The use cases' context the API runs with (the jobs scheduler's too, with its own gateways). */
    context,
    /** A new Lambda instance's ECS gateways (its own read pacer; the launch budget shared through the table). */
    lambdaInstanceEcs,
    timeoutOf,
    /** Auto scaling's states (the API registers a service's autoScaling in them). */
    scaling,
    api,
    ecsClient,
    ecsCounter,
    dynamoDbCounter,
    reconcileQueue,
    taskEventsQueue,
    dynamoDbEndpoint: dynamoDb.endpoint,
    tableName,
    /** The ids the fleet's API and workers make (seeded when `deterministic`). */
    newId,
    schedulerReports,
    runUntil,
    runScheduler,
    /** Turns on the minute schedule, first pass one period from now. */
    enableSchedule() {
      schedulerEnabled = true;
      nextSchedulerAt = time.now() + SCHEDULE_MS;
    },
    disableSchedule() {
      schedulerEnabled = false;
    },
    /** Worker instance `instance`'s share of ELB's Describe* budget (its listener rules pace with it). */
    describePacerOf: (instance: number) => workerDescribePacers[instance],
    /** Gives every reconciler the workers build from now on these dependencies too. */
    setReconcilerExtras(extras: (instance: number) => Partial<ReconcilerDeps>) {
      reconcilerExtras = extras;
      reconcilers.reset();
    },
    setDesiredPerService(count: number) {
      desiredPerService = count;
    },
    running: census.running,
    liveByService: census.liveByService,
    runningTaskArns: census.runningTaskArns,
    onRunningCount: census.onRunningCount,
    maxOverCap: () => maxOverCap,
    resetMaxOverCap() {
      maxOverCap = 0;
    },
    failures: () => ({ reconcile: reconcileFailures, taskEvents: taskEventFailures }),
    /** Invocations killed at their function's deployed timeout, by function. */
    killedAtTimeout: () => ({ ...killedAtTimeout }),
    reconcileOutcomes: () => ({ ...reconcileOutcomes }),
    random,
    /** Set with `loadBalanced`: the local ELB endpoint, its counted client and the target groups. */
    loadBalancing,
    async stop() {
      // A handler under way may wait on the clock (a back-off, a hook's delay): it runs on to its end,
      // with no scheduler run and no new message taken, else the stop would wait for it forever.
      schedulerEnabled = false;
      let stopped = false;
      const stopping = Promise.all([reconcileWorkers.stop(), eventWorkers.stop()]).finally(() => {
        stopped = true;
      });
      await runUntil(() => stopped);
      await stopping;
      await loadBalancing?.stop();
      ecsClient.destroy();
      dynamoDbClient.destroy();
      await server.close();
      await dynamoDb.stop();
    },
  };
};

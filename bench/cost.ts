/**
 * cost: what running Tugboat costs a user, priced from what the other benchmarks counted, at the
 * published on-demand prices of us-east-1 (one table, PRICES, with its date). Free tiers are left out:
 * this is the bill of an account that already uses them up.
 *  - a steady month of 1,000 and 10,000 services x 3 tasks: the steady pass's counts and CPU time, once
 *    per period of the scheduler's real schedule (serverless.yml), plus what costs the same at any size
 *    (the queues' idle long polling, the scheduler's custom metrics);
 *  - one rolling deploy of one service of 3 tasks, counted through the real pipeline (virtual time);
 *  - auto scaling, from what the scaling benchmark counted (results/scaling.json): per scaled service-month
 *    its scale-out alarm (one per policy) and the metrics it is read for at the steady rate, and one scale
 *    event (the extra metrics read while its alarm is in ALARM).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { schedulerMetrics } from '../lib/reconcile/scheduler/metrics';
import { ecsDelta } from './support/counters';
import { type Fleet, startFleet } from './support/fleet';

/**
 * us-east-1 on-demand, as published on the AWS pricing pages and read (through third-party copies of
 * them: cloudburn.io, March 2026; factualminds.com, June 2026) on the date below.
 */
export const PRICES = {
  date: '2026-06-13',
  region: 'us-east-1',
  /** Lambda arm64, first tier (up to 7.5 billion GB-s a month). */
  lambdaArm64UsdPerGbSecond: 0.0000133334,
  lambdaUsdPerRequest: 0.2 / 1e6,
  /** DynamoDB on-demand (since the November 2024 price cut). */
  dynamoDbUsdPerReadRequestUnit: 0.125 / 1e6,
  dynamoDbUsdPerWriteRequestUnit: 0.625 / 1e6,
  /** SQS standard queues, per request (each 64 KB chunk of a payload). */
  sqsUsdPerRequest: 0.4 / 1e6,
  /** EventBridge: custom events; AWS service events (ECS task state changes) and schedules are free. */
  eventBridgeUsdPerCustomEvent: 1 / 1e6,
  eventBridgeUsdPerAwsServiceEvent: 0,
  /** CloudWatch: a custom metric published during a month; metrics requested through GetMetricData. */
  cloudWatchUsdPerMetricMonth: 0.3,
  cloudWatchUsdPerMetricRequested: 0.01 / 1000,
  /** What a user would otherwise pay: Application Auto Scaling's alarms, an EKS control plane. */
  cloudWatchUsdPerAlarmMonth: 0.1,
  eksUsdPerClusterHour: 0.1,
} as const;

const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** Assumed latencies where the local stack's are no guide: an ECS call and a DynamoDB call from Lambda. */
const ECS_CALL_MS = 30;
const DYNAMODB_CALL_MS = 6;
/** ECS's cluster read rate (lib/ecs/pacer.ts): the pacer's waits are billed Lambda time. */
const READ_BURST = 100;
const READ_PER_SECOND = 20;
/** An SQS event source mapping long-polls (20 s) an empty queue with about 5 pollers. */
const IDLE_POLLERS_PER_QUEUE = 5;
const LONG_POLL_SECONDS = 20;

export interface Usage {
  lambdaRequests: number;
  lambdaGbSeconds: number;
  dynamoDbReadRequestUnits: number;
  dynamoDbWriteRequestUnits: number;
  sqsRequests: number;
  eventBridgeCustomEvents: number;
  eventBridgeAwsServiceEvents: number;
  cloudWatchMetricMonths: number;
  cloudWatchMetricsRequested: number;
}

const usd = (value: number) => Number(value.toFixed(4));

export const price = (usage: Usage) => {
  const breakdown = {
    Lambda: usd(
      usage.lambdaRequests * PRICES.lambdaUsdPerRequest +
        usage.lambdaGbSeconds * PRICES.lambdaArm64UsdPerGbSecond,
    ),
    DynamoDB: usd(
      usage.dynamoDbReadRequestUnits * PRICES.dynamoDbUsdPerReadRequestUnit +
        usage.dynamoDbWriteRequestUnits * PRICES.dynamoDbUsdPerWriteRequestUnit,
    ),
    SQS: usd(usage.sqsRequests * PRICES.sqsUsdPerRequest),
    EventBridge: usd(
      usage.eventBridgeCustomEvents * PRICES.eventBridgeUsdPerCustomEvent +
        usage.eventBridgeAwsServiceEvents * PRICES.eventBridgeUsdPerAwsServiceEvent,
    ),
    CloudWatch: usd(
      usage.cloudWatchMetricMonths * PRICES.cloudWatchUsdPerMetricMonth +
        usage.cloudWatchMetricsRequested * PRICES.cloudWatchUsdPerMetricRequested,
    ),
  };
  return { usd: usd(Object.values(breakdown).reduce((sum, value) => sum + value, 0)), breakdown };
};

/** The scheduler's period and the functions' memory, read from serverless.yml. */
export const readDeployment = async () => {
  const text = await readFile(resolve(import.meta.dirname, '..', 'serverless.yml'), 'utf8');
  const schedule = /reconcileScheduler:[\s\S]*?schedule:\s*rate\((\d+)\s+(minute|minutes|hour|hours)\)/.exec(
    text,
  );
  const memory = /provider:[\s\S]*?\n\s+memorySize:\s*(\d+)/.exec(text);
  if (!schedule?.[1] || !memory?.[1])
    throw new Error('serverless.yml: no scheduler rate or memorySize found');
  const unitSeconds = schedule[2]?.startsWith('hour') ? 3600 : 60;
  const sqsFunctions = (text.match(/-\s+sqs:\s*\n/g) ?? []).length;
  return {
    schedule: schedule[0].slice(schedule[0].indexOf('rate(')),
    schedulePeriodSeconds: Number(schedule[1]) * unitSeconds,
    memoryGb: Number(memory[1]) / 1024,
    sqsEventSources: sqsFunctions,
  };
};

/** What one steady pass (bench/pipeline.ts runSteady) counted. */
export interface SteadyCounts {
  services: number;
  tasksPerService: number;
  ecsCallsTotal: number;
  dynamoDb: { reads: number; writes: number; readCapacityUnits: number; writeCapacityUnits: number };
  sqs: { sendMessageBatchCalls: number; messages: number };
  cpuMs: number;
}

/** A steady month of `services` x `tasksPerService`, from a steady pass over `steady.services`. */
export const steadyMonth = (
  steady: SteadyCounts,
  deployment: Awaited<ReturnType<typeof readDeployment>>,
  services: number,
  tasksPerService: number,
) => {
  const scale = services / steady.services;
  const listPages = Math.ceil((services * tasksPerService) / 100);
  const pacerWaitMs = (Math.max(0, listPages - READ_BURST) / READ_PER_SECOND) * 1000;
  const dynamoDbCalls = (steady.dynamoDb.reads + steady.dynamoDb.writes) * scale;
  const passMs =
    steady.cpuMs * scale + listPages * ECS_CALL_MS + dynamoDbCalls * DYNAMODB_CALL_MS + pacerWaitMs;
  const passes = SECONDS_PER_MONTH / deployment.schedulePeriodSeconds;
  const workerInvocations = Math.ceil((steady.sqs.messages * scale) / 10);
  const idlePolls =
    deployment.sqsEventSources * IDLE_POLLERS_PER_QUEUE * (SECONDS_PER_MONTH / LONG_POLL_SECONDS);
  const usage: Usage = {
    lambdaRequests: passes * (1 + workerInvocations),
    lambdaGbSeconds: passes * (passMs / 1000) * deployment.memoryGb,
    dynamoDbReadRequestUnits: passes * steady.dynamoDb.readCapacityUnits * scale,
    dynamoDbWriteRequestUnits: passes * steady.dynamoDb.writeCapacityUnits * scale,
    sqsRequests: passes * steady.sqs.sendMessageBatchCalls * scale + idlePolls,
    eventBridgeCustomEvents: 0,
    // The schedule's own events are free, and a steady fleet has no task state changes.
    eventBridgeAwsServiceEvents: passes,
    // What functions/reconcile-scheduler.ts publishes on such a pass (worker metrics only when it works).
    cloudWatchMetricMonths: schedulerMetrics({
      clusters: 1,
      services,
      enqueued: Math.ceil(steady.sqs.messages * scale),
      unknownTasks: 0,
      vanishedTasks: 0,
      alreadyRequested: 0,
      failedClusters: [],
    }).length,
    cloudWatchMetricsRequested: 0,
  };
  const priced = price(usage);
  return {
    services,
    tasksPerService,
    usdPerMonth: priced.usd,
    breakdown: priced.breakdown,
    usage,
    model: {
      scaledFromSteadyPassOf: steady.services,
      passesPerMonth: passes,
      billedMsPerPass: Math.round(passMs),
      listTasksPagesPerPass: listPages,
      readPacerWaitMsPerPass: Math.round(pacerWaitMs),
    },
  };
};

/** Through the pipeline on virtual time: one service of 3 tasks, rolled to a new revision, counted. */
export const countDeploy = async () => {
  const fleet: Fleet = await startFleet({ workers: 2, eventWorkers: 2 });
  try {
    // A family of its own: the process-wide cache of ECS task definition ARNs (lib/ecs/task-definitions.ts)
    // remembers 'web' from the other benchmarks' ECS endpoints.
    const taskDefinition = (image: string) => ({
      family: 'deploy-cost',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'web', image, portMappings: [{ containerPort: 80 }] }],
    });
    fleet.setDesiredPerService(3);
    await fleet.api('POST', '/task-definitions', taskDefinition('nginx:1.27'));
    await fleet.api('POST', '/clusters/bench/services', {
      serviceName: 'svc-0',
      taskDefinition: 'deploy-cost',
      desiredCount: 3,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    });
    fleet.enableSchedule();
    await fleet.runUntil(() => fleet.running() === 3, 3_600_000);
    const quiet = () => fleet.reconcileQueue.depth === 0 && fleet.taskEventsQueue.depth === 0;
    await fleet.runUntil(quiet, 3_600_000);
    await fleet.api('POST', '/task-definitions', taskDefinition('nginx:1.28'));

    const before = {
      ecs: fleet.ecsCounter.snapshot(),
      dynamoDb: fleet.dynamoDbCounter.snapshot(),
      reconcile: { ...fleet.reconcileQueue.stats },
      events: { ...fleet.taskEventsQueue.stats },
      cpu: process.cpuUsage(),
      at: fleet.time.now(),
    };
    await fleet.api('PATCH', '/clusters/bench/services/svc-0', { taskDefinition: 'deploy-cost:2' });
    let completed = false;
    while (!completed) {
      const until = fleet.time.now() + 5_000;
      await fleet.runUntil(() => fleet.time.now() >= until);
      const service = (await fleet.api('GET', '/clusters/bench/services/svc-0')) as {
        deployments: Array<{ status: string; rolloutState: string }>;
      };
      completed =
        service.deployments.length === 1 ||
        service.deployments.every((deployment) => deployment.status !== 'ACTIVE');
      completed &&= service.deployments[0]?.rolloutState === 'COMPLETED' && fleet.running() === 3;
      if (fleet.time.now() - before.at > 30 * 60_000) throw new Error('the counted deploy did not complete');
    }
    // The deploy's last events and their passes belong to it too.
    await fleet.runUntil(quiet, 120_000).catch(() => undefined);
    const cpu = process.cpuUsage(before.cpu);
    const dynamoDb = fleet.dynamoDbCounter.snapshot();
    const reconcile = fleet.reconcileQueue.stats;
    const events = fleet.taskEventsQueue.stats;
    const invocations =
      reconcile.receiveCalls -
      before.reconcile.receiveCalls +
      events.receiveCalls -
      before.events.receiveCalls;
    const sqsRequests =
      reconcile.sendCalls -
      before.reconcile.sendCalls +
      events.sendCalls -
      before.events.sendCalls +
      // Every receive that got messages is followed by a DeleteMessageBatch.
      2 * invocations;
    const ecsCalls = ecsDelta(fleet.ecsCounter.snapshot(), before.ecs);
    const ecsCallCount = Object.values(ecsCalls).reduce((sum, count) => sum + count.calls, 0);
    const dynamoDbCalls = dynamoDb.reads - before.dynamoDb.reads + dynamoDb.writes - before.dynamoDb.writes;
    // The process's CPU time includes the local ECS endpoint's: an upper bound on Tugboat's.
    const billedMs =
      (cpu.user + cpu.system) / 1000 + ecsCallCount * ECS_CALL_MS + dynamoDbCalls * DYNAMODB_CALL_MS;
    const taskEvents = events.messagesSent - before.events.messagesSent;
    return {
      simulatedSeconds: (fleet.time.now() - before.at) / 1000,
      ecsCalls,
      taskStateChangeEvents: taskEvents,
      usage: {
        lambdaRequests: invocations + 1, // the API call that started it
        lambdaGbSeconds: (billedMs / 1000) * 1,
        dynamoDbReadRequestUnits: dynamoDb.readCapacityUnits - before.dynamoDb.readCapacityUnits,
        dynamoDbWriteRequestUnits: dynamoDb.writeCapacityUnits - before.dynamoDb.writeCapacityUnits,
        sqsRequests,
        eventBridgeCustomEvents: 0,
        eventBridgeAwsServiceEvents: taskEvents,
        cloudWatchMetricMonths: 0,
        cloudWatchMetricsRequested: 0,
      } satisfies Usage,
    };
  } finally {
    await fleet.stop();
  }
};

interface ScalingCounts {
  services: number;
  quick?: boolean;
  alarmsPut: number;
  evaluationsPerMonth: number;
  perEvaluation: Record<'steady' | 'step', { metricsRequested: { mean: number } }>;
  /** Evaluations the step window spanned (reports after the step). */
  stepEvaluations?: number;
}

/**
 * Auto scaling, priced from the scaling benchmark's counts: a scaled service pays its alarms (one per
 * policy, $0.10 an alarm-month) and the metrics it is read for (the 5-minute scale-in poll; the reads of a
 * scale event come on top). Null until bench/results/scaling.json exists.
 */
export const autoScalingCost = async () => {
  let counts: ScalingCounts;
  try {
    counts = JSON.parse(
      await readFile(resolve(import.meta.dirname, 'results', 'scaling.json'), 'utf8'),
    ) as ScalingCounts;
  } catch {
    return null;
  }
  const alarmMonths = counts.alarmsPut / counts.services;
  const perService = (mean: number) => mean / counts.services;
  const metricsPerMonth =
    perService(counts.perEvaluation.steady.metricsRequested.mean) * counts.evaluationsPerMonth;
  const extraPerEvaluation = Math.max(
    0,
    perService(
      counts.perEvaluation.step.metricsRequested.mean - counts.perEvaluation.steady.metricsRequested.mean,
    ),
  );
  const stepEvaluations = counts.stepEvaluations ?? 15;
  const perServiceMonth =
    alarmMonths * PRICES.cloudWatchUsdPerAlarmMonth +
    metricsPerMonth * PRICES.cloudWatchUsdPerMetricRequested;
  return {
    measuredWith: { services: counts.services, quick: counts.quick ?? false },
    alarmMonthsPerScaledService: usd(alarmMonths),
    metricsRequestedPerScaledServiceMonth: Math.round(metricsPerMonth),
    usdPerScaledServiceMonth: usd(perServiceMonth),
    usdPer1000ScaledServicesMonth: usd(1000 * perServiceMonth),
    /** The extra metrics one service's step in demand was read for, beyond the steady polls. */
    metricsRequestedPerScaleEvent: Number((extraPerEvaluation * stepEvaluations).toFixed(2)),
    usdPerScaleEvent: extraPerEvaluation * stepEvaluations * PRICES.cloudWatchUsdPerMetricRequested,
  };
};

export const runCost = async (options: { steady?: SteadyCounts; quick: boolean }) => {
  const steady =
    options.steady ??
    (JSON.parse(
      await readFile(resolve(import.meta.dirname, 'results', 'steady.json'), 'utf8'),
    ) as SteadyCounts);
  const deployment = await readDeployment();
  const fleets = [1000, 10000].map((services) => steadyMonth(steady, deployment, services, 3));
  const deploy = await countDeploy();
  const autoScaling = await autoScalingCost();
  const deployPriced = price(deploy.usage);
  const perThousand = fleets.map((fleet) => fleet.usdPerMonth / (fleet.services / 1000));
  const worst = Math.max(...perThousand);
  const eksMonth = PRICES.eksUsdPerClusterHour * HOURS_PER_MONTH;
  return {
    name: 'cost',
    fleets: fleets.map(({ services, tasksPerService, usdPerMonth, breakdown, model, usage }) => ({
      services,
      tasksPerService,
      usdPerMonth,
      breakdown,
      usdPer1000Services: usd(usdPerMonth / (services / 1000)),
      usage,
      model,
    })),
    usdPerDeploy: deployPriced.usd,
    deploy: { breakdown: deployPriced.breakdown, ...deploy },
    usdPerScaleEvent: autoScaling?.usdPerScaleEvent ?? null,
    autoScaling,
    prices: PRICES,
    deployment,
    assumptions: {
      lambdaBilledTime: `CPU time of the pass + ${ECS_CALL_MS} ms per ECS call + ${DYNAMODB_CALL_MS} ms per DynamoDB call (as if sequential) + the ECS read pacer's waits`,
      idleSqsPolling: `${IDLE_POLLERS_PER_QUEUE} long-polling (${LONG_POLL_SECONDS} s) pollers per SQS event source`,
      freeTiers: 'not applied',
      notPriced:
        'CloudWatch Logs ingestion, DynamoDB storage, API Gateway requests (per user call, not per fleet)',
    },
    comparison: {
      eksControlPlaneUsdPerMonth: usd(eksMonth),
      applicationAutoScalingAlarmsUsdPerMonthPer1000Services: usd(
        1000 * 2 * PRICES.cloudWatchUsdPerAlarmMonth,
      ),
    },
    target: { usdPer1000ServicesPerMonthAtMost: 5 },
    pass: worst <= 5,
  };
};

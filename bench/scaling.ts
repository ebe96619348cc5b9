/**
 * scaling: N services with a CPU policy (target 50 %) on the whole pipeline in virtual time
 * (bench/support/fleet.ts), the local CloudWatch endpoint on the same clock serving Container Insights
 * from the ECS endpoint's tasks, and the scaling evaluator run once a minute (EVALUATION_OFFSET_MS after
 * each minute starts, as a `cron(* * * * ? *)` schedule would, plus the time the data needs).
 * Each service runs one 256-unit task at 50 %; at a random instant of a 3-minute span its demand steps to
 * 3x its capacity. Measured: step -> first scale-out decision, step -> that many tasks RUNNING (p50, p99),
 * CloudWatch calls (GetMetricData + DescribeAlarms) and metrics requested per evaluation, the CloudWatch
 * cost per scaled service-month (one scale-out alarm per policy at $0.10 an alarm-month, plus the metrics
 * requested at $0.01 per 1,000), and oscillation (a scale-in within the stabilization window after a
 * scale-out) while the demand stays constant. Before the step the fleet runs until every alarm is put
 * (at most MAX_ALARM_WRITES_PER_EVALUATION a minute) and a few polls more: the steady state.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Service } from '../lib/domain';
import { ecsTaskDefinitionArn } from '../lib/ecs/task-definitions';
import { DependencyError } from '../lib/errors';
import { DEFAULT_INSTALLATION, ecsFamily } from '../lib/inventory/naming';
import { MAX_ALARM_WRITES_PER_EVALUATION } from '../lib/scaling/alarm-sync';
import {
  type AlarmClient,
  createAlarmClient,
  createMetricReader,
  type MetricReader,
} from '../lib/scaling/cloudwatch';
import { type EvaluationReport, evaluateScaling } from '../lib/scaling/evaluate';
import { DynamoDbScalingStore } from '../lib/store/scaling';
import { autoScalingSchema } from '../lib/validation/autoscaling';
import { localDynamoDbClient } from '../local/dynamodb';
import { CLUSTER, type Fleet, startFleet } from './support/fleet';
import { startFleetCloudWatch } from './support/fleet-cloudwatch';
import { simReconcileQueue } from './support/queue';
import { seededRandom } from './support/random';

const MINUTE = 60_000;
const EVALUATION_OFFSET_MS = 5_000;
const STEP_SPREAD_MS = 3 * MINUTE;
const TASK_CPU = 256;
const SCALE_IN_WINDOW_S = 300;
/** $0.01 per 1,000 metrics requested (GetMetricData). */
const PRICE_PER_METRIC = 0.01 / 1000;
/** A standard-resolution metric alarm: $0.10 per alarm-month. */
const PRICE_PER_ALARM_MONTH = 0.1;
const EVALUATIONS_PER_MONTH = (30 * 24 * 60 * MINUTE) / MINUTE;

const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/** Registers each family's revision 1 with ECS, one at a time, on the fleet's clock. */
const registerRevisions = async (fleet: Fleet, families: string[]) => {
  const ecs = fleet.lambdaInstanceEcs()(CLUSTER);
  let done = false;
  const registering = (async () => {
    for (const family of families) {
      const taskDefinition = (await fleet.store.getTaskDefinition(family, 1))!;
      // The gateway retries a throttled call 8 times; past that, this waits and tries again.
      for (;;) {
        try {
          await ecsTaskDefinitionArn({ store: fleet.store, ecs }, taskDefinition);
          break;
        } catch (error) {
          if (!(error instanceof DependencyError)) throw error;
          await fleet.time.sleep(1_000);
        }
      }
    }
  })().finally(() => {
    done = true;
  });
  await fleet.runUntil(() => done);
  await registering;
};

export const runScaling = async (options: { services: number; workers: number; eventWorkers: number }) => {
  const wallStarted = performance.now();
  const fleet = await startFleet({ workers: options.workers, eventWorkers: options.eventWorkers });
  const { time } = fleet;
  const usage = fleet.server.ecs.usage;
  const cloudWatch = await startFleetCloudWatch(fleet);
  const reader = createMetricReader(cloudWatch.client);
  let metricCalls = 0;
  const metrics: MetricReader = {
    getMetricData: (queries, start, end) => {
      metricCalls++;
      return reader.getMetricData(queries, start, end);
    },
  };
  const alarmClient = createAlarmClient(cloudWatch.client);
  let describeAlarmsCalls = 0;
  const alarms: AlarmClient = {
    putAlarm: (spec) => alarmClient.putAlarm(spec),
    deleteAlarms: (names) => alarmClient.deleteAlarms(names),
    alarmsInAlarm: async (prefix) => {
      const found = await alarmClient.alarmsInAlarm(prefix);
      describeAlarmsCalls += found.calls;
      return found;
    },
  };
  const documentClient = DynamoDBDocumentClient.from(localDynamoDbClient(fleet.dynamoDbEndpoint), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const scaling = new DynamoDbScalingStore(documentClient, fleet.tableName);
  const reconcileQueue = simReconcileQueue(fleet.reconcileQueue, time.now);
  const random = seededRandom(15);
  const names = Array.from({ length: options.services }, (_, i) => `scaled-${i}`);

  try {
    // One family per service: Container Insights are by TaskDefinitionFamily, the ECS family Tugboat
    // registers (`tugboat-local-<family>`): the load is set on that one.
    for (let start = 0; start < names.length; start += 16) {
      await Promise.all(
        names.slice(start, start + 16).map((name) =>
          fleet.api('POST', '/task-definitions', {
            family: name,
            cpu: String(TASK_CPU),
            memory: '512',
            containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
          }),
        ),
      );
    }
    // Each revision registered with ECS before its service exists, one after another at ECS's
    // RegisterTaskDefinition rate (1 a second past a burst of 20), through the same code the first launch
    // would use: the services' creation is not what this benchmark measures, and 1,000 new families
    // launched at once would have every waiting service's pass retry its throttled registration each
    // second for up to 16 minutes (see docs/performance.md).
    await registerRevisions(fleet, names);
    for (let start = 0; start < names.length; start += 16) {
      await Promise.all(
        names.slice(start, start + 16).map((name) =>
          fleet.api('POST', `/clusters/${CLUSTER}/services`, {
            serviceName: name,
            taskDefinition: name,
            desiredCount: 1,
            launchType: 'FARGATE',
            networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
            deploymentConfiguration: { minReadySeconds: 0 },
          }),
        ),
      );
    }
    fleet.enableSchedule();
    await fleet.runUntil(() => fleet.running() >= names.length && fleet.reconcileQueue.depth === 0);

    // The policy, written as the API does: the scaling state first, then the service with its version checked.
    const autoScaling = autoScalingSchema().parse({
      minCapacity: 1,
      maxCapacity: 10,
      targetTracking: [
        {
          name: 'cpu',
          metric: { predefined: 'CPUUtilization' },
          targetValue: 50,
          scaleOutCooldownSeconds: 60,
          scaleInCooldownSeconds: SCALE_IN_WINDOW_S,
        },
      ],
    });
    // 16 services at a time, as they were created (virtual time stands still meanwhile).
    for (let start = 0; start < names.length; start += 16) {
      await Promise.all(
        names.slice(start, start + 16).map(async (name) => {
          await scaling.registerScaling(CLUSTER, name, time.now());
          const service = (await fleet.store.getService(CLUSTER, name))!;
          const next: Service = { ...service, autoScaling, version: service.version + 1 };
          await fleet.store.updateService(next, service);
          usage.setDemand(CLUSTER, ecsFamily(DEFAULT_INSTALLATION, name), { cpu: TASK_CPU / 2 }, time.now());
        }),
      );
    }

    const reports: { at: number; report: EvaluationReport }[] = [];
    const evaluatorCpuMs: number[] = [];
    let peakRssBytes = 0;
    let nextEvaluationAt = Math.ceil((time.now() + 2 * MINUTE) / MINUTE) * MINUTE + EVALUATION_OFFSET_MS;
    const evaluateUntil = async (until: number) => {
      while (nextEvaluationAt <= until) {
        await fleet.runUntil(() => time.now() >= nextEvaluationAt);
        const cpuBefore = process.cpuUsage();
        const report = await time.io(() =>
          evaluateScaling({
            scaling,
            store: fleet.store,
            metrics,
            alarms,
            queues: { backlog: async () => ({ visible: 0, inFlight: 0 }) },
            targets: { healthyTargets: async () => 0 },
            enqueue: (requests) => reconcileQueue.enqueue(requests),
            now: time.now(),
            newId: () => crypto.randomUUID(),
          }),
        );
        // The process's CPU time while the evaluation ran: the evaluator's, plus whatever pipeline work
        // (pollers, the scheduler) ran in the same moments, so an upper bound.
        const cpu = process.cpuUsage(cpuBefore);
        evaluatorCpuMs.push((cpu.user + cpu.system) / 1000);
        peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
        reports.push({ at: time.now(), report });
        nextEvaluationAt += MINUTE;
      }
    };
    // At 50 % until every alarm is put, then two scale-in polls: nothing may move.
    const alarmMinutes = Math.ceil(names.length / MAX_ALARM_WRITES_PER_EVALUATION);
    await evaluateUntil(time.now() + (alarmMinutes + 10) * MINUTE);
    const baselineChanges = reports.reduce((sum, { report }) => sum + report.changes.length, 0);
    const alarmsPut = reports.reduce((sum, { report }) => sum + report.alarmsPut, 0);
    // At the minimum before the step: nothing to scale in, so only the alarms cost.
    const atMinimum = reports.slice(-10).map(({ report }) => report);

    // The step: each service at its own instant of a 3-minute span, to 3x its capacity.
    const stepStart = time.now();
    const stepAt = new Map<string, number>();
    for (const name of names) {
      const delay = Math.floor(random() * STEP_SPREAD_MS);
      stepAt.set(name, stepStart + delay);
      void time
        .sleep(delay)
        .then(() =>
          usage.setDemand(CLUSTER, ecsFamily(DEFAULT_INSTALLATION, name), { cpu: 3 * TASK_CPU }, time.now()),
        );
    }
    const stepReportsFrom = reports.length;
    await evaluateUntil(stepStart + STEP_SPREAD_MS + 17 * MINUTE);
    await fleet.runUntil(() => fleet.reconcileQueue.depth === 0);
    // Steady above the minimum: the last 10 evaluations, settled at the new count under constant demand
    // (two 5-minute scale-in polls of every policy, no alarm).
    const steady = reports.slice(-10).map(({ report }) => report);

    const decisionSeconds: number[] = [];
    const runningSeconds: number[] = [];
    let oscillating = 0;
    let undecided = 0;
    const finalCounts: number[] = [];
    for (const name of names) {
      const changes = reports
        .slice(stepReportsFrom)
        .flatMap(({ at, report }) =>
          report.changes.filter((change) => change.serviceName === name).map((change) => ({ at, ...change })),
        );
      const first = changes.find((change) => change.toCount > change.fromCount);
      if (!first) {
        undecided++;
        continue;
      }
      decisionSeconds.push((first.at - stepAt.get(name)!) / 1000);
      const intervals = usage.runningIntervals(CLUSTER, ecsFamily(DEFAULT_INSTALLATION, name));
      const runningAt = (at: number) =>
        intervals.filter((interval) => interval.from <= at && (interval.to === undefined || interval.to > at))
          .length;
      const reached = [...intervals.map((interval) => interval.from)]
        .filter((at) => at >= first.at)
        .sort((a, b) => a - b)
        .find((at) => runningAt(at) >= first.toCount);
      if (reached !== undefined) runningSeconds.push((reached - stepAt.get(name)!) / 1000);
      // Constant demand after the step: any scale-in within the window after a scale-out oscillates.
      const outs = changes.filter((change) => change.toCount > change.fromCount).map((change) => change.at);
      if (
        changes.some(
          (change) =>
            change.toCount < change.fromCount &&
            outs.some((out) => out < change.at && change.at - out <= SCALE_IN_WINDOW_S * 1000),
        )
      )
        oscillating++;
      finalCounts.push(changes.at(-1)?.toCount ?? 1);
    }

    const stepReports = reports.slice(stepReportsFrom).map(({ report }) => report);
    const callsOf = (report: EvaluationReport) => report.metricCalls + report.alarmCalls;
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const perEvaluation = (of: EvaluationReport[]) => ({
      cloudWatchCalls: { mean: round(mean(of.map(callsOf)), 2), max: Math.max(...of.map(callsOf)) },
      getMetricDataCalls: { max: Math.max(...of.map((report) => report.metricCalls)) },
      describeAlarmsCalls: { max: Math.max(...of.map((report) => report.alarmCalls)) },
      metricsRequested: {
        mean: round(mean(of.map((report) => report.metricsRequested)), 1),
        max: Math.max(...of.map((report) => report.metricsRequested)),
      },
    });
    // Cost per scaled service-month: its alarms, and the metrics it is read for at the measured mean rate
    // (steady: the 5-minute polls; during the step, the alarms' reads as well).
    const metricsMonth = (of: EvaluationReport[]) =>
      (mean(of.map((report) => report.metricsRequested)) / names.length) * EVALUATIONS_PER_MONTH;
    const alarmsPerService = alarmsPut / names.length;
    const cost = (of: EvaluationReport[]) => ({
      alarmMonths: round(alarmsPerService, 2),
      metricsRequestedPerMonth: Math.round(metricsMonth(of)),
      alarmsUsd: round(alarmsPerService * PRICE_PER_ALARM_MONTH, 4),
      metricsUsd: round(metricsMonth(of) * PRICE_PER_METRIC, 4),
      totalUsd: round(alarmsPerService * PRICE_PER_ALARM_MONTH + metricsMonth(of) * PRICE_PER_METRIC, 4),
    });
    const costPerServiceMonth = cost(steady).totalUsd;
    const decisionP99 = percentile(decisionSeconds, 99);
    const result = {
      name: 'scaling',
      services: names.length,
      time: 'virtual',
      evaluationEverySeconds: 60,
      evaluationOffsetSeconds: EVALUATION_OFFSET_MS / 1000,
      policy: {
        metric: 'CPUUtilization',
        targetValue: 50,
        scaleOutCooldownSeconds: 60,
        scaleInCooldownSeconds: SCALE_IN_WINDOW_S,
      },
      step: { fromCpuPercent: 50, toTimesCapacity: 3, spreadSeconds: STEP_SPREAD_MS / 1000 },
      decisionSeconds: {
        p50: round(percentile(decisionSeconds, 50), 1),
        p99: round(decisionP99, 1),
        max: round(Math.max(...decisionSeconds), 1),
      },
      runningSeconds: {
        p50: round(percentile(runningSeconds, 50), 1),
        p99: round(percentile(runningSeconds, 99), 1),
        max: round(Math.max(...runningSeconds), 1),
      },
      undecidedServices: undecided,
      baselineChanges,
      alarmsPut,
      perEvaluation: {
        atMinimum: perEvaluation(atMinimum),
        steady: perEvaluation(steady),
        step: perEvaluation(stepReports),
      },
      stepEvaluations: stepReports.length,
      getMetricDataCallsTotal: metricCalls,
      describeAlarmsCallsTotal: describeAlarmsCalls,
      evaluationsPerMonth: EVALUATIONS_PER_MONTH,
      costPerServiceMonthUsd: {
        atMinimum: cost(atMinimum),
        steady: cost(steady),
        duringStep: cost(stepReports),
      },
      oscillatingServices: oscillating,
      evaluatorCpuMs: {
        perEvaluationMean: round(mean(evaluatorCpuMs), 1),
        perEvaluationMax: round(Math.max(...evaluatorCpuMs), 1),
        run: round(
          evaluatorCpuMs.reduce((sum, ms) => sum + ms, 0),
          0,
        ),
      },
      peakRssBytesDuringEvaluations: peakRssBytes,
      finalCount: { min: Math.min(...finalCounts), max: Math.max(...finalCounts) },
      target: { decisionP99SecondsAtMost: 90, costPerServiceMonthAtMostUsd: 0.2, oscillatingServices: 0 },
      pass: {
        decision: decisionP99 <= 90 && undecided === 0,
        cost: costPerServiceMonth <= 0.2,
        oscillation: oscillating === 0 && baselineChanges === 0,
      },
      wallSeconds: round((performance.now() - wallStarted) / 1000, 1),
      failedMessages: fleet.failures(),
    };
    return result;
  } finally {
    documentClient.destroy();
    await cloudWatch.close();
    await fleet.stop();
  }
};

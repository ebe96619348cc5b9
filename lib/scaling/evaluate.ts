/**
 * One evaluation of every scaled service, level-triggered and safe to run again after a crash:
 *   1. the scaled services, from the sparse index of scaling states, their service items 100 to a read;
 *   2. which services are over target: one scale-out alarm per CloudWatch policy (alarm-sync.ts keeps them
 *      in step), those in ALARM from DescribeAlarms by the installation's prefix, 100 a page;
 *   3. metrics only where needed, in ceil(queries / 500) GetMetricData calls: the policies in ALARM (scale
 *      out), and every CloudWatch policy of a service once per POLL_INTERVAL_MS (reads.ts), one query covering that
 *      many one-minute datapoints (the scale-in window); queue backlogs each minute, one
 *      GetQueueAttributes per queue;
 *   4. per service: scheduled actions due since the last evaluation, then the decision (decide.ts) on the
 *      policies read this time (a policy not read has no opinion: no scale-out from it, no scale-in);
 *   5. a change is written with the service's version checked (a lost race waits for the next pass), then
 *      recorded as a scaling activity and a service event, and the service is queued for a reconcile.
 * The samples each policy's stabilization window needs and the alarms put are kept on the scaling state.
 * A read that fails (a queue, a metric batch, a target group's health, an alarm) is the services' it
 * concerns (read-failures.ts): every other service is still evaluated, and the run does not fail. A policy
 * whose alarm does not exist (it could not be put) is read every minute until it does.
 */
import type { Service } from '../domain';
import type { ReconcileRequest } from '../queue/reconcile-queue';
import type { ScalingStateRecord } from '../store/scaling';
import { alarmWriteBudget, syncAlarms } from './alarm-sync';
import { evaluateService, type Read } from './evaluate-service';
import { type EvaluationReport, forEachLimit, type ScalingEvaluatorDeps, taskSizeOf } from './evaluation';
import {
  batchQueries,
  buildPolicyQueries,
  type MetricSeries,
  type PolicyQuery,
  type TaskSize,
} from './metrics';
import type { QueueDepth } from './queue-backlog';
import { countFailures, describeError, type ReadFailure } from './read-failures';
import { planReads, serviceKey } from './reads';

export type { EvaluationReport, ScalingChange, ScalingEvaluatorDeps } from './evaluation';

/** Each call reads this far back; the samples already kept cover the rest of a window. */
export const FETCH_WINDOW_MS = 5 * 60_000;
/** A state whose service does not (or no longer) scale is removed once it is older than this. */
const ORPHAN_GRACE_MS = 2 * 60_000;
const CONCURRENCY = 16;
/**
 * The schedule fires about once a minute, a little early or late: a 60 s cooldown must not skip the
 * evaluation that comes 59.99 s after the scale-out, so cooldowns end this much early.
 */
const SCHEDULE_JITTER_MS = 5_000;

const name = serviceKey;

export const evaluateScaling = async (deps: ScalingEvaluatorDeps): Promise<EvaluationReport> => {
  const { now } = deps;
  const report: EvaluationReport = {
    services: 0,
    metricCalls: 0,
    metricsRequested: 0,
    alarmCalls: 0,
    alarmsInAlarm: 0,
    alarmsPut: 0,
    alarmsDeleted: 0,
    alarmWriteFailures: 0,
    queueReads: 0,
    changes: [],
    conflicts: 0,
    removed: 0,
    readFailures: {},
  };
  const states = await deps.scaling.listScalingStates();
  const services = new Map(
    (await deps.scaling.getServices(states)).map((service) => [
      name(service.cluster, service.serviceName),
      service,
    ]),
  );
  const budget = alarmWriteBudget();
  const scaled: { state: ScalingStateRecord; service: Service }[] = [];
  await forEachLimit(states, CONCURRENCY, async (state) => {
    const service = services.get(name(state.cluster, state.serviceName));
    if (service?.status === 'ACTIVE' && service.autoScaling) scaled.push({ state, service });
    else if (now - state.registeredAt > ORPHAN_GRACE_MS) {
      // Auto scaling was removed (or its service deleted, or never written): its alarms go, then the
      // index forgets it, at the version read (a registration since bumped it, and it stays).
      try {
        const left = await syncAlarms(deps.alarms, new Map(), state.alarms ?? {}, budget).catch(() => {
          budget.failed++;
          return state.alarms ?? {};
        });
        if (Object.keys(left).length > 0) return; // the write budget ran out: the next pass goes on
        await deps.scaling.deleteScalingState(state.cluster, state.serviceName, state.version);
        report.removed++;
      } catch {
        countFailures(report.readFailures, [{ reason: 'Evaluation', text: 'removal' }]);
      }
    }
  });
  report.services = scaled.length;

  // Which policies to read: those in ALARM, all of a service whose scale-in poll is due, and those whose
  // alarm does not exist (every one when DescribeAlarms failed).
  const { alarming, polled, leftovers, alarmsUnread, ...alarmCounts } = await planReads(
    deps.alarms,
    deps.installation,
    scaled,
    now,
    SCHEDULE_JITTER_MS,
  );
  if (alarmsUnread !== undefined)
    countFailures(report.readFailures, [{ reason: 'DescribeAlarms', text: describeError(alarmsUnread) }]);
  report.alarmCalls = alarmCounts.alarmCalls;
  report.alarmsInAlarm = alarmCounts.alarmsInAlarm;
  if (leftovers.length > 0) await deps.alarms.deleteAlarms(leftovers).catch(() => budget.failed++);

  const stateOf = new Map(
    scaled.map(({ state, service }) => [name(service.cluster, service.serviceName), state]),
  );
  // CloudWatch: 500 queries to a call.
  const queries = buildPolicyQueries(
    scaled.map(({ service }) => service),
    deps.installation,
    (service, policy) => {
      const key = name(service.cluster, service.serviceName);
      return (
        alarmsUnread !== undefined ||
        ('custom' in policy.metric && policy.metric.custom.total) ||
        polled.has(key) ||
        alarming.has(`${key}/${policy.name}`) ||
        stateOf.get(key)?.unwatched?.includes(policy.name) === true
      );
    },
  );
  const series = new Map<string, MetricSeries>();
  const failedQueries = new Map<string, ReadFailure>();
  const batches = batchQueries(queries);
  report.metricCalls = batches.length;
  report.metricsRequested = queries.length;
  await forEachLimit(batches, 8, async (batch) => {
    try {
      const answer = await deps.metrics.getMetricData(
        batch.map((query) => query.query),
        now - FETCH_WINDOW_MS,
        now,
      );
      for (const [id, found] of answer) series.set(id, found);
    } catch (error) {
      const text = `its metrics cannot be read (${describeError(error)})`;
      for (const query of batch) failedQueries.set(query.query.id, { reason: 'MetricData', text });
    }
  });
  const queriesOf = new Map<string, PolicyQuery[]>();
  for (const query of queries) {
    const key = name(query.cluster, query.serviceName);
    queriesOf.set(key, [...(queriesOf.get(key) ?? []), query]);
  }

  // SQS: one read per queue, whatever number of services share it; the same for target groups' health.
  const queueUrls = new Set<string>();
  for (const { service } of scaled)
    for (const policy of service.autoScaling!.targetTracking)
      if ('queueBacklogPerTask' in policy.metric) queueUrls.add(policy.metric.queueBacklogPerTask.queueUrl);
  const queues = new Map<string, Read<QueueDepth>>();
  await forEachLimit([...queueUrls], CONCURRENCY, async (url) => {
    try {
      queues.set(url, { value: await deps.queues.backlog(url) });
    } catch (error) {
      queues.set(url, {
        failure: { reason: 'QueueAttributes', text: `queue ${url} cannot be read (${describeError(error)})` },
      });
    }
  });
  report.queueReads = queueUrls.size;
  const groups = new Set<string>();
  for (const { service } of scaled)
    for (const policy of service.autoScaling!.targetTracking)
      if (
        'predefined' in policy.metric &&
        policy.metric.predefined === 'ALBRequestCountPerTarget' &&
        queriesOf
          .get(name(service.cluster, service.serviceName))
          ?.some((query) => query.policy === policy.name)
      )
        groups.add(policy.metric.targetGroupArn);
  const healthy = new Map<string, Read<number>>();
  await forEachLimit([...groups], CONCURRENCY, async (arn) => {
    try {
      healthy.set(arn, { value: await deps.targets.healthyTargets(arn) });
    } catch (error) {
      healthy.set(arn, {
        failure: {
          reason: 'TargetHealth',
          text: `the health of target group ${arn} cannot be read (${describeError(error)})`,
        },
      });
    }
  });

  const sizes = new Map<string, Promise<TaskSize | undefined>>();
  const reconciles: ReconcileRequest[] = [];
  await forEachLimit(scaled, CONCURRENCY, async ({ state, service }) => {
    try {
      const { change, failures } = await evaluateService(deps, state, service, {
        queries: queriesOf.get(name(service.cluster, service.serviceName)) ?? [],
        series,
        failedQueries,
        queues,
        healthy,
        size: () => taskSizeOf(deps, service.taskDefinition, sizes),
        polled: polled.has(name(service.cluster, service.serviceName)),
        budget,
        jitterMs: SCHEDULE_JITTER_MS,
      });
      countFailures(report.readFailures, failures);
      if (change === 'conflict') report.conflicts++;
      else if (change) {
        report.changes.push(change);
        reconciles.push({ cluster: change.cluster, serviceName: change.serviceName, reason: 'auto scaling' });
      }
    } catch {
      // A write of its own failed (the table, throttled): retried next minute; the others go on.
      countFailures(report.readFailures, [{ reason: 'Evaluation', text: 'evaluation' }]);
    }
  });
  // The changes are written: a failed enqueue leaves them to the reconcile scheduler's next sweep.
  if (reconciles.length > 0)
    await deps
      .enqueue(reconciles)
      .catch(() => countFailures(report.readFailures, [{ reason: 'Evaluation', text: 'enqueue' }]));
  report.alarmsPut = budget.puts;
  report.alarmWriteFailures = budget.failed;
  report.alarmsDeleted = budget.deletes + leftovers.length;
  return report;
};

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
 */

import type { Sample } from '../domain';
import { type Service, withDesiredCount } from '../domain';
import { VersionConflictError } from '../errors';
import type { ReconcileRequest } from '../queue/reconcile-queue';
import type { ScalingStateRecord } from '../store/scaling';
import { type AlarmWriteBudget, alarmWriteBudget, syncAlarms, wantedAlarms } from './alarm-sync';
import { decideScaling, type PolicyInput } from './decide';
import {
  type EvaluationReport,
  forEachLimit,
  type ScalingChange,
  type ScalingEvaluatorDeps,
  taskSizeOf,
} from './evaluation';
import {
  batchQueries,
  buildPolicyQueries,
  type MetricSeries,
  mergeSamples,
  type PolicyQuery,
  policyMetric,
  samplesFrom,
  type TaskSize,
} from './metrics';
import { planReads, serviceKey } from './reads';
import { applyScheduledActions } from './scheduled';

export type { EvaluationReport, ScalingChange, ScalingEvaluatorDeps } from './evaluation';

import { isoOf } from '../time';

/** Each call reads this far back; the samples already kept cover the rest of a window. */
export const FETCH_WINDOW_MS = 5 * 60_000;
/** Samples are kept for the longest scale-in window, and at least this long. */
const MIN_KEEP_MS = 5 * 60_000;
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
      // index forgets it.
      const left = await syncAlarms(deps.alarms, new Map(), state.alarms ?? {}, budget).catch(() => {
        budget.failed++;
        return state.alarms ?? {};
      });
      if (Object.keys(left).length > 0) return; // the write budget ran out: the next pass goes on
      await deps.scaling.deleteScalingState(state.cluster, state.serviceName, state.version);
      report.removed++;
    }
  });
  report.services = scaled.length;

  // Which policies to read: those in ALARM, and all of a service whose scale-in poll is due.
  const { alarming, polled, leftovers, ...alarmCounts } = await planReads(
    deps.alarms,
    deps.installation,
    scaled,
    now,
    SCHEDULE_JITTER_MS,
  );
  report.alarmCalls = alarmCounts.alarmCalls;
  report.alarmsInAlarm = alarmCounts.alarmsInAlarm;
  if (leftovers.length > 0) await deps.alarms.deleteAlarms(leftovers);

  // CloudWatch: 500 queries to a call.
  const queries = buildPolicyQueries(
    scaled.map(({ service }) => service),
    deps.installation,
    (service, policy) => {
      const key = name(service.cluster, service.serviceName);
      return polled.has(key) || alarming.has(`${key}/${policy.name}`);
    },
  );
  const series = new Map<string, MetricSeries>();
  const batches = batchQueries(queries);
  report.metricCalls = batches.length;
  report.metricsRequested = queries.length;
  await forEachLimit(batches, 8, async (batch) => {
    const answer = await deps.metrics.getMetricData(
      batch.map((query) => query.query),
      now - FETCH_WINDOW_MS,
      now,
    );
    for (const [id, found] of answer) series.set(id, found);
  });
  const queriesOf = new Map<string, PolicyQuery[]>();
  for (const query of queries) {
    const key = name(query.cluster, query.serviceName);
    queriesOf.set(key, [...(queriesOf.get(key) ?? []), query]);
  }

  // SQS: one read per queue, whatever number of services share it.
  const queueUrls = new Set<string>();
  for (const { service } of scaled)
    for (const policy of service.autoScaling!.targetTracking)
      if ('queueBacklogPerTask' in policy.metric) queueUrls.add(policy.metric.queueBacklogPerTask.queueUrl);
  const backlogs = new Map<string, number>();
  await forEachLimit([...queueUrls], CONCURRENCY, async (url) => {
    backlogs.set(url, await deps.queues.backlog(url));
  });
  report.queueReads = queueUrls.size;

  const sizes = new Map<string, Promise<TaskSize | undefined>>();
  const reconciles: ReconcileRequest[] = [];
  await forEachLimit(scaled, CONCURRENCY, async ({ state, service }) => {
    const change = await evaluateService(deps, state, service, {
      queries: queriesOf.get(name(service.cluster, service.serviceName)) ?? [],
      series,
      backlogs,
      size: () => taskSizeOf(deps, service.taskDefinition, sizes),
      polled: polled.has(name(service.cluster, service.serviceName)),
      budget,
    });
    if (change === 'conflict') report.conflicts++;
    else if (change) {
      report.changes.push(change);
      reconciles.push({ cluster: change.cluster, serviceName: change.serviceName, reason: 'auto scaling' });
    }
  });
  if (reconciles.length > 0) await deps.enqueue(reconciles);
  report.alarmsPut = budget.puts;
  report.alarmWriteFailures = budget.failed;
  report.alarmsDeleted = budget.deletes + leftovers.length;
  return report;
};

interface ServiceInputs {
  queries: PolicyQuery[];
  series: Map<string, MetricSeries>;
  backlogs: Map<string, number>;
  size(): Promise<TaskSize | undefined>;
  /** All its CloudWatch policies were read this time (the scale-in poll). */
  polled: boolean;
  budget: AlarmWriteBudget;
}

const evaluateService = async (
  deps: ScalingEvaluatorDeps,
  state: ScalingStateRecord,
  service: Service,
  inputs: ServiceInputs,
): Promise<ScalingChange | 'conflict' | undefined> => {
  const { now } = deps;
  const autoScaling = service.autoScaling!;
  const needsSize = autoScaling.targetTracking.some(
    (policy) => 'predefined' in policy.metric && policy.metric.predefined !== 'ALBRequestCountPerTarget',
  );
  const cached =
    state.taskDefinition === service.taskDefinition &&
    state.taskCpu !== undefined &&
    state.taskMemory !== undefined
      ? { cpu: state.taskCpu, memory: state.taskMemory }
      : undefined;
  const size = needsSize ? (cached ?? (await inputs.size())) : undefined;

  const samples: Record<string, Sample[]> = {};
  let readings = 0;
  const policies: PolicyInput[] = autoScaling.targetTracking.map((policy) => {
    const query = inputs.queries.find((candidate) => candidate.policy === policy.name);
    let fresh: Sample[] = [];
    if (query) {
      const found = inputs.series.get(query.query.id);
      if (found)
        fresh = samplesFrom(
          query,
          found,
          service.runningCount,
          size,
          query.query.metricName === 'CpuUtilized',
        );
    } else if ('queueBacklogPerTask' in policy.metric) {
      const backlog = inputs.backlogs.get(policy.metric.queueBacklogPerTask.queueUrl);
      if (backlog !== undefined) fresh = [{ at: now, value: backlog, running: service.runningCount }];
    }
    const read = query !== undefined || 'queueBacklogPerTask' in policy.metric;
    readings += fresh.length;
    const keepMs = Math.max(MIN_KEEP_MS, policy.scaleInCooldownSeconds * 1000) + 60_000;
    samples[policy.name] = mergeSamples(state.samples[policy.name] ?? [], fresh, now, keepMs);
    // Scale-in waits until the samples reach back over the whole window: one quiet minute after a
    // policy is set (or the data resumes) is not a quiet window.
    const oldest = samples[policy.name]![0];
    const windowCovered = oldest !== undefined && oldest.at <= now - policy.scaleInCooldownSeconds * 1000;
    return {
      name: policy.name,
      metric: policyMetric(policy),
      targetValue: policy.targetValue,
      scaleOutCooldownSeconds: policy.scaleOutCooldownSeconds,
      scaleInCooldownSeconds: policy.scaleInCooldownSeconds,
      disableScaleIn: policy.disableScaleIn || !windowCovered,
      // Kept samples are not a reading: a policy not read this time has no opinion.
      samples: read ? samples[policy.name]! : [],
    };
  });

  const since = Math.max(state.lastEvaluatedAt ?? state.registeredAt, state.registeredAt);
  const range = applyScheduledActions(
    { minCapacity: autoScaling.minCapacity, maxCapacity: autoScaling.maxCapacity },
    autoScaling.scheduled.map((action) => ({ ...action, createdAt: state.registeredAt })),
    since,
    now,
  );
  const decision = decideScaling(policies, {
    now,
    current: service.desiredCount,
    running: service.runningCount,
    minCapacity: range.minCapacity,
    maxCapacity: range.maxCapacity,
    deploymentInProgress: service.deployments.some(
      (deployment) => deployment.status !== 'INACTIVE' && deployment.rolloutState === 'IN_PROGRESS',
    ),
    ...(state.lastScaleOutAt === undefined
      ? {}
      : { lastScaleOutAt: state.lastScaleOutAt - SCHEDULE_JITTER_MS }),
    ...(range.cause ? { rangeCause: range.cause } : {}),
  });
  const rangeChanged =
    range.minCapacity !== autoScaling.minCapacity || range.maxCapacity !== autoScaling.maxCapacity;
  const countChanged = decision.desiredCount !== service.desiredCount;

  let change: ScalingChange | undefined;
  if (countChanged || rangeChanged) {
    const at = isoOf(now);
    const next: Service = {
      ...withDesiredCount(service, decision.desiredCount, at),
      autoScaling: { ...autoScaling, minCapacity: range.minCapacity, maxCapacity: range.maxCapacity },
      version: service.version + 1,
      updatedAt: at,
    };
    try {
      await deps.store.updateService(next, service);
    } catch (error) {
      // Somebody wrote the service since it was read: the next pass decides on fresh state.
      if (error instanceof VersionConflictError) return 'conflict';
      throw error;
    }
    const scheduledNames = range.applied.map((applied) => applied.name).join(', ');
    const cause = countChanged
      ? decision.cause
      : `${range.cause}: range [${range.minCapacity}, ${range.maxCapacity}], staying at ${service.desiredCount} tasks`;
    const policy = decision.policy ?? (scheduledNames || undefined);
    change = {
      cluster: service.cluster,
      serviceName: service.serviceName,
      fromCount: service.desiredCount,
      toCount: decision.desiredCount,
      cause,
      ...(policy ? { policy } : {}),
    };
    const id = deps.newId();
    await deps.scaling.addScalingActivity(service.cluster, service.serviceName, {
      id,
      startedAt: at,
      cause,
      fromCount: change.fromCount,
      toCount: change.toCount,
      ...(policy ? { policy } : {}),
    });
    await deps.store.addServiceEvents(service.cluster, service.serviceName, [
      { id, createdAt: at, message: `service ${service.serviceName} auto scaling: ${cause}.` },
    ]);
  }

  // A CloudWatch refusal (throttled, a quota) leaves the records as they were: the next pass tries again,
  // and the decision above stands.
  const alarms = await syncAlarms(
    deps.alarms,
    wantedAlarms(service, size, deps.installation),
    state.alarms ?? {},
    inputs.budget,
  ).catch(() => {
    inputs.budget.failed++;
    return state.alarms ?? {};
  });
  // Nothing new to remember but the instant (no reading, no change, the alarms and the task size as they
  // were): the state is not written, saving a write per service and minute between polls. The scheduled
  // actions due since the last write are looked at again next time, which changes nothing twice.
  const scaledOut = decision.direction === 'out' && decision.policy !== undefined;
  const sameSize =
    !size ||
    (state.taskDefinition === service.taskDefinition &&
      state.taskCpu === size.cpu &&
      state.taskMemory === size.memory);
  if (
    !change &&
    !inputs.polled &&
    readings === 0 &&
    !scaledOut &&
    sameSize &&
    JSON.stringify(alarms) === JSON.stringify(state.alarms ?? {})
  )
    return change;
  const nextState: ScalingStateRecord = {
    ...state,
    samples,
    alarms,
    lastEvaluatedAt: now,
    ...(inputs.polled ? { lastPolledAt: now } : {}),
    ...(size ? { taskDefinition: service.taskDefinition, taskCpu: size.cpu, taskMemory: size.memory } : {}),
    ...(scaledOut ? { lastScaleOutAt: now } : {}),
    version: state.version + 1,
  };
  try {
    await deps.scaling.saveScalingState(nextState);
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
  }
  return change;
};

/**
 * One scaled service's evaluation, from what the pass read for it (evaluate.ts): its policies' samples,
 * scheduled actions due, the decision (decide.ts), the write of a change, its alarms kept in step and its
 * scaling state saved. What could not be read for it (read-failures.ts) leaves the policies concerned
 * without an opinion, and is the service's own: nothing here fails another service's evaluation.
 */

import type { Sample } from '../domain';
import { type Service, withDesiredCount } from '../domain';
import { VersionConflictError } from '../errors';
import type { ScalingStateRecord } from '../store/scaling';
import type { PolicyPoint } from '../store/scaling-history';
import { isoOf } from '../time';
import { type AlarmWriteBudget, syncAlarms, wantedAlarms } from './alarm-sync';
import { decideScaling, type PolicyInput } from './decide';
import type { ScalingChange, ScalingEvaluatorDeps } from './evaluation';
import { historyPoints } from './history';
import {
  METRIC_PERIOD_SECONDS,
  type MetricSeries,
  mergeSamples,
  type PolicyQuery,
  policyMetric,
  samplesFrom,
  type TaskSize,
} from './metrics';
import type { QueueDepth } from './queue-backlog';
import { describeError, failureEvent, failureSummary, type ReadFailure } from './read-failures';
import { applyScheduledActions } from './scheduled';

/** Samples are kept for the longest scale-in window, and at least this long. */
const MIN_KEEP_MS = 5 * 60_000;
/**
 * After a scale-out, request-count policies wait for the new tasks' targets to turn healthy, at most the
 * health check grace period and this long (a few health checks of a default target group).
 */
export const TARGET_WAIT_MS = 150_000;

/** A read of the pass: its answer, or why it failed. */
export type Read<T> = { value: T } | { failure: ReadFailure };

export interface ServiceInputs {
  queries: PolicyQuery[];
  series: Map<string, MetricSeries>;
  /** Failed GetMetricData calls, by query id. */
  failedQueries: Map<string, ReadFailure>;
  queues: Map<string, Read<QueueDepth>>;
  /** Healthy targets by target group ARN (request-count policies read this time). */
  healthy: Map<string, Read<number>>;
  size(): Promise<TaskSize | undefined>;
  /** All its CloudWatch policies were read this time (the scale-in poll). */
  polled: boolean;
  budget: AlarmWriteBudget;
  /** The schedule's jitter: cooldowns end this much early. */
  jitterMs: number;
}

export interface ServiceOutcome {
  change?: ScalingChange | 'conflict';
  failures: ReadFailure[];
}

export const evaluateService = async (
  deps: ScalingEvaluatorDeps,
  state: ScalingStateRecord,
  service: Service,
  inputs: ServiceInputs,
): Promise<ServiceOutcome> => {
  const { now } = deps;
  const autoScaling = service.autoScaling!;
  const failures: ReadFailure[] = [];
  const needsSize = autoScaling.targetTracking.some(
    (policy) => 'predefined' in policy.metric && policy.metric.predefined !== 'ALBRequestCountPerTarget',
  );
  const cached =
    state.taskDefinition === service.taskDefinition &&
    state.taskCpu !== undefined &&
    state.taskMemory !== undefined
      ? { cpu: state.taskCpu, memory: state.taskMemory }
      : undefined;
  let size: TaskSize | undefined;
  if (needsSize)
    try {
      size = cached ?? (await inputs.size());
    } catch (error) {
      failures.push({
        reason: 'TaskDefinition',
        text: `the task size of ${service.taskDefinition} cannot be read (${describeError(error)})`,
      });
    }

  // Request-count policies wait, after a scale-out, for its targets to serve (or for the wait to end).
  const waiting = (arn: string): boolean => {
    const wait = state.targetWait;
    if (!wait || now >= wait.until) return false;
    const healthy = inputs.healthy.get(arn);
    return !healthy || !('value' in healthy) || healthy.value < wait.toCount;
  };
  /** A request-count policy read this time whose targets are all serving: the wait is over. */
  let served = false;
  const healthyTargets: Record<string, { count: number; since: number }> = {};

  const samples: Record<string, Sample[]> = {};
  const points: PolicyPoint[] = [];
  let readings = 0;
  const policies: PolicyInput[] = autoScaling.targetTracking.map((policy) => {
    const query = inputs.queries.find((candidate) => candidate.policy === policy.name);
    let fresh: Sample[] = [];
    let read = query !== undefined;
    let servingSince = 0;
    const failed = query && inputs.failedQueries.get(query.query.id);
    if (failed) {
      failures.push(failed);
      read = false;
    } else if (query) {
      const found = inputs.series.get(query.query.id);
      let running = service.runningCount;
      if ('predefined' in policy.metric && policy.metric.predefined === 'ALBRequestCountPerTarget') {
        // The requests were served by the group's healthy targets, not by tasks still starting.
        const healthy = inputs.healthy.get(policy.metric.targetGroupArn);
        if (!healthy || 'failure' in healthy) {
          if (healthy) failures.push(healthy.failure);
          read = false;
        } else {
          const arn = policy.metric.targetGroupArn;
          const seen = state.healthyTargets?.[arn];
          // First seen (a new service, or its scaling just set): when they came up is unknown, so
          // only a minute that begins from now is theirs.
          const since = seen !== undefined && seen.count === healthy.value ? seen.since : now;
          healthyTargets[arn] = { count: healthy.value, since };
          if (waiting(arn)) read = false;
          else {
            served = true;
            running = healthy.value;
            servingSince = since;
          }
        }
      }
      if (found && read)
        fresh = samplesFrom(query, found, running, size, query.query.metricName === 'CpuUtilized')
          .map((sample) => (query.kind === 'plain' ? { ...sample, running } : sample))
          // A minute that began before these targets served was served by fewer: its per-target value
          // times them overshoots (seed 29 of the scenario fuzzer: 3 -> 5 -> 10 for a demand of 7).
          .filter((sample) => sample.at - METRIC_PERIOD_SECONDS * 1000 >= servingSince);
    } else if ('queueBacklogPerTask' in policy.metric) {
      const depth = inputs.queues.get(policy.metric.queueBacklogPerTask.queueUrl);
      if (depth && 'value' in depth) {
        read = true;
        fresh = [
          {
            at: now,
            value: depth.value.visible,
            inFlight: depth.value.inFlight,
            running: service.runningCount,
          },
        ];
      } else if (depth) failures.push(depth.failure);
    }
    readings += fresh.length;
    points.push(
      ...historyPoints(
        policy.name,
        policyMetric(policy),
        state.samples[policy.name] ?? [],
        fresh,
        service.runningCount,
      ),
    );
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

  // The charts' history is best effort: a failed append loses a point, never the evaluation.
  if (points.length > 0 && deps.history)
    await deps.history.appendPolicyPoints(service.cluster, service.serviceName, points).catch(() => {});

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
    ...(state.lastScaleOutAt === undefined ? {} : { lastScaleOutAt: state.lastScaleOutAt - inputs.jitterMs }),
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
      if (error instanceof VersionConflictError) return { change: 'conflict', failures };
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

  // A CloudWatch refusal (throttled, a quota, a permission) leaves the records as they were: the next pass
  // tries again, the decision above stands, and until the alarm exists its policy is read every minute.
  const wanted = wantedAlarms(service, size, deps.installation);
  let unwatched: string[] = [];
  const alarms = await syncAlarms(deps.alarms, wanted, state.alarms ?? {}, inputs.budget).catch(
    (error: unknown) => {
      inputs.budget.failed++;
      unwatched = [...wanted.keys()].filter((policy) => !state.alarms?.[policy]);
      failures.push({
        reason: 'PutMetricAlarm',
        text: `its scale-out alarms cannot be put (${describeError(error)}): their metrics are read every minute until they exist`,
      });
      return state.alarms ?? {};
    },
  );

  const summary = failureSummary(failures);
  const event = failureEvent(service.serviceName, state.readFailure, summary);
  if (event)
    await deps.store.addServiceEvents(service.cluster, service.serviceName, [
      { id: deps.newId(), createdAt: isoOf(now), message: event },
    ]);

  const scaledOut = decision.direction === 'out' && decision.policy !== undefined;
  const hasRequestPolicy = autoScaling.targetTracking.some(
    (policy) => 'predefined' in policy.metric && policy.metric.predefined === 'ALBRequestCountPerTarget',
  );
  const targetWait =
    scaledOut && hasRequestPolicy
      ? {
          toCount: decision.desiredCount,
          until: now + service.healthCheckGracePeriodSeconds * 1000 + TARGET_WAIT_MS,
        }
      : state.targetWait && now < state.targetWait.until && !served
        ? state.targetWait
        : undefined;

  // Nothing new to remember but the instant (no reading, no change, the alarms, task size and failures as
  // they were): the state is not written, saving a write per service and minute between polls. The
  // scheduled actions due since the last write are looked at again next time, which changes nothing twice.
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
    !event &&
    JSON.stringify(targetWait) === JSON.stringify(state.targetWait) &&
    JSON.stringify(healthyTargets) === JSON.stringify(state.healthyTargets ?? {}) &&
    unwatched.length === (state.unwatched?.length ?? 0) &&
    JSON.stringify(alarms) === JSON.stringify(state.alarms ?? {})
  )
    return { ...(change ? { change } : {}), failures };
  const {
    readFailure: _failure,
    targetWait: _wait,
    unwatched: _unwatched,
    healthyTargets: _healthy,
    ...kept
  } = state;
  const nextState: ScalingStateRecord = {
    ...kept,
    samples,
    alarms,
    lastEvaluatedAt: now,
    ...(inputs.polled ? { lastPolledAt: now } : {}),
    ...(size ? { taskDefinition: service.taskDefinition, taskCpu: size.cpu, taskMemory: size.memory } : {}),
    ...(scaledOut ? { lastScaleOutAt: now } : {}),
    ...(summary ? { readFailure: summary } : {}),
    ...(targetWait ? { targetWait } : {}),
    ...(Object.keys(healthyTargets).length > 0 ? { healthyTargets } : {}),
    ...(unwatched.length > 0 ? { unwatched } : {}),
    version: state.version + 1,
  };
  try {
    await deps.scaling.saveScalingState(nextState);
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
  }
  return { ...(change ? { change } : {}), failures };
};

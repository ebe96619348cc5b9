/**
 * When a service wants its next pass without waiting for the scheduler: a hold's end, a rollout
 * settling, tasks becoming healthy, a draining service, a count not yet reached.
 */
import type { Service } from '../../domain';
import { epochOf } from '../../time';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, type PlanResult } from '../plan/types';

/**
 * When the in-progress PRIMARY's progress deadline falls, ms from now: a hold (a crash loop's back-off)
 * may end later than it, and the deployment must still fail at its deadline, not at the hold's end.
 */
const progressDeadlineIn = (service: Service, result: PlanResult, now: number): number | undefined => {
  const primary = result.deployments.find(
    (deployment) => deployment.status === 'PRIMARY' && deployment.rolloutState === 'IN_PROGRESS',
  );
  if (!primary) return undefined;
  const seconds =
    service.deploymentConfiguration.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  // As judge.ts: a deployment with no progress clock yet has no deadline running.
  const progressAt = epochOf(primary.lastProgressAt);
  if (progressAt === undefined) return undefined;
  return Math.max(1_000, progressAt + seconds * 1000 - now);
};

/**
 * How long the PRIMARY's new tasks cannot be healthy (they await their first target health checks,
 * first-checks.ts), ms from now, when nothing else in the plan waits on a clock of its own: a hold with no
 * end (a rule change to see) or a traffic change looks again at the usual pace.
 */
const firstChecksWait = (service: Service, result: PlanResult, now: number): number | undefined => {
  if (result.healthyNoSoonerThan === undefined) return undefined;
  const untimed = result.actions.some(
    (action) => (action.type === 'hold' && action.until === undefined) || action.type === 'set-traffic',
  );
  if (untimed) return undefined;
  const deadline = progressDeadlineIn(service, result, now);
  return Math.min(result.healthyNoSoonerThan - now, deadline ?? Number.POSITIVE_INFINITY);
};

/** ELB's shortest health check interval: no target turns healthy more often than this. */
export const TARGET_HEALTH_PACE_MS = 5_000;

/**
 * How long until a time-based condition (readiness, back-off, a target's health check) may change the
 * plan. Traffic kept off its serving group waits on the load balancer, not on minReadySeconds or a
 * far hold (a Spot back-off): it looks again at ELB's pace once the first checks can have passed.
 */
export const wakeDelay = (service: Service, result: PlanResult, now: number): number | undefined => {
  const delay = rolloutWakeDelay(service, result, now);
  if (result.trafficAwaitsHealth === undefined) return delay;
  const checks = Math.max(TARGET_HEALTH_PACE_MS, (result.healthyNoSoonerThan ?? now) - now);
  return Math.min(delay ?? Number.POSITIVE_INFINITY, checks);
};

/** How long until the rollout's own time-based conditions (readiness, back-off) may change the plan. */
const rolloutWakeDelay = (service: Service, result: PlanResult, now: number): number | undefined => {
  const holds = result.actions.filter((action) => action.type === 'hold' && action.until !== undefined);
  const untils = holds.map((action) => (action as { until: number }).until - now).filter((ms) => ms > 0);
  const settling = result.deployments.some(
    (deployment) => deployment.rolloutState === 'IN_PROGRESS' && deployment.status !== 'INACTIVE',
  );
  if (untils.length > 0) {
    const deadline = progressDeadlineIn(service, result, now);
    return Math.min(...untils, ...(deadline === undefined ? [] : [deadline]));
  }
  // Running but not yet healthy (minReadySeconds, health checks): look again, so healthyCount and
  // the rollout state catch up without waiting for the scheduler.
  const becomingHealthy = result.deployments.some(
    (deployment) =>
      deployment.status === 'PRIMARY' && (deployment.healthyCount ?? 0) < deployment.desiredCount,
  );
  if (
    settling ||
    becomingHealthy ||
    result.serviceStatus === 'DRAINING' ||
    result.runningCount !== service.desiredCount
  ) {
    const minReadyMs = (service.deploymentConfiguration.minReadySeconds ?? 40) * 1000;
    const poll = Math.max(1_000, Math.min(minReadyMs, 30_000));
    return Math.max(poll, firstChecksWait(service, result, now) ?? 0);
  }
  return undefined;
};

/** Whether to record a wake-up at `wakeAt`: only when none is already due sooner. */
export const schedulesWake = (service: Service, wakeAt: string | undefined, now: number): boolean => {
  const existingWake = service.wakeAt ? Date.parse(service.wakeAt) : undefined;
  return (
    wakeAt !== undefined &&
    (existingWake === undefined || existingWake <= now || existingWake > Date.parse(wakeAt))
  );
};

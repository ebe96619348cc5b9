/**
 * How soon a deployment's new tasks can be healthy, when all that stands between them and healthy is their
 * target groups' first health checks. ELB checks a registered target every HealthCheckIntervalSeconds and
 * calls it healthy after HealthyThresholdCount passes in a row, so a target registered at t is not healthy
 * before t + (threshold - 1) x interval (the first check may come at once). A task registers once it is
 * RUNNING, so its startedAt bounds its registration from below. Until then a pass would only find the
 * targets `initial` again: with ALB's defaults (30 s, 5 passes) that is two minutes of passes a second.
 */
import { expectedTargets } from './expected-targets';
import { isRunning } from './tasks';
import type { LoadBalancingInput, ObservedTask, TargetGroupHealthCheck } from './types';

/** The soonest a target of a task RUNNING since `startedAt` can be healthy in a group with this timing. */
export const healthyNoSoonerThanTarget = (startedAt: number, timing: TargetGroupHealthCheck): number =>
  startedAt + (timing.healthyThreshold - 1) * timing.intervalSeconds * 1000;

/**
 * The instant before which none of `waiting` (live tasks that are not healthy yet) can be: the earliest of
 * their bounds, each the latest over its targets. Undefined when any of them could be sooner: a task not
 * RUNNING (its event wakes the service), one whose targets all pass (minReadySeconds, a container health
 * check), a target neither `initial` nor still to be registered, or a group whose timing was not read.
 */
export const healthyNoSoonerThan = (
  service: Parameters<typeof expectedTargets>[0],
  waiting: ObservedTask[],
  lb: LoadBalancingInput | undefined,
): number | undefined => {
  if (waiting.length === 0 || lb?.healthChecks === undefined) return undefined;
  let earliest = Number.POSITIVE_INFINITY;
  for (const task of waiting) {
    if (!isRunning(task) || task.startedAt === undefined || task.targets?.allHealthy === true)
      return undefined;
    let bound = task.startedAt;
    for (const target of expectedTargets(service, task)) {
      const seen = lb.targetHealth[target.targetGroupArn]?.find(
        (t) => t.id === task.privateIpv4Address && t.port === target.port,
      );
      if (seen?.state === 'healthy') continue;
      const timing = lb.healthChecks[target.targetGroupArn];
      if (timing === undefined || (seen !== undefined && seen.state !== 'initial')) return undefined;
      bound = Math.max(bound, healthyNoSoonerThanTarget(task.startedAt, timing));
    }
    earliest = Math.min(earliest, bound);
  }
  return earliest;
};

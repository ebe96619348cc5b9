/** The deployment configuration's numbers as the planner applies them (ECS's rounding and defaults). */
import type { DeploymentCircuitBreaker } from '../../../domain';

/** maximumPercent caps RUNNING + PENDING tasks of all deployments at this (rounded down). */
export const maxTaskCap = (desiredCount: number, maximumPercent: number): number =>
  Math.floor((desiredCount * maximumPercent) / 100);

/** minimumHealthyPercent keeps this many healthy, and RUNNING, tasks (rounded up) while stopping. */
export const minHealthyFloor = (desiredCount: number, minimumHealthyPercent: number): number =>
  Math.ceil((desiredCount * minimumHealthyPercent) / 100);

/**
 * Failed tasks that trip the circuit breaker (ECS ThresholdConfiguration): COUNT is the value itself;
 * BOUNDED_PERCENT (the default, 50) is ceil(value % of desired) clamped to 3..200; UNBOUNDED_PERCENT is
 * the same unclamped, but at least 1 (a threshold of 0 would fail a deployment before it failed).
 */
export const circuitBreakerThreshold = (
  desiredCount: number,
  breaker: Pick<DeploymentCircuitBreaker, 'failureThreshold' | 'thresholdConfiguration'> = {},
): number => {
  const { type, value } =
    breaker.thresholdConfiguration ??
    (breaker.failureThreshold === undefined
      ? { type: 'BOUNDED_PERCENT', value: 50 }
      : { type: 'COUNT', value: breaker.failureThreshold });
  if (type === 'COUNT') return value;
  const share = Math.ceil((desiredCount * value) / 100);
  return type === 'BOUNDED_PERCENT' ? Math.min(200, Math.max(3, share)) : Math.max(1, share);
};

/**
 * Wait before the next launch after `consecutiveFailures` failed launches in a row: none after the
 * first (a one-off crash is replaced at once), then base, 2 x base, 4 x base ... up to max.
 */
export const crashLoopDelayMs = (consecutiveFailures: number, baseMs: number, maxMs: number): number =>
  consecutiveFailures < 2 ? 0 : Math.min(maxMs, baseMs * 2 ** (consecutiveFailures - 2));

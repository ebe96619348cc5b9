/** The deployment configuration's numbers as the planner applies them (ECS's rounding and defaults). */

/** maximumPercent caps RUNNING + PENDING tasks of all deployments at this (rounded down). */
export const maxTaskCap = (desiredCount: number, maximumPercent: number): number =>
  Math.floor((desiredCount * maximumPercent) / 100);

/** minimumHealthyPercent keeps this many healthy, and RUNNING, tasks (rounded up) while stopping. */
export const minHealthyFloor = (desiredCount: number, minimumHealthyPercent: number): number =>
  Math.ceil((desiredCount * minimumHealthyPercent) / 100);

/** ECS's default: ceil(0.5 x desired) clamped to 3..200, unless the service sets one. */
export const circuitBreakerThreshold = (desiredCount: number, configured?: number): number =>
  configured ?? Math.min(200, Math.max(3, Math.ceil(0.5 * desiredCount)));

/**
 * Wait before the next launch after `consecutiveFailures` failed launches in a row: none after the
 * first (a one-off crash is replaced at once), then base, 2 x base, 4 x base ... up to max.
 */
export const backoffDelayMs = (consecutiveFailures: number, baseMs: number, maxMs: number): number =>
  consecutiveFailures < 2 ? 0 : Math.min(maxMs, baseMs * 2 ** (consecutiveFailures - 2));

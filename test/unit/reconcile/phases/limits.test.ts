/** The deployment configuration's numbers (lib/reconcile/plan/phases/limits.ts): ECS's rounding and defaults. */
import { describe, expect, it } from 'vitest';
import {
  circuitBreakerThreshold,
  crashLoopDelayMs,
  maxTaskCap,
  minHealthyFloor,
} from '../../../../lib/reconcile/plan/phases/limits';

describe('rounding of the limits', () => {
  it.each([
    { desired: 4, min: 50, max: 200, cap: 8, floor: 2 },
    { desired: 3, min: 50, max: 150, cap: 4, floor: 2 },
    { desired: 2, min: 75, max: 100, cap: 2, floor: 2 },
    { desired: 5, min: 0, max: 100, cap: 5, floor: 0 },
    { desired: 0, min: 100, max: 200, cap: 0, floor: 0 },
  ])('desired $desired at $min/$max: cap $cap, floor $floor', ({ desired, min, max, cap, floor }) => {
    expect(maxTaskCap(desired, max)).toBe(cap);
    expect(minHealthyFloor(desired, min)).toBe(floor);
  });

  it.each([
    { desired: 1, configured: undefined, threshold: 3 },
    { desired: 6, configured: undefined, threshold: 3 },
    { desired: 7, configured: undefined, threshold: 4 },
    { desired: 10, configured: undefined, threshold: 5 },
    { desired: 1000, configured: undefined, threshold: 200 },
    { desired: 3, configured: 1, threshold: 1 },
  ])('circuit breaker threshold for $desired tasks (configured $configured) is $threshold', (c) => {
    const breaker = c.configured === undefined ? {} : { failureThreshold: c.configured };
    expect(circuitBreakerThreshold(c.desired, breaker)).toBe(c.threshold);
  });

  it.each([
    { desired: 10, type: 'COUNT', value: 7, threshold: 7 },
    { desired: 0, type: 'COUNT', value: 2, threshold: 2 },
    { desired: 10, type: 'BOUNDED_PERCENT', value: 50, threshold: 5 },
    { desired: 2, type: 'BOUNDED_PERCENT', value: 50, threshold: 3 },
    { desired: 1000, type: 'BOUNDED_PERCENT', value: 50, threshold: 200 },
    { desired: 1000, type: 'UNBOUNDED_PERCENT', value: 50, threshold: 500 },
    { desired: 2, type: 'UNBOUNDED_PERCENT', value: 50, threshold: 1 },
    { desired: 0, type: 'UNBOUNDED_PERCENT', value: 50, threshold: 1 },
    { desired: 3, type: 'UNBOUNDED_PERCENT', value: 10, threshold: 1 },
    { desired: 7, type: 'UNBOUNDED_PERCENT', value: 100, threshold: 7 },
  ] as const)('thresholdConfiguration $type $value for $desired tasks is $threshold', (c) => {
    const thresholdConfiguration = { type: c.type, value: c.value };
    expect(circuitBreakerThreshold(c.desired, { thresholdConfiguration })).toBe(c.threshold);
  });

  it.each([
    { failures: 0, delay: 0 },
    { failures: 1, delay: 0 },
    { failures: 2, delay: 5_000 },
    { failures: 3, delay: 10_000 },
    { failures: 5, delay: 40_000 },
    { failures: 12, delay: 900_000 },
    { failures: 2000, delay: 900_000 },
  ])('back-off after $failures consecutive failures is $delay ms', ({ failures, delay }) => {
    expect(crashLoopDelayMs(failures, 5_000, 900_000)).toBe(delay);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceHealth, type CheckedTask, type HealthSettings, newTrack } from '../../local/elb/health';

const settings = (overrides: Partial<HealthSettings> = {}): HealthSettings => ({
  intervalMs: 5000,
  healthyThreshold: 3,
  unhealthyThreshold: 2,
  http: true,
  ...overrides,
});

describe('advanceHealth', () => {
  it('gives the same result for one long jump as for many small steps', () => {
    fc.assert(
      fc.property(
        fc.record({
          intervalMs: fc.integer({ min: 5, max: 30 }).map((s) => s * 1000),
          healthyThreshold: fc.integer({ min: 2, max: 10 }),
          unhealthyThreshold: fc.integer({ min: 2, max: 10 }),
          http: fc.boolean(),
        }),
        fc.option(
          fc.record({
            startedAt: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
            runFor: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
            image: fc.constantFrom('app:1', 'app:unhealthy', 'app:noport'),
          }),
          { nil: undefined },
        ),
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 1, maxLength: 20 }),
        (health, shape, registeredAt, steps) => {
          const task: CheckedTask | undefined = shape && {
            startedAt: shape.startedAt,
            stoppingAt:
              shape.startedAt !== undefined && shape.runFor !== undefined
                ? shape.startedAt + shape.runFor
                : undefined,
            essentialImages: [shape.image],
          };
          let stepped = newTrack(registeredAt);
          let now = registeredAt;
          for (const step of steps) {
            now += step;
            stepped = advanceHealth(stepped, task, now, health);
          }
          // Check by check: one check instant at a time.
          let single = newTrack(registeredAt);
          for (let at = registeredAt + health.intervalMs; at <= now; at += health.intervalMs) {
            single = advanceHealth(single, task, at, health);
          }
          expect(stepped).toEqual(single);
        },
      ),
    );
  });

  it('passes while RUNNING, fails before and after, and turns unhealthy at the threshold', () => {
    const task: CheckedTask = { startedAt: 7000, stoppingAt: 31_000, essentialImages: ['nginx:1'] };
    const states: string[] = [];
    let track = newTrack(0);
    for (let at = 5000; at <= 45_000; at += 5000) {
      track = advanceHealth(track, task, at, settings());
      states.push(track.state);
    }
    // Checks at 5 (fail), 10, 15, 20 (pass: healthy at the third), 25, 30 (pass), 35, 40 (fail: unhealthy at 40).
    expect(states).toEqual([
      'initial',
      'initial',
      'initial',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'unhealthy',
      'unhealthy',
    ]);
    expect(track.reason).toBe('Target.FailedHealthChecks');
  });
});

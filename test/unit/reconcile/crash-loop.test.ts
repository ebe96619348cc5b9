/**
 * The crash-loop back-off: a crash loop, whatever its timings (minReadySeconds, health check, the pass
 * interval that stands for the task start, crash time, ECS's stop time), is caught: the breaker trips
 * within its threshold (plus the tasks that die in the same pass), and launches never come faster than
 * the back-off allows, before or after the deployment completed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeploymentCircuitBreaker } from '../../../lib/domain';
import { circuitBreakerThreshold, crashLoopDelayMs } from '../../../lib/reconcile/plan/plan';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from '../../../lib/reconcile/plan/types';
import { deploymentConfiguration, S, service } from '../../support/plan';
import { Simulation } from './sim';

const SIMULATED_MS = 20 * 60 * S;

/** The most launch rounds the back-off lets through in `ms`: round r waits at least delay(r - 1). */
const launchRoundsWithin = (ms: number): number => {
  let rounds = 1;
  let elapsed = 0;
  for (;;) {
    elapsed += crashLoopDelayMs(rounds, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS);
    if (elapsed > ms) return rounds;
    rounds += 1;
  }
};

const breakerArb: fc.Arbitrary<DeploymentCircuitBreaker> = fc.record({
  enable: fc.boolean(),
  rollback: fc.boolean(),
  thresholdConfiguration: fc.oneof(
    fc.record({ type: fc.constant('COUNT' as const), value: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ type: fc.constant('BOUNDED_PERCENT' as const), value: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ type: fc.constant('UNBOUNDED_PERCENT' as const), value: fc.integer({ min: 1, max: 200 }) }),
  ),
  resetOnHealthyTask: fc.boolean(),
});

const scenarioArb = fc.record({
  desired: fc.integer({ min: 1, max: 6 }),
  minReadySeconds: fc.integer({ min: 0, max: 60 }),
  hasHealthCheck: fc.boolean(),
  passMs: fc.integer({ min: 1, max: 10 }).map((s) => s * S),
  crashAfterMs: fc.integer({ min: 200, max: 30_000 }),
  stopMs: fc.integer({ min: 0, max: 5_000 }),
  maximumPercent: fc.constantFrom(100, 150, 200),
  minimumHealthyPercent: fc.constantFrom(0, 50, 100),
  breaker: breakerArb,
});

describe('a crash-looping deployment, any timing (property)', () => {
  it('trips the breaker within its threshold and never relaunches faster than the back-off', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { desired, breaker } = s;
        const sim = new Simulation(
          service({
            desiredCount: desired,
            deploymentConfiguration: deploymentConfiguration({
              minReadySeconds: s.minReadySeconds,
              maximumPercent: s.maximumPercent,
              minimumHealthyPercent: s.minimumHealthyPercent,
              deploymentCircuitBreaker: breaker,
            }),
          }),
          {
            'web:1': { hasHealthCheck: s.hasHealthCheck, behaviour: 'healthy' },
            'web:2': {
              hasHealthCheck: s.hasHealthCheck,
              behaviour: 'crash',
              crashAfterMs: s.crashAfterMs,
              stopMs: s.stopMs,
            },
          },
          s.passMs,
        );
        sim.runUntil((x) => x.primary().rolloutState === 'COMPLETED', 2000);
        const bad = sim.deploy('web:2');
        const start = sim.now;
        let launches = 0;
        let failedAt: number | undefined;
        while (sim.now - start < SIMULATED_MS) {
          const result = sim.step();
          const mine = result.actions.filter((a) => a.type === 'launch' && a.deploymentId === bad);
          if (failedAt !== undefined) expect(mine, 'a launch after the deployment FAILED').toEqual([]);
          launches += mine.reduce((sum, a) => sum + (a.type === 'launch' ? a.count : 0), 0);
          const deployment = result.deployments.find((d) => d.id === bad);
          if (deployment?.rolloutState === 'FAILED' && failedAt === undefined) {
            failedAt = sim.now;
            if (/circuit breaker/.test(deployment.rolloutStateReason)) {
              const threshold = circuitBreakerThreshold(desired, breaker);
              expect(deployment.failedTasks).toBeGreaterThanOrEqual(threshold);
              // Tasks that die in the same pass as the one that reaches the threshold count too.
              expect(deployment.failedTasks).toBeLessThan(threshold + desired);
            }
          }
        }
        const last = sim.service.deployments.find((d) => d.id === bad);
        // The progress deadline (600 s) ends it if nothing else did: a crash loop is not progress.
        expect(['FAILED', 'COMPLETED']).toContain(last?.rolloutState);
        expect(launches).toBeLessThanOrEqual(desired * launchRoundsWithin(SIMULATED_MS));
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});

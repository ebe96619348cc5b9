/**
 * A Spot rollout, pass after pass (sim.ts, with its floor and cap checks at every step): the Spot
 * fallback holds through a deploy and a rollback, the return to Spot works whatever room maximumPercent
 * leaves, and disabling the fallback moves the FARGATE share back in healthy batches.
 */
import { describe, expect, it } from 'vitest';
import type { Deployment, Service, SpotFallback } from '../../../lib/domain';
import { CAPACITY_UNAVAILABLE_REASON } from '../../../lib/ecs/errors';
import type { ObservedTask } from '../../../lib/reconcile/plan/types';
import { deployment, deploymentConfiguration, iso, S, service, T0, tasks } from '../../support/plan';
import { type Revision, Simulation } from './sim';

const healthy: Revision = { hasHealthCheck: true, behaviour: 'healthy' };
const crashing: Revision = { hasHealthCheck: true, behaviour: 'crash', crashAfterMs: 5_000 };

interface Scenario {
  desired: number;
  min?: number;
  max?: number;
  /** Seconds since the last Spot failure (the return is due 900 s after it). */
  failedSecondsAgo?: number;
  spotFallback?: Partial<SpotFallback>;
  breaker?: Service['deploymentConfiguration']['deploymentCircuitBreaker'];
}

/** A service on its fallback: `desired` healthy FARGATE tasks stand in for FARGATE_SPOT ones. */
const onFallback = (s: Scenario): Simulation => {
  const failedAt = T0 - (s.failedSecondsAgo ?? 30) * S;
  const sim = new Simulation(
    service({
      desiredCount: s.desired,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }],
      spotFallback: {
        enabled: true,
        fallbackAfterSeconds: 60,
        returnAfterSeconds: 900,
        maxOnDemandPercent: 100,
        ...s.spotFallback,
      },
      deploymentConfiguration: deploymentConfiguration({
        minimumHealthyPercent: s.min ?? 100,
        maximumPercent: s.max ?? 200,
        ...(s.breaker ? { deploymentCircuitBreaker: s.breaker } : {}),
      }),
      deployments: [
        deployment('dep-1', 'web:1', {
          rolloutState: 'COMPLETED',
          createdAt: iso(T0 - 3600 * S),
          lastProgressAt: iso(T0 - 3600 * S),
          spotFallback: {
            active: true,
            since: iso(failedAt),
            reason: 'FARGATE_SPOT failed',
            lastSpotFailureAt: iso(failedAt),
            lastSpotFailure: `RunTask failures: ${CAPACITY_UNAVAILABLE_REASON}`,
          },
        }),
      ],
    }),
    { 'web:1': healthy, 'web:2': healthy, 'web:3': crashing },
  );
  const standIns: ObservedTask[] = tasks('dep-1', s.desired, {
    capacityProvider: 'FARGATE',
    healthStatus: 'HEALTHY',
    healthyAt: T0 - 590 * S,
  });
  sim.tasks.push(...standIns.map((t) => ({ ...t, taskDefinition: 'web:1' })));
  return sim;
};

const live = (sim: Simulation) =>
  sim.tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED');
const liveOn = (sim: Simulation, provider: string) =>
  live(sim).filter((t) => (t.capacityProvider ?? 'FARGATE') === provider);
const primaryOf = (sim: Simulation): Deployment => sim.primary();
const settledOn = (sim: Simulation, provider: string) =>
  live(sim).length === sim.service.desiredCount &&
  liveOn(sim, provider).length === sim.service.desiredCount &&
  sim.healthyCount() === sim.service.desiredCount;
const backOnSpot = (sim: Simulation) =>
  settledOn(sim, 'FARGATE_SPOT') && primaryOf(sim).spotFallback?.active === false;
const eventsLike = (sim: Simulation, pattern: RegExp) => sim.events.filter((e) => pattern.test(e));

describe('a deploy while the service is on its fallback, Spot still out', () => {
  it("the new deployment's tasks take the fallback allowance: it completes on FARGATE", () => {
    const sim = onFallback({ desired: 4 });
    sim.spotCapacity = false;
    const id = sim.deploy('web:2');
    sim.runUntil((s) => primaryOf(s).rolloutState !== 'IN_PROGRESS', 90);
    expect(primaryOf(sim)).toMatchObject({ id, rolloutState: 'COMPLETED', failedTasks: 0 });
    expect(sim.liveTasksOf('web:2').map((t) => t.capacityProvider)).toEqual(Array(4).fill('FARGATE'));
    expect(primaryOf(sim).spotFallback?.active).toBe(true);
  });

  it('a failed deploy is rolled back on FARGATE too, and the rollback completes', () => {
    const sim = onFallback({
      desired: 4,
      breaker: { enable: true, rollback: true, thresholdConfiguration: { type: 'COUNT', value: 2 } },
    });
    sim.spotCapacity = false;
    const failed = sim.deploy('web:3');
    sim.runUntil((s) => primaryOf(s).rollbackOf === failed && primaryOf(s).rolloutState !== 'IN_PROGRESS');
    expect(primaryOf(sim)).toMatchObject({ taskDefinition: 'web:1', rolloutState: 'COMPLETED' });
    expect(sim.service.deployments.find((d) => d.id === failed)?.rolloutStateReason).toMatch(
      /circuit breaker/,
    );
    expect(settledOn(sim, 'FARGATE')).toBe(true);
  });

  it('an old INACTIVE deployment that was on its fallback is not inherited by a later deploy', () => {
    const sim = onFallback({ desired: 2 });
    sim.spotCapacity = false;
    sim.deploy('web:2');
    sim.runUntil((s) => primaryOf(s).rolloutState === 'COMPLETED' && settledOn(s, 'FARGATE'));
    // Spot is back, the return runs, and the service is on Spot again; then another deploy.
    sim.spotCapacity = true;
    sim.now += 900 * S;
    sim.runUntil(backOnSpot);
    const before = sim.events.length;
    sim.deploy('web:1');
    sim.runUntil((s) => primaryOf(s).rolloutState === 'COMPLETED' && settledOn(s, 'FARGATE_SPOT'));
    expect(primaryOf(sim).spotFallback?.active ?? false).toBe(false);
    expect(sim.events.slice(before).filter((e) => /FARGATE_SPOT/.test(e))).toEqual([]);
  });
});

describe('the return to Spot without room above desired', () => {
  it.each([
    { desired: 1, min: 0, max: 100 },
    { desired: 1, min: 0, max: 199 },
    { desired: 2, min: 50, max: 149 },
    { desired: 4, min: 75, max: 100 },
    { desired: 3, min: 50, max: 100 },
  ])(
    'desired $desired, minimumHealthyPercent $min, maximumPercent $max: one task at a time, stop first',
    (s) => {
      const sim = onFallback({ ...s, failedSecondsAgo: 1000 });
      let mostMissing = 0;
      sim.runUntil((current) => {
        mostMissing = Math.max(mostMissing, current.service.desiredCount - current.healthyCount());
        return backOnSpot(current);
      }, 60);
      expect(mostMissing).toBeLessThanOrEqual(1);
      expect(eventsLike(sim, /is back on FARGATE_SPOT/)).toHaveLength(1);
    },
  );

  it('neither limit allows a move: stays on FARGATE, and the plan and one event say why', () => {
    const sim = onFallback({ desired: 1, min: 100, max: 199, failedSecondsAgo: 1000 });
    for (let i = 0; i < 10; i++) sim.step();
    expect(liveOn(sim, 'FARGATE')).toHaveLength(1);
    const said = eventsLike(sim, /cannot move its 1 FARGATE task back to FARGATE_SPOT/);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/maximumPercent 199/);
    expect(said[0]).toMatch(/minimumHealthyPercent 100/);
    const holds = sim.results.at(-1)?.actions.filter((a) => a.type === 'hold') ?? [];
    expect(holds.map((h) => h.reason).join('\n')).toMatch(/cannot move/);
    expect(primaryOf(sim).spotFallback?.reason).toMatch(/cannot move/);
  });
});

describe('spotFallback disabled while the service is on its fallback', () => {
  it.each([
    { desired: 4, min: 100, max: 200 },
    { desired: 4, min: 50, max: 100 },
    { desired: 1, min: 0, max: 100 },
  ])(
    'desired $desired, minimumHealthyPercent $min, maximumPercent $max: back to its own strategy in healthy batches',
    (s) => {
      // The last Spot failure was 30 s ago: the return would not be due for 870 s.
      const sim = onFallback(s);
      sim.step();
      sim.service.spotFallback = { ...(sim.service.spotFallback as SpotFallback), enabled: false };
      let mostMissing = 0;
      const steps = sim.runUntil((current) => {
        mostMissing = Math.max(mostMissing, current.service.desiredCount - current.healthyCount());
        return backOnSpot(current);
      }, 60);
      expect(steps).toBeLessThan(30);
      expect(mostMissing).toBeLessThanOrEqual(s.min === 100 ? 0 : 1);
      expect(eventsLike(sim, /spotFallback is disabled/)).toHaveLength(1);
    },
  );
});

/** plan() tables for the Spot fallback: the timer, the share within maxOnDemandPercent, tasks by provider. */
import { describe, expect, it } from 'vitest';
import { CAPACITY_UNAVAILABLE_REASON } from '../../../../lib/ecs/errors';
import { iso, ofType, S, T0 } from '../../../support/plan';
import {
  capacityFailure,
  fbOf,
  interrupted,
  launchedOn,
  onDemand,
  run,
  spot,
  spotService,
} from '../../../support/spot-plan';

describe('plan(): the fallback timer', () => {
  it.each([
    {
      name: 'Spot failing for less than fallbackAfterSeconds: Spot again, and a wake-up when due',
      fb: { active: false, failingSince: iso(T0 - 30 * S), ...capacityFailure(10) },
      active: false,
      launched: { FARGATE_SPOT: 4 },
      holdUntil: T0 + 30 * S,
    },
    {
      name: 'Spot failing for fallbackAfterSeconds, still short: the missing share on FARGATE',
      fb: { active: false, failingSince: iso(T0 - 60 * S), ...capacityFailure(10) },
      active: true,
      launched: { FARGATE: 4 },
      holdUntil: undefined,
    },
    {
      name: 'short without any Spot failure (yet): Spot, and a look again soon in case it is refused',
      fb: undefined,
      active: undefined,
      launched: { FARGATE_SPOT: 4 },
      holdUntil: T0 + 1 * S,
    },
  ])('$name', ({ fb, active, launched, holdUntil }) => {
    const result = run(spotService(4, fb), []);
    expect(fbOf(result)?.active).toBe(active ?? false);
    expect(launchedOn(result)).toEqual(launched);
    const holds = ofType(result.actions, 'hold').filter((h) => h.until !== undefined);
    expect(holds.map((h) => h.until)).toEqual(holdUntil === undefined ? [] : [holdUntil]);
    if (active) {
      expect(fbOf(result)?.since).toBe(iso(T0));
      expect(fbOf(result)?.reason).toContain(CAPACITY_UNAVAILABLE_REASON);
      expect(result.events.join('\n')).toMatch(/launching its missing FARGATE_SPOT tasks on FARGATE/);
    }
  });

  it('interruptions start the clock at the interruption; replaced on Spot at once', () => {
    const observed = interrupted(4, T0 - 2 * S);
    const result = run(spotService(4, undefined), observed);
    expect(fbOf(result)).toMatchObject({
      active: false,
      failingSince: iso(T0 - 2 * S),
      lastSpotFailureAt: iso(T0 - 2 * S),
      lastSpotFailure: 'SpotInterruption: Your Spot Task was interrupted.',
    });
    expect(launchedOn(result)).toEqual({ FARGATE_SPOT: 4 });
    expect(ofType(result.actions, 'hold').map((h) => h.until)).toEqual([T0 + 58 * S]);
  });

  it('back at the desired count: the clock stops, no fallback however old the failure', () => {
    const result = run(
      spotService(4, { active: false, failingSince: iso(T0 - 600 * S), ...capacityFailure(5) }),
      spot(4),
    );
    expect(fbOf(result)?.failingSince).toBeUndefined();
    expect(fbOf(result)?.active).toBe(false);
    expect(result.actions).toEqual([]);
  });

  it('without spotFallback enabled the Spot share stays Spot, as ECS does', () => {
    const svc = spotService(
      4,
      { active: false, failingSince: iso(T0 - 600 * S), ...capacityFailure(5) },
      {
        enabled: false,
      },
    );
    expect(launchedOn(run(svc, []))).toEqual({ FARGATE_SPOT: 4 });
  });
});

describe('plan(): the share within maxOnDemandPercent', () => {
  const due = { active: false, failingSince: iso(T0 - 60 * S), ...capacityFailure(5) };
  it.each([
    { pct: 100, desired: 4, running: 0, launched: { FARGATE: 4 } },
    { pct: 50, desired: 4, running: 0, launched: { FARGATE: 2, FARGATE_SPOT: 2 } },
    { pct: 50, desired: 3, running: 0, launched: { FARGATE: 1, FARGATE_SPOT: 2 } },
    { pct: 0, desired: 4, running: 0, launched: { FARGATE_SPOT: 4 } },
    { pct: 100, desired: 4, running: 2, launched: { FARGATE: 2 } },
  ])(
    'maxOnDemandPercent $pct of $desired with $running Spot running: $launched',
    ({ pct, desired, running, launched }) => {
      const result = run(spotService(desired, due, { maxOnDemandPercent: pct }), spot(running));
      expect(launchedOn(result)).toEqual(launched);
    },
  );

  it('FARGATE tasks already standing in count against the allowance', () => {
    const active = { active: true, since: iso(T0 - 100 * S), ...capacityFailure(5) };
    const observed = [...onDemand(2), ...interrupted(2, T0 - 1 * S)];
    const result = run(spotService(4, active, { maxOnDemandPercent: 75 }), observed);
    expect(launchedOn(result)).toEqual({ FARGATE: 1, FARGATE_SPOT: 1 });
  });

  it("the strategy's own FARGATE base is not part of the fallback share", () => {
    const svc = spotService(
      4,
      { active: true, since: iso(T0 - 100 * S), ...capacityFailure(5) },
      { maxOnDemandPercent: 50 },
      {
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE', base: 1, weight: 0 },
          { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 },
        ],
      },
    );
    // 1 FARGATE by the base, then 2 of the 3 Spot ones (50% of 4) on FARGATE, 1 on Spot.
    expect(launchedOn(run(svc, []))).toEqual({ FARGATE: 3, FARGATE_SPOT: 1 });
  });
});

describe('plan(): tasks by capacity provider', () => {
  it("counts every deployment's live tasks per provider", () => {
    const result = run(spotService(4, undefined), [...spot(3), ...onDemand(1)]);
    expect(result.deployments[0]?.tasksByCapacityProvider).toEqual({ FARGATE: 1, FARGATE_SPOT: 3 });
  });
});

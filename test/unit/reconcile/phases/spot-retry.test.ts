/** Spot capacity refusals back off: the next FARGATE_SPOT launch waits, FARGATE launches do not. */
import { describe, expect, it } from 'vitest';
import type { SpotFallbackState } from '../../../../lib/domain';
import { spotRetryDelayMs } from '../../../../lib/reconcile/plan/phases/spot-retry';
import { withSpotCapacityFailure } from '../../../../lib/reconcile/plan/refusals';
import { deployment, iso, ofType, S, service, T0 } from '../../../support/plan';
import {
  capacityFailure,
  fbOf,
  launchedOn,
  onDemand,
  run,
  spot,
  spotService,
} from '../../../support/spot-plan';

/** `refusals` Spot refusals in a row, the last `secondsAgo`. */
const refused = (refusals: number, secondsAgo: number): SpotFallbackState => ({
  active: false,
  failingSince: iso(T0 - 300 * S),
  ...capacityFailure(secondsAgo),
  spotRefusalsInRow: refusals,
});

/** A service without a fallback whose Spot launches ECS refused. */
const noFallback = (desired: number, fb: SpotFallbackState, strategyBase = 0) =>
  spotService(
    desired,
    fb,
    { enabled: false },
    {
      capacityProviderStrategy: [
        ...(strategyBase > 0
          ? [{ capacityProvider: 'FARGATE' as const, base: strategyBase, weight: 0 }]
          : []),
        { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 },
      ],
    },
  );

describe('spotRetryDelayMs', () => {
  it.each([
    [0, 0],
    [1, 5 * S],
    [2, 10 * S],
    [3, 20 * S],
    [6, 120 * S],
    [40, 120 * S],
  ])('%i refusals in a row: %i ms', (refusals, ms) => {
    expect(spotRetryDelayMs(refusals)).toBe(ms);
  });
});

describe('a Spot launch after refusals in a row', () => {
  it.each([
    { name: 'one refusal 2 s ago waits 3 s more', refusals: 1, ago: 2, launched: {}, until: T0 + 3 * S },
    {
      name: 'one refusal 6 s ago goes',
      refusals: 1,
      ago: 6,
      launched: { FARGATE_SPOT: 2 },
      until: undefined,
    },
    {
      name: 'three refusals 10 s ago wait 10 s more',
      refusals: 3,
      ago: 10,
      launched: {},
      until: T0 + 10 * S,
    },
    { name: 'capped at 2 minutes', refusals: 12, ago: 121, launched: { FARGATE_SPOT: 2 }, until: undefined },
  ])('$name', ({ refusals, ago, launched, until }) => {
    const result = run(noFallback(2, refused(refusals, ago)), []);
    expect(launchedOn(result)).toEqual(launched);
    const waits = ofType(result.actions, 'hold').filter((h) => /FARGATE_SPOT refused/.test(h.reason));
    expect(waits.map((h) => h.until)).toEqual(until === undefined ? [] : [until]);
  });

  it('the FARGATE part of a launch does not wait', () => {
    const result = run(noFallback(3, refused(2, 1), 1), []);
    expect(launchedOn(result)).toEqual({ FARGATE: 1 });
  });

  it("the fallback's FARGATE launches do not wait", () => {
    const svc = spotService(2, { ...refused(4, 1), active: true, since: iso(T0 - 60 * S) });
    expect(launchedOn(run(svc, []))).toEqual({ FARGATE: 2 });
  });

  it('a Spot task launched since the last refusal restarts the count', () => {
    const observed = spot(1, { createdAt: T0 - 1 * S, startedAt: undefined, lastStatus: 'PENDING' });
    const result = run(noFallback(3, refused(5, 2)), observed);
    expect(launchedOn(result)).toEqual({ FARGATE_SPOT: 2 });
    expect(fbOf(result)?.spotRefusalsInRow).toBeUndefined();
  });

  it('a task launched before the last refusal does not', () => {
    const observed = spot(1, { createdAt: T0 - 10 * S, startedAt: T0 - 9 * S });
    const result = run(noFallback(3, refused(5, 2)), observed);
    expect(launchedOn(result)).toEqual({});
    expect(fbOf(result)?.spotRefusalsInRow).toBe(5);
  });
});

describe('withSpotCapacityFailure', () => {
  it('counts refusals in a row', () => {
    const failure = { at: iso(T0), reason: 'RunTask failures: Capacity is unavailable' };
    const once = withSpotCapacityFailure([deployment('dep-1', 'web:1')], 'dep-1', failure);
    const twice = withSpotCapacityFailure(once, 'dep-1', failure);
    expect(once[0]?.spotFallback?.spotRefusalsInRow).toBe(1);
    expect(twice[0]?.spotFallback?.spotRefusalsInRow).toBe(2);
    expect(service().deployments[0]?.spotFallback).toBeUndefined();
  });
});

describe('a return to Spot after refusals in a row', () => {
  it.each([
    { name: 'waits out the Spot retry', ago: 2, launched: {} },
    { name: 'probes once it is over', ago: 6, launched: { FARGATE_SPOT: 1 } },
  ])('$name', ({ ago, launched }) => {
    const fb = { ...refused(1, ago), active: true, since: iso(T0 - 60 * S) };
    const result = run(spotService(2, fb, { returnAfterSeconds: 0 }), onDemand(2));
    expect(launchedOn(result)).toEqual(launched);
    const waits = ofType(result.actions, 'hold').filter((h) =>
      /waits to move a FARGATE task back/.test(h.reason),
    );
    expect(waits).toHaveLength(ago === 2 ? 1 : 0);
  });
});

describe("the service's count, whatever deployment was refused", () => {
  it("a deploy's Spot launches wait out the refusals of the deployment it replaces", () => {
    const svc = noFallback(2, refused(3, 2));
    svc.deployments = [
      deployment('dep-2', 'web:1', { createdAt: iso(T0 - 10 * S), lastProgressAt: iso(T0 - 10 * S) }),
      ...svc.deployments.map((d) => ({ ...d, status: 'ACTIVE' as const })),
    ];
    const result = run(svc, []);
    expect(launchedOn(result)).toEqual({});
    const waits = ofType(result.actions, 'hold').filter((h) => /FARGATE_SPOT refused 3/.test(h.reason));
    expect(waits.map((h) => h.until)).toEqual([T0 + 18 * S]);
  });

  it("a refusal of an old deployment counts on from the service's newest count", () => {
    const failure = { at: iso(T0), reason: 'RunTask failures: Capacity is unavailable' };
    const deployments = [
      deployment('dep-2', 'web:2', { spotFallback: refused(4, 1) }),
      deployment('dep-1', 'web:1', { status: 'ACTIVE', spotFallback: refused(2, 30) }),
    ];
    const next = withSpotCapacityFailure(deployments, 'dep-1', failure);
    expect(next[1]?.spotFallback?.spotRefusalsInRow).toBe(5);
  });
});

it('a return that ends (no FARGATE task left) keeps the refusals in a row', () => {
  const fb = { ...refused(2, 2), active: true, since: iso(T0 - 300 * S), returningSince: iso(T0 - 1 * S) };
  const result = run(spotService(2, fb, { returnAfterSeconds: 0 }), spot(1));
  expect(fbOf(result)).toMatchObject({ active: false, spotRefusalsInRow: 2 });
  expect(launchedOn(result)).toEqual({});
});

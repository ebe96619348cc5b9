/** plan() tables for the return to Spot (lib/reconcile/plan/phases/spot-return.ts): batches and an abort. */
import { describe, expect, it } from 'vitest';
import type { SpotFallbackState } from '../../../../lib/domain';
import type { PlanResult } from '../../../../lib/reconcile/plan/types';
import { iso, ofType, S, service, T0 } from '../../../support/plan';
import {
  capacityFailure,
  fbOf,
  freshSpot,
  interrupted,
  launchedOn,
  onDemand,
  pendingSpot,
  run,
  spot,
  spotService,
  stoppedProviders,
} from '../../../support/spot-plan';

describe('plan(): the return to Spot in batches', () => {
  const since = T0 - 1000 * S;
  const active = (failureSecondsAgo: number, returning?: number): SpotFallbackState => ({
    active: true,
    since: iso(since),
    ...capacityFailure(failureSecondsAgo),
    ...(returning === undefined ? {} : { returningSince: iso(T0 - returning * S) }),
  });

  it('before returnAfterSeconds: stays on FARGATE and wakes when the return is due', () => {
    const result = run(spotService(4, active(600)), onDemand(4));
    expect(fbOf(result)?.returningSince).toBeUndefined();
    expect(launchedOn(result)).toEqual({});
    expect(ofType(result.actions, 'hold').map((h) => h.until)).toEqual([T0 + 300 * S]);
  });

  it.each([
    { name: 'maximumPercent 200: the whole share in one batch', max: 200, launched: 4 },
    { name: 'maximumPercent 150: a batch of 2', max: 150, launched: 2 },
    { name: 'maximumPercent 125: a batch of 1', max: 125, launched: 1 },
  ])('after returnAfterSeconds, $name, on Spot first, nothing stopped yet', ({ max, launched }) => {
    const svc = spotService(
      4,
      active(900),
      {},
      {
        deploymentConfiguration: { ...service().deploymentConfiguration, maximumPercent: max },
      },
    );
    // A Spot launch since the last failure (scaled in since): Spot was tried, no probe is needed.
    const tried = spot(1, {
      createdAt: T0 - 600 * S,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedAt: T0 - 500 * S,
    });
    const result = run(svc, [...onDemand(4), ...tried]);
    expect(fbOf(result)?.returningSince).toBe(iso(T0));
    expect(result.events.join('\n')).toMatch(
      /moving its FARGATE tasks back to FARGATE_SPOT, one batch at a time: no Spot failure for 900 seconds/,
    );
    expect(launchedOn(result)).toEqual({ FARGATE_SPOT: launched });
    expect(ofType(result.actions, 'stop')).toEqual([]);
    // A refused batch brings no task event: the pass asks to be woken to see it.
    expect(ofType(result.actions, 'hold').map((h) => h.until)).toEqual([T0 + 1 * S]);
  });

  it('no Spot launch tried since the last failure: the return starts with a probe of one task, and says so', () => {
    const result = run(spotService(4, active(900)), onDemand(4));
    expect(fbOf(result)?.returningSince).toBe(iso(T0));
    const events = result.events.join('\n');
    expect(events).not.toMatch(/no Spot failure for/);
    expect(events).toMatch(
      /is trying FARGATE_SPOT again with one task \(a probe\): no Spot launch was tried in the 900 seconds since its last Spot failure/,
    );
    expect(launchedOn(result)).toEqual({ FARGATE_SPOT: 1 });
    expect(ofType(result.actions, 'stop')).toEqual([]);
  });

  it('once the probe is healthy, its FARGATE task stops and the rest follow in one batch', () => {
    const svc = spotService(4, active(900, 60));
    const probe = spot(1, { createdAt: T0 - 60 * S, startedAt: T0 - 55 * S });
    const fargate = onDemand(4);
    const first = run(svc, [...fargate, ...probe]);
    expect(stoppedProviders(first, [...fargate, ...probe])).toEqual(['FARGATE']);
    const left = fargate.slice(1);
    const next = run({ ...svc, deployments: first.deployments }, [...left, ...probe], T0 + S);
    expect(launchedOn(next)).toEqual({ FARGATE_SPOT: 3 });
  });

  it('maximumPercent 100, minimumHealthyPercent 100: no move allowed, so it holds and says why, once', () => {
    const svc = spotService(
      4,
      active(900),
      {},
      {
        deploymentConfiguration: { ...service().deploymentConfiguration, maximumPercent: 100 },
      },
    );
    const result = run(svc, onDemand(4));
    expect(launchedOn(result)).toEqual({});
    expect(ofType(result.actions, 'stop')).toEqual([]);
    expect(ofType(result.actions, 'hold')[0]?.reason).toMatch(
      /cannot move its 4 FARGATE tasks back to FARGATE_SPOT: maximumPercent 100 leaves no room .* minimumHealthyPercent 100 keeps all 4 healthy/,
    );
    const spotEvents = (r: PlanResult) => r.events.filter((e) => /FARGATE/.test(e));
    expect(spotEvents(result)).toEqual([`service web ${fbOf(result)?.reason}.`]);
    expect(fbOf(result)).toMatchObject({ active: true, reason: expect.stringMatching(/^cannot move/) });
    expect(fbOf(result)?.returningSince).toBeUndefined();
    const again = run({ ...svc, deployments: result.deployments }, onDemand(4), T0 + 60 * S);
    expect(spotEvents(again)).toEqual([]);
    expect(ofType(again.actions, 'hold')[0]?.reason).toMatch(/cannot move/);
  });

  it('maximumPercent 100, minimumHealthyPercent 75: one FARGATE task stops first and is replaced on Spot', () => {
    const config = { ...service().deploymentConfiguration, maximumPercent: 100, minimumHealthyPercent: 75 };
    const observed = onDemand(4);
    const result = run(spotService(4, active(900), {}, { deploymentConfiguration: config }), observed);
    expect(fbOf(result)?.returningSince).toBe(iso(T0));
    expect(stoppedProviders(result, observed)).toEqual(['FARGATE']);
    expect(launchedOn(result)).toEqual({ FARGATE_SPOT: 1 });
    // The next one waits until every task is healthy again.
    const next = spotService(4, fbOf(result), {}, { deploymentConfiguration: config });
    const later = run(next, [...onDemand(3), ...pendingSpot(1)]);
    expect(ofType(later.actions, 'stop')).toEqual([]);
    expect(launchedOn(later)).toEqual({});
  });

  it('a batch still pending: no FARGATE task stops, the Spot ones are not scaled in, no new batch', () => {
    const observed = [...onDemand(4), ...pendingSpot(2)];
    const result = run(spotService(4, active(1000, 10)), observed);
    expect(ofType(result.actions, 'stop')).toEqual([]);
    expect(launchedOn(result)).toEqual({});
  });

  it('a batch of 2 RUNNING but not yet ready: kept, and a wake-up when the first is ready', () => {
    const svc = spotService(
      4,
      active(1000, 10),
      {},
      {
        deploymentConfiguration: { ...service().deploymentConfiguration, minReadySeconds: 40 },
      },
    );
    const result = run(svc, [...onDemand(4), ...freshSpot(2)]);
    expect(ofType(result.actions, 'stop')).toEqual([]);
    expect(ofType(result.actions, 'hold').map((h) => h.until)).toEqual([T0 + 25 * S]);
  });

  it('2 Spot healthy of a batch of 2: 2 FARGATE stop, the next batch goes out', () => {
    const observed = [...onDemand(4), ...spot(2)];
    const result = run(spotService(4, active(1000, 10), {}, {}), observed);
    expect(stoppedProviders(result, observed)).toEqual(['FARGATE', 'FARGATE']);
    expect(launchedOn(result)).toEqual({ FARGATE_SPOT: 2 });
    expect(ofType(result.actions, 'hold').map((h) => h.until)).toEqual([T0 + 1 * S]);
    expect(fbOf(result)?.active).toBe(true);
  });

  it('1 of a batch of 2 healthy: only 1 FARGATE stops; the healthy count stays at desired', () => {
    const observed = [...onDemand(4), ...spot(1), ...pendingSpot(1)];
    const result = run(spotService(4, active(1000, 10)), observed);
    expect(stoppedProviders(result, observed)).toEqual(['FARGATE']);
    expect(launchedOn(result)).toEqual({});
  });

  it('no FARGATE task left: back on Spot, said once', () => {
    const result = run(spotService(4, active(1000, 10)), spot(4));
    expect(fbOf(result)).toMatchObject({ active: false, since: iso(T0) });
    expect(fbOf(result)?.reason).toMatch(/back on FARGATE_SPOT/);
    expect(result.events.join('\n')).toMatch(/is back on FARGATE_SPOT/);
    const again = run({ ...spotService(4, fbOf(result)) }, spot(4));
    expect(again.events.filter((e) => /FARGATE/.test(e))).toEqual([]);
    expect(fbOf(again)).toBe(fbOf(result));
  });
});

describe('plan(): a new Spot failure during the return', () => {
  it('an interruption after the return started aborts it: the surplus Spot task goes, FARGATE stays', () => {
    const fb: SpotFallbackState = {
      active: true,
      since: iso(T0 - 1000 * S),
      ...capacityFailure(1000),
      returningSince: iso(T0 - 30 * S),
    };
    const observed = [...onDemand(4), ...pendingSpot(1), ...interrupted(1, T0 - 5 * S)];
    const result = run(spotService(4, fb), observed);
    expect(fbOf(result)?.returningSince).toBeUndefined();
    expect(fbOf(result)?.active).toBe(true);
    expect(fbOf(result)?.reason).toMatch(/failed again/);
    expect(result.events.join('\n')).toMatch(/stopped moving tasks back to FARGATE_SPOT/);
    expect(stoppedProviders(result, observed)).toEqual(['FARGATE_SPOT']);
    expect(launchedOn(result)).toEqual({});
  });

  it('a capacity refusal recorded after the return started aborts it the same way', () => {
    const fb: SpotFallbackState = {
      active: true,
      since: iso(T0 - 1000 * S),
      ...capacityFailure(2),
      returningSince: iso(T0 - 30 * S),
    };
    const result = run(spotService(4, fb), onDemand(4));
    expect(fbOf(result)?.returningSince).toBeUndefined();
    expect(launchedOn(result)).toEqual({});
    expect(ofType(result.actions, 'stop')).toEqual([]);
  });
});

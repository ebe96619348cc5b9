/** plan() tables for the Spot fallback: the timer, the share, the return in batches, an abort. */
import { describe, expect, it } from 'vitest';
import type { Service, SpotFallback, SpotFallbackState } from '../../../../lib/domain';
import { CAPACITY_UNAVAILABLE_REASON } from '../../../../lib/ecs/errors';
import { plan } from '../../../../lib/reconcile/plan/plan';
import type { ObservedTask, PlanResult } from '../../../../lib/reconcile/plan/types';
import { deployment, iso, ofType, S, service, T0, tasks } from '../../../support/plan';

const spotConfig = (overrides: Partial<SpotFallback> = {}): SpotFallback => ({
  enabled: true,
  fallbackAfterSeconds: 60,
  returnAfterSeconds: 900,
  maxOnDemandPercent: 100,
  ...overrides,
});

const spotService = (
  desired: number,
  fb: SpotFallbackState | undefined,
  config: Partial<SpotFallback> = {},
  extra: Partial<Service> = {},
): Service =>
  service({
    desiredCount: desired,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }],
    spotFallback: spotConfig(config),
    deployments: [
      deployment('dep-1', 'web:1', {
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 3600 * S),
        lastProgressAt: iso(T0 - 3600 * S),
        ...(fb ? { spotFallback: fb } : {}),
      }),
    ],
    ...extra,
  });

const spot = (n: number, overrides: Partial<ObservedTask> = {}) =>
  tasks('dep-1', n, { capacityProvider: 'FARGATE_SPOT', ...overrides });
const onDemand = (n: number, overrides: Partial<ObservedTask> = {}) =>
  tasks('dep-1', n, { capacityProvider: 'FARGATE', ...overrides });
const interrupted = (n: number, at: number) =>
  spot(n, {
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    stoppedAt: at,
  });
const pendingSpot = (n: number) =>
  spot(n, { lastStatus: 'PENDING', createdAt: T0 - 5 * S, startedAt: undefined });
const freshSpot = (n: number) => spot(n, { createdAt: T0 - 20 * S, startedAt: T0 - 15 * S });

const run = (svc: Service, observed: ObservedTask[], now = T0) =>
  plan({
    service: svc,
    observedTasks: observed,
    taskDefinitions: { 'web:1': { hasHealthCheck: false } },
    now,
  });

/** Tasks launched per capacity provider. */
const launchedOn = (result: PlanResult) => {
  const counts: Record<string, number> = {};
  for (const launch of ofType(result.actions, 'launch')) {
    for (const call of launch.runTaskCalls) {
      const provider = call.capacityProviderStrategy?.[0]?.capacityProvider ?? 'FARGATE';
      counts[provider] = (counts[provider] ?? 0) + call.count;
    }
  }
  return counts;
};
const stoppedProviders = (result: PlanResult, observed: ObservedTask[]) =>
  ofType(result.actions, 'stop').map((s) => observed.find((t) => t.taskArn === s.taskArn)?.capacityProvider);
const fbOf = (result: PlanResult) => result.deployments[0]?.spotFallback;
const capacityFailure = (secondsAgo: number): Partial<SpotFallbackState> => ({
  lastSpotFailureAt: iso(T0 - secondsAgo * S),
  lastSpotFailure: `RunTask failures: ${CAPACITY_UNAVAILABLE_REASON}`,
});

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

describe('plan(): tasks by capacity provider', () => {
  it("counts every deployment's live tasks per provider", () => {
    const result = run(spotService(4, undefined), [...spot(3), ...onDemand(1)]);
    expect(result.deployments[0]?.tasksByCapacityProvider).toEqual({ FARGATE: 1, FARGATE_SPOT: 3 });
  });
});

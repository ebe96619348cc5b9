/** Metric analysis during a traffic shift: a failing interval rolls back as an alarm does; inconclusive ones never fail. */
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../../lib/domain';
import { wakeDelay } from '../../../../lib/reconcile/pass/wake';
import type { PlanResult } from '../../../../lib/reconcile/plan/types';
import { MIN, World } from '../../../support/traffic-world';

const canary = () =>
  new World({
    strategy: 'CANARY',
    canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 5 },
    bakeTimeInMinutes: 5,
    analysis: { maxErrorRatePercent: 1, minimumRequests: 50 },
  });

const figures = (w: World, requests: number, errors5xx: number) => ({
  start: new Date(w.now - MIN).toISOString(),
  end: new Date(w.now).toISOString(),
  canary: { requests, errors5xx, p99LatencyMs: 20 },
});

describe('analysis', () => {
  it('rolls a 5 % error canary back at once, FAILED with the figures, the interval on the deployment', () => {
    const world = canary();
    const events: string[] = [];
    world.run(30, (w) => {
      events.push(...(w.last?.events ?? []));
      if (w.share() === 20) w.analysis = figures(w, 200, 10);
    });
    const failed = world.service.deployments.find((d) => d.id === 'dep-2') as Deployment;
    expect(failed).toMatchObject({
      rolloutState: 'FAILED',
      trafficShift: { stage: 'ROLLBACK', productionPercent: 0 },
      analysis: { intervals: [{ requests: 200, errorRatePercent: 5, verdict: 'FAIL' }] },
    });
    expect(failed.rolloutStateReason).toContain('5xx rate 5% above 1%');
    expect(world.share()).toBe(0);
    expect(events.some((e) => e.includes('analysis') && e.includes('FAIL, 200 requests, 5xx 5%'))).toBe(true);
  });

  it('never fails on intervals with fewer than minimumRequests', () => {
    const world = canary();
    world.run(30, (w) => {
      if (w.share() === 20) w.analysis = figures(w, 10, 10);
    });
    const d = world.service.deployments.find((x) => x.id === 'dep-2') as Deployment;
    expect(d.rolloutState).not.toBe('FAILED');
    expect(d.analysis?.intervals.every((i) => i.verdict === 'INCONCLUSIVE')).toBe(true);
  });
});

/** What the canary's traffic looks like, minute by minute: its requests and 5xx, or no figures. */
type Traffic = (w: World, minute: number) => { requests: number; errors5xx: number } | undefined;

const HOLD_EVENT = /holds at ([A-Z_]+) with .*no analysis interval of the stage passed/;

/** Runs the world with `traffic`, noting each stage change, each hold event and the minute of each. */
const follow = (world: World, traffic: Traffic, minutes: number) => {
  const stages: { stage: string; percent: number; minute: number }[] = [];
  const holds: { stage: string; minute: number }[] = [];
  let minute = 0;
  world.run(minutes, (w) => {
    for (const event of w.last?.events ?? []) {
      const moved = /traffic shift: ([A-Z_]+), ([\d.]+)%/.exec(event);
      if (moved) stages.push({ stage: moved[1] as string, percent: Number(moved[2]), minute });
      const held = HOLD_EVENT.exec(event);
      if (held) holds.push({ stage: held[1] as string, minute });
    }
    const figures = traffic(w, minute);
    w.analysis = figures ? { ...figures_(w), canary: { ...figures, p99LatencyMs: 20 } } : undefined;
    minute++;
  });
  return { stages, holds };
};
const figures_ = (w: World) => ({
  start: new Date(w.now - MIN).toISOString(),
  end: new Date(w.now).toISOString(),
});

const pass = { requests: 200, errors5xx: 0 };
const quiet = { requests: 10, errors5xx: 0 };
const failing = { requests: 200, errors5xx: 10 };

describe('the end of a bake with analysis', () => {
  it.each([
    {
      name: 'every interval passes: each bake ends on time',
      traffic: (() => pass) as Traffic,
      state: 'COMPLETED',
      holds: [],
      // SCALE_UP and the test rule take the first passes; the canary bakes 5 minutes, the final bake 5.
      moves: [
        ['PRODUCTION_TRAFFIC_SHIFT', 20],
        ['PRODUCTION_TRAFFIC_SHIFT', 100],
        ['BAKE_TIME', 100],
        ['CLEAN_UP', 100],
      ],
    },
    {
      name: 'only inconclusive intervals: the canary holds, said once, and never completes',
      traffic: (() => quiet) as Traffic,
      state: 'IN_PROGRESS',
      holds: ['PRODUCTION_TRAFFIC_SHIFT'],
      moves: [['PRODUCTION_TRAFFIC_SHIFT', 20]],
    },
    {
      name: 'no figures at all (none judged): the canary holds the same',
      traffic: (() => undefined) as Traffic,
      state: 'IN_PROGRESS',
      holds: ['PRODUCTION_TRAFFIC_SHIFT'],
      moves: [['PRODUCTION_TRAFFIC_SHIFT', 20]],
    },
    {
      name: 'inconclusive, then a pass at minute 15: the held canary moves on, the final bake on its evidence',
      traffic: ((_w, minute) => (minute >= 15 ? pass : quiet)) as Traffic,
      state: 'COMPLETED',
      holds: ['PRODUCTION_TRAFFIC_SHIFT'],
      moves: [
        ['PRODUCTION_TRAFFIC_SHIFT', 20],
        ['PRODUCTION_TRAFFIC_SHIFT', 100],
        ['BAKE_TIME', 100],
        ['CLEAN_UP', 100],
      ],
    },
    {
      name: 'inconclusive, then a failing interval while held: rolled back',
      traffic: ((_w, minute) => (minute >= 15 ? failing : quiet)) as Traffic,
      state: 'FAILED',
      holds: ['PRODUCTION_TRAFFIC_SHIFT'],
      moves: [
        ['PRODUCTION_TRAFFIC_SHIFT', 20],
        ['ROLLBACK', 0],
      ],
    },
    {
      name: 'the canary passes, the final bake sees only quiet intervals: it holds at BAKE_TIME',
      traffic: ((w) => (w.primary.trafficShift?.stage === 'BAKE_TIME' ? quiet : pass)) as Traffic,
      state: 'IN_PROGRESS',
      holds: ['BAKE_TIME'],
      moves: [
        ['PRODUCTION_TRAFFIC_SHIFT', 20],
        ['PRODUCTION_TRAFFIC_SHIFT', 100],
        ['BAKE_TIME', 100],
      ],
    },
  ])('$name', ({ traffic, state, holds, moves }) => {
    const world = canary();
    const seen = follow(world, traffic, 60);
    const dep = world.service.deployments.find((d) => d.id === 'dep-2') as Deployment;
    expect(dep.rolloutState).toBe(state);
    expect(seen.holds.map((h) => h.stage)).toEqual(holds);
    expect(
      seen.stages.filter((s) => s.stage !== 'TEST_TRAFFIC_SHIFT').map((s) => [s.stage, s.percent]),
    ).toEqual(moves);
    if (state === 'FAILED') {
      expect(dep.rolloutStateReason).toContain('5xx rate 5% above 1%');
      expect(world.share()).toBe(0);
    }
  });

  it('moves on at the pass that judges the first passing interval, not before, and not at the bake end', () => {
    const world = canary();
    const seen = follow(world, (_w, minute) => (minute >= 15 ? pass : quiet), 60);
    const canaryAt = seen.stages.find((s) => s.percent === 20)?.minute as number;
    const fullAt = seen.stages.find((s) => s.percent === 100)?.minute as number;
    // The canary's bake (5 minutes) ends long before; the figures of minute 15 are judged at the next pass.
    expect(seen.holds[0]?.minute).toBe(canaryAt + 5);
    expect(fullAt).toBe(16);
  });

  it('keeps its progress clock and wakes at each interval while it holds, however long', () => {
    const world = canary();
    follow(world, () => quiet, 45); // far past the 10-minute progress deadline
    const dep = world.primary;
    expect(dep).toMatchObject({ id: 'dep-2', rolloutState: 'IN_PROGRESS' });
    expect(dep.trafficShift?.analysisHeldAt).toBeDefined();
    expect(Date.parse(dep.lastProgressAt as string)).toBe(world.now - MIN);
    const holds = (world.last?.actions ?? []).filter((a) => a.type === 'hold');
    expect(holds.some((h) => h.reason.includes('until an analysis interval passes'))).toBe(true);
    // The analysis phase's wake: the next interval's end, a minute at most away.
    const passedAt = world.now - MIN;
    const wake = wakeDelay(world.service, world.last as PlanResult, passedAt);
    expect(wake).toBeGreaterThan(0);
    expect(wake).toBeLessThanOrEqual(MIN + 1_000);
  });

  it.each([
    ['passes', pass, 'COMPLETED', []],
    ['stays quiet', quiet, 'IN_PROGRESS', ['PRODUCTION_TRAFFIC_SHIFT']],
  ] as const)('a LINEAR step whose traffic %s waits for its own evidence', (_name, atHalf, state, holds) => {
    const world = new World({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 2 },
      bakeTimeInMinutes: 2,
      analysis: { maxErrorRatePercent: 1, minimumRequests: 50 },
    });
    // The first step's evidence is its own: passes before it (the test traffic stage) do not count.
    const seen = follow(world, (w) => (w.share() === 50 ? atHalf : pass), 40);
    expect(world.primary.rolloutState).toBe(state);
    expect(seen.holds.map((h) => h.stage)).toEqual(holds);
    if (state === 'IN_PROGRESS') expect(world.primary.trafficShift?.productionPercent).toBe(50);
  });

  it('counts a pass of the stage older than the intervals the deployment keeps', () => {
    const world = new World({
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 40,
      analysis: { maxErrorRatePercent: 1, minimumRequests: 50 },
    });
    let passes = 0;
    const seen = follow(
      world,
      // The first figures in BAKE_TIME began before it (not its evidence): the second is its one pass.
      (w) => (w.primary.trafficShift?.stage === 'BAKE_TIME' && passes++ < 2 ? pass : quiet),
      80,
    );
    const dep = world.service.deployments.find((d) => d.id === 'dep-2') as Deployment;
    expect(dep.rolloutState).toBe('COMPLETED');
    expect(seen.holds).toEqual([]);
    // The pass is no longer among the intervals kept.
    expect(dep.analysis?.intervals).toHaveLength(20);
    expect(dep.analysis?.intervals.some((i) => i.verdict === 'PASS')).toBe(false);
  });

  it('a bake of 0 minutes asked for no judgement: a quiet 100 % with no final bake completes at once', () => {
    const world = new World({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 5 },
      bakeTimeInMinutes: 0,
      analysis: { maxErrorRatePercent: 1, minimumRequests: 50 },
    });
    // The canary step has its evidence; at 100 % nothing ends before the stage does.
    const seen = follow(world, (w) => (w.share() === 20 ? pass : quiet), 30);
    expect(world.primary.rolloutState).toBe('COMPLETED');
    expect(seen.holds).toEqual([]);
  });

  it('a LINEAR step of 0 minutes moves on without evidence; the final bake still asks for it', () => {
    const world = new World({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 },
      bakeTimeInMinutes: 2,
      analysis: { maxErrorRatePercent: 1, minimumRequests: 50 },
    });
    const seen = follow(world, () => quiet, 30);
    expect(world.primary.rolloutState).toBe('IN_PROGRESS');
    expect(seen.holds.map((h) => h.stage)).toEqual(['BAKE_TIME']);
  });

  it('without analysis a quiet canary bakes and completes on time', () => {
    const world = new World({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 5 },
      bakeTimeInMinutes: 5,
    });
    const seen = follow(world, () => quiet, 60);
    expect(world.primary.rolloutState).toBe('COMPLETED');
    expect(seen.holds).toEqual([]);
  });
});

describe('an analysis hold and an approval at the same stage', () => {
  it('asks for approval once the stage has a passing interval, and its timeout counts from then', () => {
    const world = new World({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 5 },
      bakeTimeInMinutes: 5,
      analysis: { maxErrorRatePercent: 1, minimumRequests: 50 },
      approval: { stage: 'PRODUCTION_TRAFFIC_SHIFT', timeoutMinutes: 10, onTimeout: 'ROLLBACK' },
    });
    const paused: number[] = [];
    let continued = false;
    const seen = follow(
      world,
      (w, minute) => {
        if (w.last?.events.some((e) => e.includes('awaiting approval'))) paused.push(minute);
        // Someone approves 3 minutes after the pause.
        const approval = w.primary.trafficShift?.approval;
        if (!continued && paused[0] !== undefined && minute === paused[0] + 3 && approval) {
          continued = true;
          w.service = {
            ...w.service,
            deployments: w.service.deployments.map((d) =>
              d.id === 'dep-2' && d.trafficShift
                ? {
                    ...d,
                    trafficShift: {
                      ...d.trafficShift,
                      approval: { ...approval, continuedAt: new Date(w.now).toISOString() },
                    },
                  }
                : d,
            ),
          };
        }
        return minute >= 15 ? pass : quiet;
      },
      60,
    );
    expect(seen.holds.map((h) => h.stage)).toEqual(['PRODUCTION_TRAFFIC_SHIFT']);
    // Held for evidence first (at the bake's end), paused for approval only at the first pass (minute 16).
    expect(seen.holds[0]?.minute).toBeLessThan(16);
    expect(paused).toEqual([16]);
    // Long past the bake's end plus the 10-minute timeout, yet approved and completed, not timed out.
    expect(seen.stages.find((s) => s.percent === 100)?.minute).toBe(20);
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'COMPLETED' });
  });

  it('a stop request ends a deployment held for evidence', () => {
    const world = canary();
    follow(world, () => quiet, 20);
    expect(world.primary.trafficShift?.analysisHeldAt).toBeDefined();
    world.service = {
      ...world.service,
      deployments: world.service.deployments.map((d) =>
        d.id === 'dep-2'
          ? { ...d, stopRequested: { stopType: 'ROLLBACK', at: new Date(world.now).toISOString() } }
          : d,
      ),
    };
    world.pass();
    const dep = world.service.deployments.find((d) => d.id === 'dep-2') as Deployment;
    expect(dep).toMatchObject({ rolloutState: 'FAILED', trafficShift: { stage: 'ROLLBACK' } });
    expect(world.share()).toBe(0);
  });
});

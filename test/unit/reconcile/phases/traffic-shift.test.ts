/**
 * The traffic-shift phases, pass after pass over a small world (test/support/traffic-world.ts). Each
 * table row is a strategy and the production percentages its rule must show, in order.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentConfiguration } from '../../../../lib/domain';
import { newTrafficShift } from '../../../../lib/domain';
import { iso, S } from '../../../support/plan';
import { BLUE, GREEN, MIN, PROD, TEST, World } from '../../../support/traffic-world';

describe('a traffic shift, pass by pass', () => {
  it.each([
    ['CANARY with defaults', { strategy: 'CANARY' }, [5, 100], 10],
    [
      'CANARY 0.1%',
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 0.1, canaryBakeTimeInMinutes: 2 } },
      [0.1, 100],
      2,
    ],
    [
      'LINEAR 25% steps',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 1 } },
      [25, 50, 75, 100],
      3,
    ],
    [
      'LINEAR 30% steps',
      {
        strategy: 'LINEAR',
        bakeTimeInMinutes: 2,
        linearConfiguration: { stepPercent: 30, stepBakeTimeInMinutes: 0 },
      },
      [30, 60, 90, 100],
      2,
    ],
    ['BLUE_GREEN', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 3 }, [100], 3],
  ] as const)(
    '%s moves production %j, then bakes, cleans up and swaps the groups',
    (_name, config, steps, minutes) => {
      const world = new World(config as Partial<DeploymentConfiguration>);
      const stages: string[] = [];
      let productionAt: number | undefined;
      world.run(200, (w) => {
        for (const event of w.last?.events ?? []) {
          const stage = /traffic shift: ([A-Z_]+),/.exec(event)?.[1];
          if (stage && stages.at(-1) !== stage) stages.push(stage);
        }
        if (stages.includes('PRODUCTION_TRAFFIC_SHIFT')) productionAt ??= w.now;
        // The old tasks keep serving until clean-up.
        if (!stages.includes('CLEAN_UP')) expect(w.live('dep-1')).toHaveLength(2);
      });
      expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'COMPLETED' });
      expect(world.shares).toEqual(steps);
      expect(stages).toEqual(['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP']);
      expect(world.live('dep-1')).toHaveLength(0);
      expect(world.live('dep-2').map((t) => t.targets?.registered[0]?.targetGroupArn)).toEqual([
        GREEN,
        GREEN,
      ]);
      expect(world.service.servingTargetGroups).toEqual({ [BLUE]: GREEN });
      expect(world.share(TEST)).toBe(100);
      // The step bakes and the bake time all passed (passes are a minute apart).
      expect(world.now - (productionAt ?? world.now)).toBeGreaterThanOrEqual(minutes * MIN);
      // A step is set in one pass and seen in the next: a minute each here (seconds in a real pass loop).
      expect(world.now - (productionAt ?? world.now)).toBeLessThanOrEqual((minutes + steps.length + 3) * MIN);
    },
  );

  it('launches the full desired count at once, past maximumPercent, into the group not serving', () => {
    const world = new World({ strategy: 'CANARY', maximumPercent: 100, minimumHealthyPercent: 100 });
    const first = world.pass();
    expect(
      first.actions.filter((a) => a.type === 'launch').map((a) => (a as { count: number }).count),
    ).toEqual([2]);
    world.now += S;
    const second = world.pass();
    const registered = second.actions.flatMap((a) => (a.type === 'register-targets' ? a.targets : []));
    expect(registered.map((t) => t.targetGroupArn)).toEqual([GREEN, GREEN]);
  });

  it('without a test listener rule goes straight to production, and the next deployment goes back to blue', () => {
    const world = new World({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 }, false);
    world.run();
    expect(world.service.servingTargetGroups).toEqual({ [BLUE]: GREEN });
    const next = newTrafficShift(world.service, iso(world.now));
    expect(next?.routes).toEqual([
      { targetGroupArn: BLUE, from: GREEN, to: BLUE, productionListenerRule: PROD },
    ]);
  });

  it('sets a rule again that someone changed behind its back, and waits for it before the bake ends', () => {
    const world = new World({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
    });
    world.run(200, (w) => {
      if (w.share() === 10 && w.shares.length === 1) w.rules[PROD] = { [BLUE]: 1, [GREEN]: 0 };
    });
    // The rule was put back to 10 % on the next pass, then moved on to 100 %.
    expect(world.shares).toEqual([10, 10, 100]);
    expect(world.primary.rolloutState).toBe('COMPLETED');
  });

  // Seed 291: a desired count lowered from 15 to 3 during a canary left the 15 old tasks serving
  // until clean-up. Each of the shift's two fleets stays at most the desired count.
  it('scales the serving fleet in with a lowered desired count, and shifts on', () => {
    const world = new World({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
    });
    for (let i = 0; i < 5 && world.share() !== 10; i++) {
      world.pass(); // launches, registers, shifts test traffic, then 10 % of production
      world.now += MIN;
    }
    expect(world.share()).toBe(10);
    world.service = { ...world.service, desiredCount: 1 };
    const drained = world.pass();
    expect(drained.actions).toContainEqual(
      expect.objectContaining({
        type: 'deregister-targets',
        reason: expect.stringContaining('serves production with 2 old tasks and desires 1'),
      }),
    );
    world.now += MIN;
    world.pass();
    expect(world.live('dep-1')).toHaveLength(1);
    expect(world.live('dep-2')).toHaveLength(1);
    expect(world.primary.rolloutState).toBe('IN_PROGRESS');
    expect(world.share()).toBe(10);
    world.run();
    expect(world.primary.rolloutState).toBe('COMPLETED');
    expect(world.live('dep-1')).toHaveLength(0);
  });

  // Seeds 295 and 411: a revision that crashed after passing its health checks left production all on
  // its empty group through the bake, beside a healthy old fleet.
  it.each([
    ['BLUE_GREEN in its bake', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 3 }, 'BAKE_TIME', 100, 3],
    [
      'a CANARY step',
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 4 } },
      'PRODUCTION_TRAFFIC_SHIFT',
      20,
      4,
    ],
  ] as const)(
    '%s takes production off a new group whose tasks all died, and starts the stage again once it serves',
    (_name, config, stage, percent, minutes) => {
      const world = new World(config as Partial<DeploymentConfiguration>, false);
      const reached = () => world.share() === percent && world.primary.trafficShift?.stage === stage;
      for (let i = 0; i < 6 && !reached(); i++) {
        world.pass();
        world.now += MIN;
      }
      expect(world.primary.trafficShift).toMatchObject({ stage, productionPercent: percent });
      world.die('dep-2');
      const back = world.pass();
      expect(world.share()).toBe(0);
      expect(back.events).toContainEqual(
        expect.stringContaining('web-green has no healthy task; production goes back until it has'),
      );
      expect(world.primary).toMatchObject({ rolloutState: 'IN_PROGRESS', trafficShift: { stage } });
      let servesAgainAt: number | undefined;
      world.run(200, (w) => {
        if (w.share() > 0) servesAgainAt ??= w.now;
        // The old fleet stays while the new one is down.
        if (servesAgainAt === undefined) expect(w.live('dep-1')).toHaveLength(2);
      });
      expect(world.primary.rolloutState).toBe('COMPLETED');
      expect(world.shares).toEqual(stage === 'BAKE_TIME' ? [100, 0, 100] : [20, 0, 20, 100]);
      // The stage ran its whole time again from when production came back.
      expect(world.now - (servesAgainAt ?? world.now)).toBeGreaterThanOrEqual(minutes * MIN);
    },
  );

  it('holds a step while the rule was not read, and says why', () => {
    const world = new World({ strategy: 'CANARY' }, false);
    world.pass(); // launches
    world.now += MIN;
    world.pass(); // registers
    world.now += MIN;
    world.pass(); // PRODUCTION_TRAFFIC_SHIFT at 5 %
    delete world.rules[PROD];
    world.now += 20 * MIN;
    const result = world.pass();
    expect(result.actions.filter((a) => a.type === 'set-traffic')).toEqual([]);
    expect(world.primary.trafficShift).toMatchObject({
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      productionPercent: 5,
    });
    expect(result.actions).toContainEqual(
      expect.objectContaining({ type: 'hold', reason: expect.stringContaining('to forward 5% to it') }),
    );
    // Bake time is no lack of progress: the progress deadline does not fail the deployment.
    expect(world.primary.rolloutState).toBe('IN_PROGRESS');
  });

  it('records the stage, its start and the percentage on the deployment, with an event per stage', () => {
    const world = new World(
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 4 } },
      false,
    );
    world.pass(); // launches
    world.now += MIN;
    world.pass(); // registers
    world.now += MIN;
    const result = world.pass();
    expect(world.primary.trafficShift).toMatchObject({
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      productionPercent: 20,
      stageStartedAt: iso(world.now),
    });
    expect(result.events).toContain(
      'service web deployment dep-2 CANARY traffic shift: PRODUCTION_TRAFFIC_SHIFT, 20% of production traffic to web-green.',
    );
    expect(result.actions).toContainEqual({
      type: 'set-traffic',
      listenerRule: PROD,
      weights: [
        { targetGroupArn: BLUE, weight: 800 },
        { targetGroupArn: GREEN, weight: 200 },
      ],
      reason: expect.any(String),
    });
    const bake = result.actions.find((a) => a.type === 'hold' && a.until !== undefined);
    expect(bake).toBeUndefined(); // the bake is counted once the rule shows 20 %
    world.now += S;
    const next = world.pass();
    expect(next.actions).toContainEqual(
      expect.objectContaining({ type: 'hold', until: world.now - S + 4 * MIN }),
    );
  });
});

/**
 * Which groups serve production once a traffic shift has moved it, over the small world of
 * traffic-shift.test.ts: a deployment replaced at CLEAN_UP never completes, yet its groups serve.
 */
import { describe, expect, it } from 'vitest';
import { type DeploymentConfiguration, servingTargetGroup } from '../../../../lib/domain';
import { withPrimaryDeployment } from '../../../../lib/use-cases/service-deployments';
import { deployment, iso } from '../../../support/plan';
import { BLUE, GREEN, MIN, TEST, World } from '../../../support/traffic-world';

/** dep-2's shift passed minute by minute until it reaches CLEAN_UP (its old tasks being stopped). */
const atCleanUp = (config: Partial<DeploymentConfiguration>): World => {
  const world = new World(config);
  for (let i = 0; i < 20 && world.primary.trafficShift?.stage !== 'CLEAN_UP'; i++) {
    world.pass();
    world.now += MIN;
  }
  expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'IN_PROGRESS' });
  expect(world.primary.trafficShift?.stage).toBe('CLEAN_UP');
  expect(world.share()).toBe(100);
  return world;
};

const deploy = (world: World, id: string, taskDefinition: string): void => {
  const next = deployment(id, taskDefinition, {
    createdAt: iso(world.now),
    desiredCount: world.service.desiredCount,
  });
  world.service = withPrimaryDeployment(world.service, next, iso(world.now));
};

/** A blue/green deploy (10 min bake) passed until it bakes, all production on GREEN. */
const atBakeTime = (): World => {
  const world = new World({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 });
  for (let i = 0; i < 10 && world.primary.trafficShift?.stage !== 'BAKE_TIME'; i++) {
    world.pass();
    world.now += MIN;
  }
  expect(world.share()).toBe(100);
  return world;
};

/** Runs dep-3 to COMPLETED: production stays on GREEN until dep-3 is in BLUE, then all goes to BLUE. */
const completesInBlueKeepingProduction = (world: World): void => {
  world.run(30, (w) => {
    const inBlue = w
      .live('dep-3')
      .some((t) => t.targets?.registered.some((target) => target.targetGroupArn === BLUE));
    if (!inBlue) expect(w.share()).toBe(100);
  });
  expect(world.primary).toMatchObject({ id: 'dep-3', rolloutState: 'COMPLETED' });
  expect(world.share()).toBe(0);
  expect(world.live('dep-3').map((t) => t.targets?.registered[0]?.targetGroupArn)).toEqual([BLUE, BLUE]);
  expect(world.live('dep-2')).toHaveLength(0);
  expect(servingTargetGroup(world.service, { targetGroupArn: BLUE })).toBe(BLUE);
};

describe('the serving groups after a shift reached CLEAN_UP', () => {
  // Fuzz seed 3158: the groups swapped only when a shift COMPLETED; a deploy made during the CLEAN_UP
  // before it shifted from the old, emptied group onto the one serving, and production went all to the
  // empty group until a rollback.
  it.each([
    ['BLUE_GREEN', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 }],
    [
      'CANARY',
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 } },
    ],
  ] as const)('%s: a deploy replacing it shifts from its group to the other one', (_name, config) => {
    const world = atCleanUp(config as Partial<DeploymentConfiguration>);
    deploy(world, 'dep-3', 'web:3');
    expect(world.primary.trafficShift?.routes).toMatchObject([
      { targetGroupArn: BLUE, from: GREEN, to: BLUE },
    ]);
    const sharesBefore = world.shares.length;
    world.run(30, (w) => {
      // Production stays on dep-2's tasks until dep-3's serve, then leaves them for good.
      if (w.live('dep-3').some((t) => t.targets === undefined)) expect(w.share()).toBe(100);
    });
    expect(world.primary).toMatchObject({ id: 'dep-3', rolloutState: 'COMPLETED' });
    expect(world.shares.slice(sharesBefore).at(-1)).toBe(0);
    expect(world.live('dep-3').map((t) => t.targets?.registered[0]?.targetGroupArn)).toEqual([BLUE, BLUE]);
    expect(world.live('dep-2')).toHaveLength(0);
    expect(world.share(TEST)).toBe(0);
    expect(servingTargetGroup(world.service, { targetGroupArn: BLUE })).toBe(BLUE);
  });

  it('a rollback from CLEAN_UP serves from the old groups again', () => {
    const world = atCleanUp({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 });
    world.service = {
      ...world.service,
      deployments: world.service.deployments.map((d) =>
        d.id === 'dep-2' ? { ...d, stopRequested: { stopType: 'ROLLBACK', at: iso(world.now) } } : d,
      ),
    };
    world.run(30);
    expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', rolloutState: 'COMPLETED' });
    expect(servingTargetGroup(world.service, { targetGroupArn: BLUE })).toBe(BLUE);
    expect(world.share()).toBe(0);
    expect(world.live(world.primary.id).map((t) => t.targets?.registered[0]?.targetGroupArn)).toEqual([
      BLUE,
      BLUE,
    ]);
  });

  // Fuzz seed 3192: a deploy replaced a shift that had moved production to GREEN but not yet reached
  // CLEAN_UP, so the record still named BLUE, where nothing served any more (its revision's tasks were
  // gone). The new deploy shifted from BLUE and sent all production there, away from GREEN's healthy tasks.
  it('a deploy replacing a shift before CLEAN_UP starts in the group production is not on', () => {
    const world = atBakeTime();
    world.die('dep-1');
    deploy(world, 'dep-3', 'web:3');
    expect(world.primary.trafficShift?.routes).toMatchObject([{ from: BLUE, to: GREEN }]);
    const first = world.pass();
    world.now += MIN;
    expect(world.primary.trafficShift?.routes).toMatchObject([{ from: GREEN, to: BLUE }]);
    expect(first.events.join('\n')).toContain(
      'production is on web-green, so the new revision starts in web.',
    );
    completesInBlueKeepingProduction(world);
  });

  // Fuzz seed 3192 at 60 minutes: a shift ABORTed at CLEAN_UP and then replaced was marked ROLLBACK, as if
  // production had gone back; its rollback hooks would run, and the fuzzer expected production off its
  // group, where the newer deploy rightly kept it until its own tasks served.
  it('a shift failed without rollback keeps its stage when a newer deploy replaces it', () => {
    const world = new World({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 2 },
      bakeTimeInMinutes: 5,
      lifecycleHooks: [
        {
          hookTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:check',
          lifecycleStages: ['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT'],
        },
      ],
    });
    world.respond = () => ({ hookStatus: 'SUCCEEDED' });
    for (let i = 0; i < 10 && world.share() !== 10; i++) {
      world.pass();
      world.now += MIN;
    }
    expect(world.share()).toBe(10);
    world.service = {
      ...world.service,
      deployments: world.service.deployments.map((d) =>
        d.id === 'dep-2' ? { ...d, stopRequested: { stopType: 'ABORT', at: iso(world.now) } } : d,
      ),
    };
    world.pass();
    world.now += MIN;
    const dep2 = () => world.service.deployments.find((d) => d.id === 'dep-2');
    expect(dep2()).toMatchObject({ rolloutState: 'FAILED' });
    deploy(world, 'dep-3', 'web:3');
    const calls = world.hookCalls.length;
    world.run(30);
    expect(world.primary).toMatchObject({ id: 'dep-3', rolloutState: 'COMPLETED' });
    expect(dep2()?.trafficShift).toMatchObject({ stage: 'PRODUCTION_TRAFFIC_SHIFT', productionPercent: 10 });
    // dep-3's own: test traffic, then each production step (10 %, 100 %); no rollback call for dep-2.
    expect(world.hookCalls.slice(calls).map((call) => call.lifecycleStage)).toEqual([
      'TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
    ]);
  });

  // Replaced at BAKE_TIME, production was all on dep-2's GREEN while dep-1 still ran in BLUE: the next
  // deploy shifted from BLUE (the record), taking production back to the older revision at once.
  it('a deploy replacing a shift at BAKE_TIME keeps production on the revision it was on', () => {
    const world = atBakeTime();
    expect(world.live('dep-1')).toHaveLength(2);
    deploy(world, 'dep-3', 'web:3');
    completesInBlueKeepingProduction(world);
    expect(world.live('dep-1')).toHaveLength(0);
  });
});

/**
 * Approval holds and stop requests in the planner, over the small world of traffic-shift.test.ts: a
 * shift waits before leaving its approval's stage until continued or timed out; a stop request fails
 * the PRIMARY, rolling it back or leaving it where it is.
 */
import { describe, expect, it } from 'vitest';
import type { ApprovalConfiguration, Deployment, StopRequest } from '../../../../lib/domain';
import { S } from '../../../support/plan';
import { BLUE, MIN, slowReadyCanaryAt10Percent, TEST, World } from '../../../support/traffic-world';

const canary = (approval: ApprovalConfiguration) =>
  new World({
    strategy: 'CANARY',
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 2 },
    bakeTimeInMinutes: 3,
    approval,
  });

const dep2 = (world: World): Deployment =>
  world.service.deployments.find((d) => d.id === 'dep-2') as Deployment;

/** Records the continue the API would: the hold is over. */
const continueIt = (world: World): void => {
  world.service = {
    ...world.service,
    deployments: world.service.deployments.map((d) =>
      d.id === 'dep-2' && d.trafficShift?.approval
        ? {
            ...d,
            trafficShift: {
              ...d.trafficShift,
              approval: { ...d.trafficShift.approval, continuedAt: new Date(world.now).toISOString() },
            },
          }
        : d,
    ),
  };
};

const requestStop = (world: World, stopType: StopRequest['stopType']): void => {
  world.service = {
    ...world.service,
    deployments: world.service.deployments.map((d) =>
      d.id === 'dep-2'
        ? { ...d, stopRequested: { stopType, at: new Date(world.now).toISOString(), principal: 'ops' } }
        : d,
    ),
  };
};

describe('approval', () => {
  it('holds a canary at its step after the canary bake until continued, then completes', () => {
    const world = canary({ stage: 'PRODUCTION_TRAFFIC_SHIFT', timeoutMinutes: 60 });
    const events: string[] = [];
    world.run(30, (w) => events.push(...(w.last?.events ?? [])));
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'IN_PROGRESS' });
    expect(world.share()).toBe(10);
    expect(dep2(world).trafficShift?.approval?.pausedAt).toBeDefined();
    expect(events.filter((e) => e.includes('awaiting approval'))).toEqual([
      'service web deployment dep-2 paused at PRODUCTION_TRAFFIC_SHIFT with 10% of production traffic, awaiting approval (POST .../continue).',
    ]);
    expect(world.last?.actions).toContainEqual(
      expect.objectContaining({
        type: 'hold',
        deploymentId: 'dep-2',
        reason: expect.stringContaining('awaits approval'),
      }),
    );
    continueIt(world);
    world.run();
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'COMPLETED' });
    expect(world.shares).toEqual([10, 100]);
  });

  it('at TEST_TRAFFIC_SHIFT holds with test traffic on green and no production', () => {
    const world = canary({ stage: 'TEST_TRAFFIC_SHIFT' });
    world.run(20);
    expect(dep2(world).trafficShift?.stage).toBe('TEST_TRAFFIC_SHIFT');
    expect(world.share(TEST)).toBe(100);
    expect(world.share()).toBe(0);
  });

  it('at BAKE_TIME holds after the bake with the old tasks still up', () => {
    const world = canary({ stage: 'BAKE_TIME' });
    world.run(30);
    expect(dep2(world).trafficShift?.stage).toBe('BAKE_TIME');
    expect(world.share()).toBe(100);
    expect(world.live('dep-1')).toHaveLength(2);
  });

  it('rolls back when nobody continues it in time (onTimeout ROLLBACK, the default)', () => {
    const world = canary({ stage: 'PRODUCTION_TRAFFIC_SHIFT', timeoutMinutes: 5 });
    world.run(30);
    expect(dep2(world)).toMatchObject({
      rolloutState: 'FAILED',
      rolloutStateReason: 'nobody approved it within 5 minutes (onTimeout ROLLBACK).',
      trafficShift: { stage: 'ROLLBACK', productionPercent: 0 },
    });
    expect(world.primary.rollbackOf).toBe('dep-2');
    expect(world.share()).toBe(0);
  });

  it('goes on when nobody continues it in time with onTimeout CONTINUE', () => {
    const world = canary({ stage: 'PRODUCTION_TRAFFIC_SHIFT', timeoutMinutes: 5, onTimeout: 'CONTINUE' });
    world.run(60);
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'COMPLETED' });
    expect(dep2(world).trafficShift?.approval?.continuedAt).toBeDefined();
  });
});

describe('stop requests', () => {
  const paused = () => {
    const world = canary({ stage: 'PRODUCTION_TRAFFIC_SHIFT' });
    world.run(20);
    expect(world.share()).toBe(10);
    return world;
  };

  it('ROLLBACK returns production to blue and a rollback deployment adopts the blue tasks', () => {
    const world = paused();
    requestStop(world, 'ROLLBACK');
    world.pass();
    expect(dep2(world)).toMatchObject({
      rolloutState: 'FAILED',
      rolloutStateReason: 'stopped with rollback by ops.',
      trafficShift: { stage: 'ROLLBACK' },
    });
    expect(world.share()).toBe(0);
    for (let i = 0; i < 5; i++) {
      world.now += MIN;
      world.pass();
    }
    expect(world.live('dep-2')).toHaveLength(0);
    expect(
      world.tasks.filter(
        (t) => t.targets?.registered[0]?.targetGroupArn === BLUE && t.desiredStatus === 'RUNNING',
      ),
    ).toHaveLength(2);
  });

  it('ABORT fails it where it is: the weights stay and both fleets keep running', () => {
    const world = paused();
    requestStop(world, 'ABORT');
    for (let i = 0; i < 4; i++) {
      world.pass();
      world.now += MIN;
    }
    expect(world.primary).toMatchObject({
      id: 'dep-2',
      rolloutState: 'FAILED',
      rolloutStateReason: 'stopped where it was (ABORT) by ops.',
    });
    expect(world.share()).toBe(10);
    expect(world.live('dep-1')).toHaveLength(2);
    expect(world.live('dep-2')).toHaveLength(2);
  });

  it('ROLLBACK of a rolling deployment rolls back as the circuit breaker does', () => {
    const world = new World({});
    world.service = {
      ...world.service,
      deployments: world.service.deployments.map(({ trafficShift: _t, ...d }) => d),
    };
    world.pass();
    requestStop(world, 'ROLLBACK');
    world.pass();
    expect(dep2(world)).toMatchObject({ rolloutState: 'FAILED', status: 'ACTIVE' });
    expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', taskDefinition: 'web:1' });
  });
});

describe('after an ABORT, production never forwards to a group with nothing healthy (fuzz seed 1)', () => {
  it('an aborted green fleet that dies out sends production back to blue', () => {
    const world = canary({ stage: 'BAKE_TIME' });
    world.run(30);
    expect(world.share()).toBe(100);
    requestStop(world, 'ABORT');
    world.pass();
    // Seed 1 emptied the green fleet with a scale-in (before each fleet was scaled in alike, seed 291);
    // its tasks dying does the same, and a FAILED deployment launches no replacement.
    world.die('dep-2');
    for (let i = 0; i < 4; i++) {
      world.now += MIN;
      world.pass();
    }
    expect(dep2(world).rolloutState).toBe('FAILED');
    expect(world.live('dep-2')).toHaveLength(0);
    expect(world.live('dep-1').length).toBeGreaterThan(0);
    expect(world.share()).toBe(0);
    expect(world.share(TEST)).toBe(0);
  });

  it('a lowered desired count after an ABORT scales both fleets in, and production stays where it was', () => {
    const world = canary({ stage: 'BAKE_TIME' });
    world.run(30);
    requestStop(world, 'ABORT');
    world.pass();
    world.service = { ...world.service, desiredCount: 1 };
    for (let i = 0; i < 4; i++) {
      world.now += MIN;
      world.pass();
    }
    expect(world.live('dep-1')).toHaveLength(1);
    expect(world.live('dep-2')).toHaveLength(1);
    expect(world.share()).toBe(100);
  });

  it('an ABORT before any traffic moved, the old fleet gone, sends production and test traffic to the group that serves (seed 492)', () => {
    const world = canary({ stage: 'BAKE_TIME' });
    world.die('dep-1');
    world.pass(); // launches the new fleet
    world.now += MIN;
    world.pass(); // registers it
    world.now += MIN;
    requestStop(world, 'ABORT');
    for (let i = 0; i < 3; i++) {
      world.pass();
      world.now += MIN;
    }
    expect(dep2(world)).toMatchObject({ rolloutState: 'FAILED', trafficShift: { stage: 'SCALE_UP' } });
    expect(world.live('dep-2')).toHaveLength(2);
    expect(world.share()).toBe(100);
    expect(world.share(TEST)).toBe(100);
  });

  // Seed 542: a ROLLBACK to a revision whose tasks were all gone sent production at once to its empty
  // group, while the group it left had healthy tasks, until the rollback's own tasks were up.
  it('a rollback to a revision with no task left keeps traffic where it is served until its tasks are', () => {
    const world = canary({ stage: 'BAKE_TIME' });
    for (let i = 0; i < 6 && world.share() !== 10; i++) {
      world.pass();
      world.now += MIN;
    }
    world.die('dep-1');
    requestStop(world, 'ROLLBACK');
    world.pass();
    expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', taskDefinition: 'web:1' });
    expect(world.share()).toBe(100);
    expect(world.share(TEST)).toBe(100);
    const shares: number[] = [];
    for (let i = 0; i < 6; i++) {
      world.now += MIN;
      world.pass();
      shares.push(world.share());
    }
    expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', rolloutState: 'COMPLETED' });
    // Back on blue once the rollback's tasks serve there, and for good.
    expect(shares.at(-1)).toBe(0);
    expect(shares.slice(shares.indexOf(0))).toEqual(shares.slice(shares.indexOf(0)).map(() => 0));
    expect(world.share(TEST)).toBe(0);
  });

  // Seed 845: the same, but the rollback's tasks had minReadySeconds to wait out: production stayed on
  // the failed group while the load balancer already called the rollback's targets healthy.
  it('a rollback takes production back once the load balancer calls its targets healthy, not after minReadySeconds', () => {
    const world = slowReadyCanaryAt10Percent();
    expect(world.share()).toBe(10);
    world.die('dep-1');
    requestStop(world, 'ROLLBACK');
    world.pass();
    expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', taskDefinition: 'web:1' });
    expect(world.share()).toBe(100);
    // Passes 10 s apart: the rollback's tasks launch, register (healthy at once here), and serve.
    const shares: number[] = [];
    for (let i = 0; i < 4; i++) {
      world.now += 10 * S;
      world.pass();
      shares.push(world.share());
    }
    expect(shares).toContain(0);
    // Well inside the rollback tasks' minReadySeconds (120 s), which pace the rollout, not the traffic.
    expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', rolloutState: 'IN_PROGRESS' });
  });
});

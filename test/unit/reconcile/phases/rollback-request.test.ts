/**
 * A rollback asked for through the API (POST .../rollback, a deploy with `rollback`) during a traffic
 * shift, over the small world of traffic-shift.test.ts: the service's strategy is CANARY, and the
 * revision rolled back to still runs in the serving group.
 */
import { describe, expect, it } from 'vitest';
import { withPrimaryDeployment } from '../../../../lib/use-cases/service-deployments';
import { deployment, iso } from '../../../support/plan';
import { MIN, TEST, World } from '../../../support/traffic-world';

const rollBackTo = (world: World, taskDefinition: string, adoptsTasksOf?: string): void => {
  const rollback = deployment('dep-3', taskDefinition, {
    createdAt: iso(world.now),
    desiredCount: world.service.desiredCount,
    ...(adoptsTasksOf ? { adoptsTasksOf } : {}),
  });
  world.service = withPrimaryDeployment(world.service, rollback, iso(world.now));
};

describe('a rollback requested during a traffic shift', () => {
  // Seed 532: the rollback got a CANARY shift of its own, from the serving group to the other one, while
  // the tasks it adopted serve in the serving group: test traffic went all to the empty group, and
  // production 5 % to it, and the shift could never finish.
  it('adopting the serving tasks goes back at once, with no shift of its own', () => {
    const world = new World({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
    });
    for (let i = 0; i < 6 && world.share() !== 10; i++) {
      world.pass();
      world.now += MIN;
    }
    expect(world.share()).toBe(10);
    rollBackTo(world, 'web:1', 'dep-1');
    expect(world.primary).toMatchObject({ id: 'dep-3', adoptsTasksOf: 'dep-1' });
    expect(world.primary.trafficShift).toBeUndefined();
    world.pass();
    expect(world.share()).toBe(0);
    expect(world.share(TEST)).toBe(0);
    world.run(10);
    expect(world.primary).toMatchObject({ id: 'dep-3', rolloutState: 'COMPLETED' });
    expect(world.live('dep-2')).toHaveLength(0);
    expect(world.share()).toBe(0);
  });

  it('to a revision with no task left shifts as any deployment does', () => {
    const world = new World({ strategy: 'CANARY' });
    rollBackTo(world, 'web:0');
    expect(world.primary.trafficShift).toMatchObject({ strategy: 'CANARY', stage: 'SCALE_UP' });
  });
});

/**
 * Deployment alarms during a traffic shift (from the first production shift to the end of bake time),
 * and the rules' weights when no shift is under way; over the same small world as traffic-shift.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../../lib/domain';
import { wakeDelay } from '../../../../lib/reconcile/pass/wake';
import type { PlanResult } from '../../../../lib/reconcile/plan/types';
import { BLUE, GREEN, MIN, PROD, TEST, World } from '../../../support/traffic-world';

describe('alarms', () => {
  const alarmed = (rollback: boolean) =>
    new World({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 2 },
      bakeTimeInMinutes: 5,
      alarms: { alarmNames: ['web-5xx', 'web-p99'], enable: true, rollback },
    });

  // Seed 503: the old revision never served (its tasks crashed), and the alarm's rollback set the stage
  // to ROLLBACK with nothing to roll back to: production went all to the empty old group.
  it('with nothing to roll back to, fails in place and sends production to the group that serves', () => {
    const world = alarmed(true);
    world.die('dep-1');
    world.service = {
      ...world.service,
      deployments: world.service.deployments.map((d) =>
        d.id === 'dep-1' ? { ...d, status: 'INACTIVE', rolloutState: 'FAILED' } : d,
      ),
    };
    const events: string[] = [];
    world.run(60, (w) => {
      events.push(...(w.last?.events ?? []));
      if (w.share() === 20) w.alarms = { 'web-5xx': { state: 'ALARM', reason: 'Threshold Crossed' } };
    });
    for (let i = 0; i < 2; i++) {
      world.now += MIN;
      world.pass();
    }
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'FAILED' });
    expect(events).toContainEqual(expect.stringContaining('no COMPLETED deployment to roll back to'));
    expect(world.primary.trafficShift?.stage).not.toBe('ROLLBACK');
    expect(world.live('dep-2')).toHaveLength(2);
    expect(world.share()).toBe(100);
  });

  it('ignores an alarm before the first production shift', () => {
    const world = alarmed(true);
    world.alarms = { 'web-p99': { state: 'ALARM', reason: 'Threshold Crossed' } };
    world.pass();
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'IN_PROGRESS' });
  });

  it.each([
    ['during a production step', (w: World) => w.share() === 40],
    ['during bake time', (w: World) => w.primary.trafficShift?.stage === 'BAKE_TIME'],
  ])(
    'rolls back %s: production back to blue at once, the new tasks drain, FAILED naming the alarm',
    (_when, trigger) => {
      const world = alarmed(true);
      let fired = false;
      world.run(60, (w) => {
        if (!fired && trigger(w)) {
          fired = true;
          w.alarms = { 'web-p99': { state: 'ALARM', reason: 'Threshold Crossed: 3 datapoints > 500' } };
        }
      });
      const failed = world.service.deployments.find((d) => d.id === 'dep-2') as Deployment;
      expect(failed).toMatchObject({
        rolloutState: 'FAILED',
        rolloutStateReason: 'CloudWatch alarm web-p99 is in ALARM: Threshold Crossed: 3 datapoints > 500.',
        trafficShift: { stage: 'ROLLBACK', productionPercent: 0 },
      });
      expect(world.last?.events).toBeDefined();
      expect(world.share()).toBe(0);
      expect(world.share(TEST)).toBe(0);
      for (let i = 0; i < 5; i++) {
        world.now += MIN;
        world.pass();
      }
      expect(world.live('dep-2')).toHaveLength(0);
      // The rollback deployment adopted the blue tasks: none was stopped or launched again.
      expect(world.primary.rollbackOf).toBe('dep-2');
      expect(
        world.tasks.filter(
          (t) => t.targets?.registered[0]?.targetGroupArn === BLUE && t.desiredStatus === 'RUNNING',
        ),
      ).toHaveLength(2);
      expect(world.service.servingTargetGroups).toBeUndefined();
    },
  );

  it('rolls back to the fleet serving production even when its own rollout never completed', () => {
    // The first deployment was superseded while IN_PROGRESS (minReadySeconds not yet over): its tasks
    // serve production all the same, and stopping them would leave production forwarding to nothing.
    const world = alarmed(true);
    const old = world.service.deployments.find((d) => d.id === 'dep-1') as Deployment;
    old.rolloutState = 'STOPPED';
    world.run(60, (w) => {
      if (w.share() === 40) w.alarms = { 'web-5xx': { state: 'ALARM', reason: 'Threshold Crossed' } };
    });
    for (let i = 0; i < 5; i++) {
      world.now += MIN;
      world.pass();
    }
    expect(world.share()).toBe(0);
    expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', taskDefinition: 'web:1' });
    expect(
      world.tasks.filter(
        (t) => t.targets?.registered[0]?.targetGroupArn === BLUE && t.desiredStatus === 'RUNNING',
      ),
    ).toHaveLength(2);
  });

  it('says the alarm in a service event', () => {
    const world = alarmed(true);
    const events: string[] = [];
    world.run(60, (w) => {
      events.push(...(w.last?.events ?? []));
      if (w.share() === 20) w.alarms = { 'web-5xx': { state: 'ALARM', reason: 'Threshold Crossed' } };
    });
    expect(events).toContain(
      'service web deployment dep-2 failed: CloudWatch alarm web-5xx is in ALARM: Threshold Crossed.',
    );
  });

  it('without rollback fails the deployment and leaves traffic and both fleets where they are', () => {
    const world = alarmed(false);
    world.run(60, (w) => {
      if (w.share() === 40) w.alarms = { 'web-5xx': { state: 'ALARM' } };
    });
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'FAILED' });
    for (let i = 0; i < 3; i++) {
      world.now += MIN;
      world.pass();
    }
    expect(world.share()).toBe(40);
    expect(world.live('dep-1')).toHaveLength(2);
    expect(world.live('dep-2')).toHaveLength(2);
  });

  it('wakes within a minute while it watches its alarms, though its bake runs for minutes', () => {
    const world = alarmed(true);
    let baking = 0;
    for (let i = 0; i < 60 && world.primary.rolloutState === 'IN_PROGRESS'; i++) {
      world.now += MIN / 2;
      world.pass();
      const stage = world.primary.trafficShift?.stage;
      if (stage !== 'BAKE_TIME' && stage !== 'PRODUCTION_TRAFFIC_SHIFT') continue;
      baking++;
      const wake = wakeDelay(world.service, world.last as PlanResult, world.now);
      expect(wake, `${stage} at ${new Date(world.now).toISOString()}`).toBeLessThanOrEqual(MIN);
    }
    // Two-minute steps and a five-minute bake: many passes watched.
    expect(baking).toBeGreaterThan(10);
  });

  it('an alarm in OK or INSUFFICIENT_DATA lets it complete', () => {
    const world = alarmed(true);
    world.alarms = { 'web-5xx': { state: 'OK' }, 'web-p99': { state: 'INSUFFICIENT_DATA' } };
    world.run();
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'COMPLETED' });
  });
});

describe('rules with no shift under way', () => {
  it('a rolling service with advancedConfiguration keeps its production rule on the serving group', () => {
    const world = new World({});
    world.service = {
      ...world.service,
      deployments: world.service.deployments.map(({ trafficShift: _t, ...d }) => d),
      servingTargetGroups: { [BLUE]: GREEN },
    };
    // Its tasks serve in the serving group (a rule never goes all to a group with none while the other has).
    for (const t of world.tasks) if (t.targets) t.targets.registered = [{ targetGroupArn: GREEN, port: 80 }];
    world.rules[PROD] = { [BLUE]: 500, [GREEN]: 500 };
    const result = world.pass();
    expect(result.actions).toContainEqual(
      expect.objectContaining({
        type: 'set-traffic',
        listenerRule: PROD,
        weights: [
          { targetGroupArn: GREEN, weight: 1 },
          { targetGroupArn: BLUE, weight: 0 },
        ],
      }),
    );
  });

  it('a service without advancedConfiguration gets no set-traffic at all', () => {
    const world = new World({});
    world.service = {
      ...world.service,
      loadBalancers: [{ targetGroupArn: BLUE, containerName: 'web', containerPort: 80 }],
      deployments: world.service.deployments.map(({ trafficShift: _t, ...d }) => d),
    };
    world.rules[PROD] = { [BLUE]: 500, [GREEN]: 500 };
    expect(world.pass().actions.filter((a) => a.type === 'set-traffic')).toEqual([]);
  });
});

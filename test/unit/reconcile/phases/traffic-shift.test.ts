/**
 * The traffic-shift phases, pass after pass over a small world: ECS launches and stops what the plan
 * says, every registered target turns healthy, and ELB's listener rules forward as the last ModifyRule
 * set them (or as a test sets them behind the planner's back). Each table row is a strategy and the
 * production percentages its rule must show, in order.
 */
import { describe, expect, it } from 'vitest';
import type { Deployment, DeploymentConfiguration, Service, TrafficShift } from '../../../../lib/domain';
import { newTrafficShift } from '../../../../lib/domain';
import { plan } from '../../../../lib/reconcile/plan/plan';
import type { AlarmState, ObservedTask, PlanResult } from '../../../../lib/reconcile/plan/types';
import { deployment, deploymentConfiguration, iso, S, service, T0 } from '../../../support/plan';

const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/00000000000000b1';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-green/00000000000000e1';
const PROD =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a1/00000000000000c1';
const TEST =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a2/00000000000000c2';
const MIN = 60 * S;

class World {
  service: Service;
  tasks: ObservedTask[] = [];
  rules: Record<string, Record<string, number>> = {
    [PROD]: { [BLUE]: 1, [GREEN]: 0 },
    [TEST]: { [BLUE]: 1 },
  };
  alarms: Record<string, { state: AlarmState; reason?: string }> = {};
  now = T0;
  /** The production share of GREEN after each pass that changed it. */
  shares: number[] = [];
  last?: PlanResult;
  private serial = 0;

  constructor(config: Partial<DeploymentConfiguration>, test = true) {
    const advancedConfiguration = {
      alternateTargetGroupArn: GREEN,
      productionListenerRule: PROD,
      ...(test ? { testListenerRule: TEST } : {}),
    };
    const old = deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED', desiredCount: 2 });
    const base = service({
      desiredCount: 2,
      loadBalancers: [
        { targetGroupArn: BLUE, containerName: 'web', containerPort: 80, advancedConfiguration },
      ],
      deploymentConfiguration: deploymentConfiguration(config),
      deployments: [old],
    });
    for (let i = 0; i < 2; i++) this.launch('dep-1', BLUE);
    const next = deployment('dep-2', 'web:2', { createdAt: iso(T0 + 1) });
    const trafficShift = newTrafficShift(base, iso(T0)) as TrafficShift;
    this.service = {
      ...base,
      taskDefinition: 'web:2',
      deployments: [
        { ...next, trafficShift },
        { ...old, status: 'ACTIVE' },
      ],
    };
  }

  private launch(deploymentId: string, registeredIn?: string): ObservedTask {
    const n = ++this.serial;
    const t: ObservedTask = {
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${deploymentId}-${n}`,
      deploymentId,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      createdAt: this.now,
      startedAt: this.now,
      privateIpv4Address: `10.0.0.${n}`,
      ...(registeredIn
        ? { targets: { registered: [{ targetGroupArn: registeredIn, port: 80 }], healthyAt: this.now } }
        : {}),
    };
    this.tasks.push(t);
    return t;
  }

  get primary(): Deployment {
    return this.service.deployments.find((d) => d.status === 'PRIMARY') as Deployment;
  }
  share(rule = PROD): number {
    const weights = this.rules[rule] ?? {};
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    return Math.round(((weights[GREEN] ?? 0) * 1000) / total) / 10;
  }
  live(deploymentId: string): ObservedTask[] {
    return this.tasks.filter((t) => t.deploymentId === deploymentId && t.desiredStatus === 'RUNNING');
  }

  pass(): PlanResult {
    const targetHealth: Record<string, { id: string; port: number; state: 'healthy' }[]> = {
      [BLUE]: [],
      [GREEN]: [],
    };
    for (const t of this.tasks) {
      if (t.desiredStatus !== 'RUNNING' || t.targets?.drain) continue;
      for (const target of t.targets?.registered ?? [])
        targetHealth[target.targetGroupArn]?.push({
          id: t.privateIpv4Address ?? '',
          port: 80,
          state: 'healthy',
        });
    }
    const result = plan({
      service: this.service,
      observedTasks: this.tasks,
      taskDefinitions: {},
      now: this.now,
      loadBalancing: { targetHealth, deregistrationDelaySeconds: { [BLUE]: 0, [GREEN]: 0 } },
      traffic: { rules: this.rules, alarms: this.alarms },
    });
    const before = this.share();
    for (const action of result.actions) {
      if (action.type === 'launch') for (let i = 0; i < action.count; i++) this.launch(action.deploymentId);
      if (action.type === 'register-targets') {
        const t = this.tasks.find((x) => x.taskArn === action.taskArn) as ObservedTask;
        t.targets = {
          registered: action.targets.map(({ targetGroupArn, port }) => ({ targetGroupArn, port })),
          healthyAt: this.now,
        };
      }
      if (action.type === 'deregister-targets' && action.drain && action.taskArn) {
        const t = this.tasks.find((x) => x.taskArn === action.taskArn) as ObservedTask;
        t.targets = {
          registered: t.targets?.registered ?? [],
          drain: { deregisteredAt: this.now, ...action.drain },
        };
      }
      if (action.type === 'stop') {
        const t = this.tasks.find((x) => x.taskArn === action.taskArn) as ObservedTask;
        Object.assign(t, {
          desiredStatus: 'STOPPED',
          lastStatus: 'STOPPED',
          stopCode: 'ServiceSchedulerInitiated',
          stoppedAt: this.now,
        });
      }
      if (action.type === 'set-traffic')
        this.rules[action.listenerRule] = Object.fromEntries(
          action.weights.map((w) => [w.targetGroupArn, w.weight]),
        );
    }
    if (this.share() !== before) this.shares.push(this.share());
    this.service = {
      ...this.service,
      taskDefinition: result.taskDefinition,
      deployments: result.deployments,
      ...(result.servingTargetGroups ? { servingTargetGroups: result.servingTargetGroups } : {}),
    };
    this.last = result;
    return result;
  }

  /** Passes, a minute apart, until the PRIMARY is no longer IN_PROGRESS (or `limit` minutes). */
  run(limit = 120, each?: (world: World) => void): void {
    for (let i = 0; i < limit && this.primary.rolloutState === 'IN_PROGRESS'; i++) {
      this.pass();
      each?.(this);
      this.now += MIN;
    }
  }
}

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

describe('alarms', () => {
  const alarmed = (rollback: boolean) =>
    new World({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 2 },
      bakeTimeInMinutes: 5,
      alarms: { alarmNames: ['web-5xx', 'web-p99'], enable: true, rollback },
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

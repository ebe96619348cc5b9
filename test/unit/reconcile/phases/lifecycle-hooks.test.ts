/**
 * Lifecycle hooks in the planner, over the small world of traffic-shift.test.ts (each pass calls the
 * PRIMARY's due hook first, as the pass does): every stage's hook runs once, in ECS's order; SUCCEEDED
 * moves on, FAILED and a failed call roll back, IN_PROGRESS calls again after callBackDelay until the
 * timeout; stages the strategy lacks are never reached.
 */
import { describe, expect, it } from 'vitest';
import type {
  Deployment,
  DeploymentConfiguration,
  HookAnswer,
  HookExecution,
  LifecycleHook,
  LifecycleHookStage,
} from '../../../../lib/domain';
import { LIFECYCLE_HOOK_STAGES } from '../../../../lib/domain';
import { MIN, TEST, World } from '../../../support/traffic-world';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:check';

const canary = (hooks: LifecycleHook[], config: Partial<DeploymentConfiguration> = {}, test = true) =>
  new World(
    {
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 2 },
      bakeTimeInMinutes: 1,
      lifecycleHooks: hooks,
      ...config,
    },
    test,
  );

const dep2 = (world: World): Deployment =>
  world.service.deployments.find((d) => d.id === 'dep-2') as Deployment;

const answer = (hookStatus: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS', callBackDelay?: number): HookAnswer => ({
  hookStatus,
  ...(callBackDelay === undefined ? {} : { callBackDelay }),
});

describe('lifecycle hooks', () => {
  it('calls a hook at every stage in ECS order, each step of production once, and completes', () => {
    const world = canary([{ hookTargetArn: FN, lifecycleStages: [...LIFECYCLE_HOOK_STAGES] }]);
    world.respond = () => answer('SUCCEEDED');
    world.run(60);
    expect(world.primary).toMatchObject({ id: 'dep-2', rolloutState: 'COMPLETED' });
    // RECONCILE_SERVICE only with more than one deployment ACTIVE when it started: not here.
    expect(world.hookCalls.map((call) => call.lifecycleStage)).toEqual([
      'PRE_SCALE_UP',
      'POST_SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT',
      'PRE_PRODUCTION_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
    ]);
    expect(new Set(world.hookCalls.map((call) => call.executionId)).size).toBe(8);
  });

  it('starts no new task before PRE_SCALE_UP passed', () => {
    const world = canary([{ hookTargetArn: FN, lifecycleStages: ['PRE_SCALE_UP'] }]);
    world.respond = () => answer('IN_PROGRESS', 60);
    for (let i = 0; i < 5; i++) {
      world.pass();
      world.now += MIN;
    }
    expect(world.live('dep-2')).toHaveLength(0);
    expect(world.hookCalls).toHaveLength(4);
    expect(dep2(world).trafficShift?.hook).toMatchObject({ lifecycleStage: 'PRE_SCALE_UP', invocations: 4 });
    world.respond = () => answer('SUCCEEDED');
    world.pass();
    expect(world.live('dep-2')).toHaveLength(2);
  });

  it.each<[string, HookAnswer, string]>([
    ['FAILED', answer('FAILED'), 'answered FAILED (call 1)'],
    ['a failed call', { error: 'HTTP 500' }, 'failed to answer (call 1): HTTP 500'],
  ])('%s at PRODUCTION_TRAFFIC_SHIFT rolls back with the hook and stage in the reason', (_, reply, said) => {
    const world = canary([{ hookTargetArn: FN, lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }]);
    world.respond = () => reply;
    const events: string[] = [];
    world.run(30, (w) => events.push(...(w.last?.events ?? [])));
    const failed = dep2(world);
    const reason = `lifecycle hook ${FN} at PRODUCTION_TRAFFIC_SHIFT ${said}`;
    expect(failed).toMatchObject({ rolloutState: 'FAILED', rolloutStateReason: `${reason}.` });
    expect(world.primary.rollbackOf).toBe('dep-2');
    expect(world.share()).toBe(0);
    expect(events).toContain(`service web deployment dep-2 failed: ${reason}.`);
  });

  it('IN_PROGRESS calls again after callBackDelay (default 30 s), passing back hookDetails, then SUCCEEDED moves on', () => {
    const world = canary([
      { hookTargetArn: FN, lifecycleStages: ['POST_SCALE_UP'], hookDetails: { bucket: 'b' } },
    ]);
    const replies: HookAnswer[] = [
      { hookStatus: 'IN_PROGRESS', hookDetails: { step: 1 } },
      answer('IN_PROGRESS', 180),
      answer('SUCCEEDED'),
    ];
    world.respond = () => replies.shift() as HookAnswer;
    const callTimes: number[] = [];
    const seen: unknown[] = [];
    for (let i = 0; i < 12 && world.hookCalls.length < 3; i++) {
      const before = world.hookCalls.length;
      world.pass();
      if (world.hookCalls.length > before) {
        callTimes.push(world.now);
        seen.push(world.hookCalls.at(-1)?.hookDetails);
      }
      world.now += MIN;
    }
    const [first = 0, second = 0, third = 0] = callTimes;
    expect(second - first).toBe(MIN); // 30 s default: due by the next minute's pass
    expect(third - second).toBe(3 * MIN); // callBackDelay 180
    expect(seen).toEqual([undefined, { step: 1 }, { step: 1 }]);
    expect(new Set(world.hookCalls.map((call) => call.executionId)).size).toBe(1);
    // Waiting for a hook is no lack of progress, and the stage moved on once it passed.
    expect(dep2(world).trafficShift?.stage).toBe('TEST_TRAFFIC_SHIFT');
    expect(dep2(world).lastProgressAt).toBe(new Date(third).toISOString());
  });

  it.each<[string, 'ROLLBACK' | 'CONTINUE' | undefined, string]>([
    ['rolls back at its timeout by default', undefined, 'FAILED'],
    ['continues at its timeout with action CONTINUE', 'CONTINUE', 'COMPLETED'],
  ])('an IN_PROGRESS hook %s', (_, action, outcome) => {
    const world = canary([
      {
        hookTargetArn: FN,
        lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'],
        timeoutConfiguration: { timeoutInMinutes: 5, ...(action ? { action } : {}) },
      },
    ]);
    world.respond = () => answer('IN_PROGRESS');
    world.run(60);
    expect(dep2(world).rolloutState).toBe(outcome);
    if (outcome === 'FAILED') {
      expect(dep2(world).rolloutStateReason).toBe(
        `lifecycle hook ${FN} at POST_PRODUCTION_TRAFFIC_SHIFT timed out after 5 minutes (action ROLLBACK).`,
      );
      expect(world.share()).toBe(0);
    } else expect(world.share()).toBe(100);
  });

  it.each<[LifecycleHookStage]>([['TEST_TRAFFIC_SHIFT'], ['POST_TEST_TRAFFIC_SHIFT'], ['RECONCILE_SERVICE']])(
    'never reaches %s without a test rule or a second ACTIVE deployment',
    (stage) => {
      const world = canary([{ hookTargetArn: FN, lifecycleStages: [stage] }], {}, false);
      world.respond = () => answer('FAILED');
      world.run(60);
      expect(world.hookCalls).toHaveLength(0);
      expect(dep2(world).rolloutState).toBe('COMPLETED');
      expect(world.share()).toBe(100);
    },
  );

  it('a pass that dies after the call (its write lost) leaves the call due: the next calls again, same executionId', () => {
    const world = canary([{ hookTargetArn: FN, lifecycleStages: ['PRE_SCALE_UP'] }]);
    world.respond = () => answer('SUCCEEDED');
    world.pass(); // the execution starts, due at once
    world.now += MIN;
    const stored = world.service;
    const tasks = [...world.tasks];
    world.pass(); // calls it...
    // ...and dies before its write (and so before the launches that come after it)
    world.service = stored;
    world.tasks = tasks;
    expect(world.live('dep-2')).toHaveLength(0);
    world.now += MIN;
    world.pass();
    expect(world.hookCalls).toHaveLength(2);
    expect(world.hookCalls[1]?.executionId).toBe(world.hookCalls[0]?.executionId);
    expect(world.live('dep-2')).toHaveLength(2);
  });

  it('calls two hooks of one stage one after the other, in list order', () => {
    const other = 'arn:aws:lambda:us-east-1:000000000000:function:other';
    const world = new World({
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 0,
      lifecycleHooks: [
        { hookTargetArn: FN, lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'] },
        { hookTargetArn: other, lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT', 'PRE_SCALE_UP'] },
      ],
    });
    world.respond = () => answer('SUCCEEDED');
    world.run(30);
    expect(world.primary.rolloutState).toBe('COMPLETED');
    expect(world.hookCalls.map((call) => [call.lifecycleStage, call.hookTargetArn])).toEqual([
      ['PRE_SCALE_UP', other],
      ['POST_PRODUCTION_TRAFFIC_SHIFT', FN],
      ['POST_PRODUCTION_TRAFFIC_SHIFT', other],
    ]);
  });

  describe('in a rollback (ECS runs the TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT hooks)', () => {
    const hooks: LifecycleHook[] = [
      { hookTargetArn: FN, lifecycleStages: ['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT'] },
    ];
    /** A canary whose alarm fires at the canary step; the hooks answer `during` once it rolled back. */
    const rolledBack = (during: (execution: HookExecution) => HookAnswer) => {
      const world = canary(hooks, {
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      });
      let failedAt: number | undefined;
      world.respond = (execution) => (failedAt === undefined ? answer('SUCCEEDED') : during(execution));
      const calls: Array<{ stage: string; share: number; testShare: number; at: number }> = [];
      const events: string[] = [];
      for (let i = 0; i < 40; i++) {
        const before = world.hookCalls.length;
        const shares = { share: world.share(), testShare: world.share(TEST) };
        if (failedAt === undefined && world.share() > 0) world.alarms['web-5xx'] = { state: 'ALARM' };
        world.pass();
        events.push(...(world.last?.events ?? []));
        if (failedAt === undefined && dep2(world).rolloutState === 'FAILED') failedAt = world.now;
        const call = world.hookCalls[before];
        if (call !== undefined && failedAt !== undefined && world.now > failedAt)
          calls.push({ stage: call.lifecycleStage, ...shares, at: world.now });
        world.now += MIN;
      }
      return { world, calls, events, failedAt: failedAt as number };
    };

    it('calls them once production and test are back, after the shift back, never before it', () => {
      const { world, calls, events, failedAt } = rolledBack(() => answer('SUCCEEDED'));
      expect(failedAt).toBeDefined();
      // The shift back went in the pass that failed the deployment.
      expect(world.shares.at(-1)).toBe(0);
      expect(calls.map((call) => call.stage)).toEqual(['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT']);
      for (const call of calls) expect(call).toMatchObject({ share: 0, testShare: 0 });
      expect(calls[0]?.at).toBe(failedAt + 2 * MIN); // the rules are read back, then the call is due
      expect(events).toContain(
        `service web deployment dep-2 lifecycle hook ${FN} at PRODUCTION_TRAFFIC_SHIFT during the rollback SUCCEEDED (call 1).`,
      );
      expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', rolloutState: 'COMPLETED' });
      expect(dep2(world).trafficShift?.hook).toBeUndefined();
    });

    it('a FAILED answer or a failed call cannot stop the rollback: an event, and the next hook', () => {
      const { world, calls, events } = rolledBack((execution) =>
        execution.lifecycleStage === 'TEST_TRAFFIC_SHIFT' ? answer('FAILED') : { error: 'HTTP 500' },
      );
      expect(calls.map((call) => call.stage)).toEqual(['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT']);
      expect(events).toContain(
        `service web deployment dep-2 lifecycle hook ${FN} at TEST_TRAFFIC_SHIFT during the rollback answered FAILED (call 1); the rollback goes on.`,
      );
      expect(events).toContain(
        `service web deployment dep-2 lifecycle hook ${FN} at PRODUCTION_TRAFFIC_SHIFT during the rollback failed to answer (call 1): HTTP 500; the rollback goes on.`,
      );
      expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', rolloutState: 'COMPLETED' });
      expect(world.share()).toBe(0);
      // No rollback of a rollback, no second failure of the failed deployment.
      expect(world.service.deployments.filter((d) => d.rollbackOf !== undefined)).toHaveLength(1);
    });

    it('IN_PROGRESS is called again after its delay while the rollback completes, until its timeout', () => {
      const timeoutHooks: LifecycleHook[] = [
        {
          ...hooks[0]!,
          lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'],
          timeoutConfiguration: { timeoutInMinutes: 5 },
        },
      ];
      const world = canary(timeoutHooks, {
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      });
      let rolled = false;
      world.respond = () => (rolled ? answer('IN_PROGRESS', 120) : answer('SUCCEEDED'));
      const events: string[] = [];
      let rollbackCompletedAt: number | undefined;
      let callsBefore = 0;
      for (let i = 0; i < 40; i++) {
        if (world.share() > 0) world.alarms['web-5xx'] = { state: 'ALARM' };
        world.pass();
        if (!rolled && dep2(world).rolloutState === 'FAILED') {
          rolled = true;
          callsBefore = world.hookCalls.length;
        }
        events.push(...(world.last?.events ?? []));
        if (rollbackCompletedAt === undefined && world.primary.rolloutState === 'COMPLETED' && rolled)
          rollbackCompletedAt = world.now;
        world.now += MIN;
      }
      const rollbackCalls = world.hookCalls.slice(callsBefore);
      // Called at 0, 2 and 4 minutes of its execution; at 5 it times out without another call.
      expect(rollbackCalls.map((call) => call.invocations)).toEqual([0, 1, 2]);
      expect(events).toContain(
        `service web deployment dep-2 lifecycle hook ${FN} at PRODUCTION_TRAFFIC_SHIFT during the rollback timed out after 5 minutes (action ROLLBACK); the rollback goes on.`,
      );
      // The rollback did not wait for the hook.
      const startedAt = Date.parse(rollbackCalls[0]?.startedAt ?? '');
      expect(rollbackCompletedAt).toBeLessThanOrEqual(startedAt + MIN);
      expect(dep2(world).trafficShift?.hook).toBeUndefined();
    });

    it('a rollback with no hook at those stages calls nothing', () => {
      const world = canary([{ hookTargetArn: FN, lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'] }], {
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      });
      world.respond = () => answer('SUCCEEDED');
      for (let i = 0; i < 30; i++) {
        if (world.share() > 0) world.alarms['web-5xx'] = { state: 'ALARM' };
        world.pass();
        world.now += MIN;
      }
      expect(dep2(world).rolloutState).toBe('FAILED');
      expect(world.hookCalls).toHaveLength(0);
    });
  });
});

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
  LifecycleHook,
  LifecycleHookStage,
} from '../../../../lib/domain';
import { LIFECYCLE_HOOK_STAGES } from '../../../../lib/domain';
import { MIN, World } from '../../../support/traffic-world';

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
});

import { describe, expect, it } from 'vitest';
import type { CrashLoopBackoff } from '../../../../lib/reconcile/plan/phases/backoff';
import { launchAction, launchOrHold } from '../../../../lib/reconcile/plan/phases/launch';
import { stop } from '../../../../lib/reconcile/plan/phases/state';
import {
  deployment,
  ofType,
  rollingService,
  rolloutOf,
  S,
  service,
  T0,
  task,
  tasks,
} from '../../../support/plan';

const noBackoff: CrashLoopBackoff = { consecutiveFailures: 0 };

describe('launchOrHold', () => {
  it.each([
    {
      name: 'room for all it needs',
      max: 200,
      old: 4,
      primary: 0,
      launched: 4,
      reason: 'has 0 of 4 desired tasks',
    },
    {
      name: 'room for part: says why',
      max: 150,
      old: 4,
      primary: 0,
      launched: 2,
      reason: 'allows 6 running or pending tasks, minimumHealthyPercent 100 requires 4 healthy, so 2 now',
    },
    {
      name: 'counts the PRIMARY tasks it has',
      max: 200,
      old: 0,
      primary: 3,
      launched: 1,
      reason: 'has 3 of 4 desired tasks',
    },
    { name: 'nothing needed', max: 200, old: 4, primary: 4, launched: 0, reason: undefined },
  ])('$name', ({ max, old, primary, launched, reason }) => {
    const state = rolloutOf(rollingService(4, 100, max), [
      ...tasks('dep-1', old),
      ...tasks('dep-2', primary, { healthStatus: 'HEALTHY' }),
    ]);
    expect(launchOrHold(state, noBackoff)).toBe(launched);
    const launches = ofType(state.actions, 'launch');
    expect(launches.map((a) => a.count)).toEqual(launched > 0 ? [launched] : []);
    if (reason !== undefined) expect(launches[0]?.reason).toContain(reason);
    expect(state.primary.launchAttempts ?? 0).toBe(launched > 0 ? 1 : 0);
    expect(ofType(state.actions, 'hold')).toEqual([]);
  });

  it.each([
    {
      name: 'a FAILED PRIMARY launches nothing',
      failed: true,
      backoff: noBackoff,
      old: 0,
      oldPending: 0,
      hold: 'has FAILED',
      until: undefined,
      event: false,
    },
    {
      name: 'backing off holds until the next launch',
      failed: false,
      backoff: { consecutiveFailures: 3, until: T0 + 5 * S },
      old: 0,
      oldPending: 0,
      hold: 'backing off after 3 tasks in a row stopped on their own or failed to launch',
      until: T0 + 5 * S,
      event: true,
    },
    {
      name: 'no room while tasks settle',
      failed: false,
      backoff: noBackoff,
      old: 3,
      oldPending: 1,
      hold: 'waits for tasks to become healthy or stop',
      until: undefined,
      event: false,
    },
    {
      name: 'no room and nothing can move',
      failed: false,
      backoff: noBackoff,
      old: 4,
      oldPending: 0,
      hold: 'cannot make progress',
      until: undefined,
      event: true,
    },
  ])('$name', ({ failed, backoff, old, oldPending, hold, until, event }) => {
    const svc = rollingService(4, 100, 100);
    const primary = svc.deployments[0];
    if (primary && failed) primary.rolloutState = 'FAILED';
    const state = rolloutOf(svc, [
      ...tasks('dep-1', old),
      ...tasks('dep-1', oldPending, { lastStatus: 'PENDING' }),
    ]);
    expect(launchOrHold(state, backoff)).toBe(0);
    expect(ofType(state.actions, 'launch')).toEqual([]);
    const holds = ofType(state.actions, 'hold');
    expect(holds).toHaveLength(1);
    expect(holds[0]?.deploymentId).toBe('dep-2');
    expect(holds[0]?.until).toBe(until);
    expect(holds[0]?.reason).toContain(hold);
    expect(state.events.length).toBe(event ? 1 : 0);
  });

  it('counts tasks drained this pass toward maximumPercent', () => {
    const targetGroupArn = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
    const old = tasks('dep-1', 2, {
      privateIpv4Address: '10.0.0.1',
      targets: { registered: [{ targetGroupArn, port: 80 }] },
    });
    const state = rolloutOf(rollingService(2, 0, 100), old);
    for (const t of old) stop(state, t, 'replaced', 'replaced');
    expect(state.drainedNow.size).toBe(2);
    expect(launchOrHold(state, noBackoff)).toBe(0);
    expect(ofType(state.actions, 'hold')[0]?.reason).toContain('waits for tasks to become healthy or stop');
  });

  it('launches once stopped tasks are gone rather than draining', () => {
    const old = tasks('dep-1', 2);
    const state = rolloutOf(rollingService(2, 0, 100), old);
    for (const t of old) stop(state, t, 'replaced', 'replaced');
    expect(launchOrHold(state, noBackoff)).toBe(2);
  });
});

describe('launchAction', () => {
  it.each([
    { name: 'at most ten tasks a call', strategy: undefined, count: 25, calls: [10, 10, 5] },
    {
      name: 'split over capacity providers',
      strategy: [
        { capacityProvider: 'FARGATE' as const, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT' as const, weight: 1 },
      ],
      count: 4,
      calls: [2, 2],
    },
  ])('$name', ({ strategy, count, calls }) => {
    const svc = service(strategy === undefined ? {} : { capacityProviderStrategy: strategy });
    const action = launchAction(svc, deployment('dep-1', 'web:1'), count, [], 'why');
    if (action.type !== 'launch') throw new Error('not a launch');
    expect(action.runTaskCalls.map((c) => c.count)).toEqual(calls);
    expect(new Set(action.runTaskCalls.map((c) => c.clientToken)).size).toBe(calls.length);
    expect(action).toMatchObject({
      deploymentId: 'dep-1',
      taskDefinition: 'web:1',
      count,
      group: 'service:web',
      reason: 'why',
    });
  });

  it('a new attempt gets new client tokens', () => {
    const first = launchAction(service(), deployment('dep-1', 'web:1'), 1, [task('dep-1')], 'why');
    const second = launchAction(service(), deployment('dep-1', 'web:1', { launchAttempts: 1 }), 1, [], 'why');
    if (first.type !== 'launch' || second.type !== 'launch') throw new Error('not a launch');
    expect(first.runTaskCalls[0]?.clientToken).not.toBe(second.runTaskCalls[0]?.clientToken);
  });
});

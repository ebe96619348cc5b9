import { describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../../../lib/domain';
import { finish, updateDeployments } from '../../../../lib/reconcile/plan/phases/finish';
import { markSettled } from '../../../../lib/reconcile/plan/phases/settle';
import { stop } from '../../../../lib/reconcile/plan/phases/state';
import {
  deployment,
  iso,
  rollingService,
  rolloutOf,
  S,
  stateOf,
  T0,
  task,
  tasks,
} from '../../../support/plan';

const healthyPrimary = (n: number) => tasks('dep-2', n, { healthStatus: 'HEALTHY' });

describe('markSettled', () => {
  it.each([
    {
      name: 'desired healthy PRIMARY tasks: completed',
      observed: () => healthyPrimary(3),
      launched: 0,
      completed: true,
    },
    { name: 'a launch this pass: not yet', observed: () => healthyPrimary(3), launched: 1, completed: false },
    {
      name: 'an old task left: not yet',
      observed: () => [...healthyPrimary(3), task('dep-1')],
      launched: 0,
      completed: false,
    },
    {
      name: 'a PRIMARY task not healthy: not yet',
      observed: () => [...healthyPrimary(2), task('dep-2')],
      launched: 0,
      completed: false,
    },
    { name: 'too few: not yet', observed: () => healthyPrimary(2), launched: 0, completed: false },
  ])('$name', ({ observed, launched, completed }) => {
    const state = rolloutOf(rollingService(3), observed());
    markSettled(state, launched);
    expect(state.primary.rolloutState).toBe(completed ? 'COMPLETED' : 'IN_PROGRESS');
    expect(state.events).toEqual(
      completed ? ['service web deployment dep-2 completed.', 'service web has reached a steady state.'] : [],
    );
  });

  it('a task being stopped this pass is not settled', () => {
    const [first, ...rest] = healthyPrimary(3);
    if (!first) throw new Error('no task');
    const state = rolloutOf(rollingService(3), [first, ...rest]);
    stop(state, first, 'scale-in', 'test');
    markSettled(state, 0);
    expect(state.primary.rolloutState).toBe('IN_PROGRESS');
  });

  it.each([
    { name: 'steady before: said once only', runningCount: 3, healthyCount: 3, events: 0 },
    { name: 'back to steady after a change', runningCount: 2, healthyCount: 2, events: 1 },
  ])('$name', ({ runningCount, healthyCount, events }) => {
    const svc = rollingService(3, 100, 200, {
      runningCount,
      deployments: [deployment('dep-2', 'web:2', { rolloutState: 'COMPLETED', healthyCount })],
    });
    const state = rolloutOf(svc, healthyPrimary(3));
    markSettled(state, 0);
    expect(state.events.filter((e) => e.includes('steady state'))).toHaveLength(events);
  });
});

describe('updateDeployments', () => {
  const observed = () => [
    ...healthyPrimary(2),
    task('dep-2', { lastStatus: 'PENDING' }),
    task('dep-1'),
    task('dep-1', { desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING' }),
  ];
  const withGone = (svc: ReturnType<typeof rollingService>) => {
    svc.deployments.push(deployment('dep-0', 'web:1', { status: 'ACTIVE', createdAt: iso(T0 - 7200 * S) }));
    return svc;
  };

  it.each<{ status: ServiceStatus; primary: object; old: object; gone: object }>([
    {
      status: 'ACTIVE',
      primary: { status: 'PRIMARY', desiredCount: 4, runningCount: 2, pendingCount: 1, healthyCount: 2 },
      old: { status: 'ACTIVE', desiredCount: 1, runningCount: 1 },
      gone: { status: 'INACTIVE', desiredCount: 0 },
    },
    {
      status: 'DRAINING',
      primary: { status: 'PRIMARY', desiredCount: 0 },
      old: { status: 'ACTIVE', desiredCount: 1 },
      gone: { status: 'INACTIVE' },
    },
    {
      status: 'INACTIVE',
      primary: {
        status: 'INACTIVE',
        desiredCount: 0,
        rolloutState: 'STOPPED',
        rolloutStateReason: 'service web was deleted',
      },
      old: { status: 'INACTIVE', desiredCount: 0, rolloutState: 'COMPLETED' },
      gone: { status: 'INACTIVE', desiredCount: 0 },
    },
  ])('$status', ({ status, primary, old, gone }) => {
    const state = stateOf(withGone(rollingService(4)), observed());
    updateDeployments(state, status);
    expect(state.byId.get('dep-2')).toMatchObject(primary);
    expect(state.byId.get('dep-1')).toMatchObject(old);
    expect(state.byId.get('dep-0')).toMatchObject(gone);
  });

  it('stamps updatedAt only on the deployments that changed', () => {
    const stamp = iso(T0 - 5 * S);
    const svc = rollingService(1, 100, 200, {
      deployments: [
        deployment('dep-2', 'web:2', {
          desiredCount: 1,
          runningCount: 1,
          healthyCount: 1,
          lastProgressAt: stamp,
          updatedAt: stamp,
        }),
        deployment('dep-1', 'web:1', { status: 'ACTIVE', createdAt: iso(T0 - 3600 * S), updatedAt: stamp }),
      ],
    });
    const state = stateOf(svc, healthyPrimary(1));
    updateDeployments(state, 'ACTIVE');
    expect(state.byId.get('dep-2')?.updatedAt).toBe(stamp);
    expect(state.byId.get('dep-1')).toMatchObject({ status: 'INACTIVE', updatedAt: iso(T0) });
  });
});

describe('finish', () => {
  it('counts as ECS does: a task being stopped is RUNNING until it stops, a launch is pending from this pass', () => {
    const [leaving, ...rest] = healthyPrimary(3);
    if (!leaving) throw new Error('no task');
    const state = stateOf(rollingService(2), [leaving, ...rest, task('dep-2', { lastStatus: 'PENDING' })]);
    stop(state, leaving, 'scale-in', 'test');
    const result = finish(state, 'ACTIVE');
    expect(result).toMatchObject({
      serviceStatus: 'ACTIVE',
      taskDefinition: 'web:2',
      runningCount: 3,
      pendingCount: 1,
    });
    expect(result.actions).toBe(state.actions);
    expect(result.deployments).toBe(state.deployments);
  });
});

describe('counts per deployment, as ECS reports them', () => {
  it('a draining or stopping task is RUNNING; a task launched this pass is pending', () => {
    const svc = rollingService(3, 100, 200, { loadBalancers: [] });
    const old = tasks('dep-1', 3, { healthStatus: 'HEALTHY' });
    const state = stateOf(svc, [...old, task('dep-2', { lastStatus: 'PROVISIONING' })]);
    for (const t of old) stop(state, t, 'replaced', 'test');
    state.actions.push({
      type: 'launch',
      deploymentId: 'dep-2',
      taskDefinition: 'web:2',
      count: 2,
      startedBy: 'tugboat',
      group: 'service:web',
      runTaskCalls: [],
      reason: 'test',
    });
    const result = finish(state, 'ACTIVE');
    expect(result).toMatchObject({ runningCount: 3, pendingCount: 3 });
    expect(state.byId.get('dep-1')).toMatchObject({ runningCount: 3, pendingCount: 0 });
    expect(state.byId.get('dep-2')).toMatchObject({ runningCount: 0, pendingCount: 3 });
  });
});

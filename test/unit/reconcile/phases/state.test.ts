import { describe, expect, it } from 'vitest';
import { drainingCount, live, scaleInOrder, stop } from '../../../../lib/reconcile/plan/phases/state';
import { deployment, iso, S, service, stateOf, T0, task, tasks } from '../../../support/plan';

describe('planState', () => {
  it('copies the deployments newest first and demotes an older PRIMARY', () => {
    const svc = service({
      deployments: [
        deployment('old', 'web:1', { createdAt: iso(T0 - 100 * S) }),
        deployment('new', 'web:2', { createdAt: iso(T0 - 10 * S) }),
      ],
    });
    const state = stateOf(svc, []);
    expect(state.deployments.map((d) => [d.id, d.status])).toEqual([
      ['new', 'PRIMARY'],
      ['old', 'ACTIVE'],
    ]);
    expect(state.primary?.id).toBe('new');
    expect(svc.deployments[0]?.status).toBe('PRIMARY');
  });

  it('sorts the tasks oldest first', () => {
    const young = task('dep-1', { createdAt: T0 - 10 * S });
    const old = task('dep-1', { createdAt: T0 - 900 * S });
    expect(stateOf(service(), [young, old]).tasks.map((t) => t.taskArn)).toEqual([
      old.taskArn,
      young.taskArn,
    ]);
  });
});

describe('stop', () => {
  it('stops a task once and takes it out of the live tasks', () => {
    const [a, b] = tasks('dep-1', 2);
    if (!a || !b) throw new Error('two tasks');
    const state = stateOf(service(), [a, b]);
    stop(state, a, 'scale-in', 'too many');
    stop(state, a, 'scale-in', 'again');
    expect(state.actions).toEqual([
      { type: 'stop', taskArn: a.taskArn, deploymentId: 'dep-1', cause: 'scale-in', reason: 'too many' },
    ]);
    expect(live(state).map((t) => t.taskArn)).toEqual([b.taskArn]);
    expect(drainingCount(state)).toBe(0);
  });
});

describe('scaleInOrder', () => {
  it.each([
    { name: 'pending before running', first: { lastStatus: 'PENDING' as const }, second: {} },
    {
      name: 'newest first among equals',
      first: { createdAt: T0 - 10 * S },
      second: { createdAt: T0 - 20 * S },
    },
  ])('$name', ({ first, second }) => {
    const a = task('dep-1', second);
    const b = task('dep-1', first);
    const state = stateOf(service(), [a, b]);
    expect(scaleInOrder(state, [a, b]).map((t) => t.taskArn)).toEqual([b.taskArn, a.taskArn]);
  });
});

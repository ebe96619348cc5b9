import { describe, expect, it } from 'vitest';
import { drain } from '../../../../lib/reconcile/plan/phases/drain';
import { drainingCount, live } from '../../../../lib/reconcile/plan/phases/state';
import { S, service, stateOf, T0, task } from '../../../support/plan';

const draining = (stopDueAt: number) =>
  task('dep-1', {
    targets: {
      registered: [],
      drain: { deregisteredAt: T0 - 60 * S, stopDueAt, cause: 'scale-in', reason: 'too many' },
    },
  });

describe('drain', () => {
  it.each([
    { name: 'delay over: stopped now', dueAt: T0, stops: 1, holds: 0, stillDraining: 0 },
    { name: 'delay not over: held until then', dueAt: T0 + 30 * S, stops: 0, holds: 1, stillDraining: 1 },
  ])('$name', ({ dueAt, stops, holds, stillDraining }) => {
    const t = draining(dueAt);
    const state = stateOf(service(), [t, task('dep-1')]);
    drain(state);
    expect(state.actions.filter((a) => a.type === 'stop')).toHaveLength(stops);
    expect(state.actions.filter((a) => a.type === 'hold')).toHaveLength(holds);
    expect(drainingCount(state)).toBe(stillDraining);
    // Either way the draining task is never chosen again in this pass.
    expect(live(state).map((x) => x.taskArn)).not.toContain(t.taskArn);
    expect(live(state)).toHaveLength(1);
  });

  it('carries the reason recorded at deregistration', () => {
    const state = stateOf(service(), [draining(T0)]);
    drain(state);
    expect(state.actions[0]).toMatchObject({ type: 'stop', cause: 'scale-in', reason: 'too many' });
  });
});

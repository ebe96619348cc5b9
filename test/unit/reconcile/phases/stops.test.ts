import { describe, expect, it } from 'vitest';
import { replaceOld, scaleIn, stopRound } from '../../../../lib/reconcile/plan/phases/stops';
import type { StopCause } from '../../../../lib/reconcile/plan/types';
import { ofType, rollingService, rolloutOf, task, tasks } from '../../../support/plan';

const causes = (actions: Parameters<typeof ofType>[0]): StopCause[] =>
  ofType(actions, 'stop').map((a) => a.cause);

describe('replaceOld', () => {
  it.each([
    { name: 'down to the floor (50%)', min: 50, old: 4, oldPending: 0, canLaunch: true, stops: 2 },
    { name: 'none below the floor (100%)', min: 100, old: 4, oldPending: 0, canLaunch: true, stops: 0 },
    { name: 'pending old tasks always go', min: 100, old: 4, oldPending: 2, canLaunch: true, stops: 2 },
    {
      name: 'a PRIMARY that cannot launch keeps old tasks serving',
      min: 0,
      old: 4,
      oldPending: 0,
      canLaunch: false,
      stops: 0,
    },
    {
      name: 'then only the surplus over desired goes',
      min: 0,
      old: 5,
      oldPending: 0,
      canLaunch: false,
      stops: 1,
    },
  ])('$name', ({ min, old, oldPending, canLaunch, stops }) => {
    const state = rolloutOf(rollingService(4, min, 200), [
      ...tasks('dep-1', old),
      ...tasks('dep-1', oldPending, { lastStatus: 'PENDING' }),
    ]);
    replaceOld(state, stopRound(state), canLaunch);
    expect(causes(state.actions)).toEqual(Array(stops).fill('replaced'));
    for (const a of ofType(state.actions, 'stop'))
      expect(a.reason).toContain('is replaced by deployment dep-2 (web:2)');
  });

  it('stops a task of no deployment as an orphan', () => {
    const state = rolloutOf(rollingService(1, 0, 200), [task('dep-gone')]);
    replaceOld(state, stopRound(state), true);
    expect(causes(state.actions)).toEqual(['orphan']);
  });
});

describe('scaleIn', () => {
  it.each([
    { name: 'the surplus goes', desired: 3, min: 0, healthy: 5, starting: 0, stops: 2 },
    { name: 'nothing to do at desired', desired: 3, min: 100, healthy: 3, starting: 0, stops: 0 },
    {
      name: 'tasks not yet healthy go first, within the floor',
      desired: 3,
      min: 100,
      healthy: 2,
      starting: 3,
      stops: 2,
    },
  ])('$name', ({ desired, min, healthy, starting, stops }) => {
    const ready = tasks('dep-2', healthy, { healthStatus: 'HEALTHY' });
    const state = rolloutOf(rollingService(desired, min, 300), [...ready, ...tasks('dep-2', starting)]);
    scaleIn(state, stopRound(state));
    const stopped = ofType(state.actions, 'stop');
    expect(stopped.map((a) => a.cause)).toEqual(Array(stops).fill('scale-in'));
    if (starting > 0) for (const a of stopped) expect(ready.map((t) => t.taskArn)).not.toContain(a.taskArn);
  });

  it('takes the stops of both phases from one floor budget', () => {
    // desired 2, floor 2: two old and three PRIMARY tasks, all healthy, leave three stops in all.
    const primary = tasks('dep-2', 3, { healthStatus: 'HEALTHY' });
    const state = rolloutOf(rollingService(2, 100, 200), [...tasks('dep-1', 2), ...primary]);
    const round = stopRound(state);
    replaceOld(state, round, true);
    scaleIn(state, round);
    expect(causes(state.actions)).toEqual(['replaced', 'replaced', 'scale-in']);
    const kept = primary.filter((t) => !state.stopped.has(t.taskArn));
    expect(kept).toHaveLength(2);
    for (const t of kept) expect(round.budget.take(t)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { replaceOld, scaleIn, stopRound, trimToCap } from '../../../../lib/reconcile/plan/phases/stops';
import { plan } from '../../../../lib/reconcile/plan/plan';
import type { StopCause } from '../../../../lib/reconcile/plan/types';
import { ofType, rollingService, rolloutOf, S, T0, task, tasks } from '../../../support/plan';

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

describe('trimToCap', () => {
  // Scenario fuzzer seed 344: 15 desired at 120 % mid-rollout, then desired 10. The floor keeps the 10
  // healthy old tasks, and the PRIMARY's 3 not yet ready made 13 live against a cap of 12.
  const midRollout = (primary: ReturnType<typeof tasks>) => [...tasks('dep-1', 10), ...primary];
  const starting = () => tasks('dep-2', 3, { createdAt: T0 - 20 * S, startedAt: T0 - 15 * S });

  it.each([
    { name: 'over the cap: the newest task not yet ready goes', max: 120, min: 100, stops: 1 },
    { name: 'at the cap: nothing goes', max: 130, min: 100, stops: 0 },
    { name: 'no floor: still only the excess goes', max: 120, min: 0, stops: 1 },
  ])('$name', ({ max, min, stops }) => {
    const primary = starting();
    const state = rolloutOf(rollingService(10, min, max), midRollout(primary));
    trimToCap(state, stopRound(state));
    const stopped = ofType(state.actions, 'stop');
    expect(stopped).toHaveLength(stops);
    for (const a of stopped) {
      expect(a.cause).toBe('scale-in');
      expect(a.reason).toBe(
        'service web has 13 running or pending tasks; maximumPercent 120 of 10 desired allows 12',
      );
      expect(a.taskArn).toBe(primary[2]!.taskArn);
    }
  });

  it('takes a PENDING task before one becoming ready', () => {
    const primary = [
      ...starting().slice(0, 2),
      task('dep-2', { lastStatus: 'PENDING', createdAt: T0 - 30 * S }),
    ];
    const state = rolloutOf(rollingService(10, 100, 120), midRollout(primary));
    trimToCap(state, stopRound(state));
    expect(ofType(state.actions, 'stop').map((a) => a.taskArn)).toEqual([primary[2]!.taskArn]);
  });

  it("in a whole pass: the cap holds, and the PRIMARY launches nothing in the stopped task's place", () => {
    const result = plan({
      service: rollingService(10, 100, 120),
      observedTasks: midRollout(starting()),
      taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: true } },
      now: T0,
    });
    expect(ofType(result.actions, 'stop')).toHaveLength(1);
    expect(ofType(result.actions, 'launch')).toEqual([]);
  });
});

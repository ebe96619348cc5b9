import { describe, expect, it } from 'vitest';
import { countFailedTasks, ensurePrimary, noteProgress } from '../../../../lib/reconcile/phases/primary';
import {
  deployment,
  failedLaunches,
  iso,
  rollingService,
  rolloutOf,
  S,
  service,
  stateOf,
  T0,
  tasks,
} from '../../../support/plan';

describe('ensurePrimary', () => {
  it('keeps the PRIMARY there is', () => {
    const state = stateOf(rollingService(2), []);
    expect(ensurePrimary(state).primary.id).toBe('dep-2');
    expect(state.deployments).toHaveLength(2);
    expect(state.events).toEqual([]);
  });

  it('repairs a service stored without one, with the same id on every pass', () => {
    const svc = service({ deployments: [deployment('dep-1', 'web:1', { status: 'ACTIVE' })] });
    const first = ensurePrimary(stateOf(svc, []));
    const again = ensurePrimary(stateOf(svc, []));
    expect(first.primary).toMatchObject({ status: 'PRIMARY', taskDefinition: 'web:1', desiredCount: 3 });
    expect(first.primary.id).toBe(again.primary.id);
    expect(first.deployments[0]).toBe(first.primary);
    expect(first.byId.get(first.primary.id)).toBe(first.primary);
    expect(first.events).toEqual([
      `service web has started deployment ${first.primary.id} of task definition web:1.`,
    ]);
  });
});

describe('countFailedTasks', () => {
  it.each([
    { name: 'counts stopped tasks that never became healthy', stored: 0, failed: 2, expected: 2 },
    { name: 'keeps a higher count the inventory forgot', stored: 5, failed: 2, expected: 5 },
    { name: 'no failures, none counted', stored: 0, failed: 0, expected: 0 },
  ])('$name', ({ stored, failed, expected }) => {
    const svc = rollingService(2);
    const primary = svc.deployments[0];
    if (primary) primary.failedTasks = stored;
    const state = rolloutOf(svc, [...failedLaunches('dep-2', failed), ...tasks('dep-1', 2)]);
    countFailedTasks(state);
    expect(state.primary.failedTasks).toBe(expected);
    expect(state.byId.get('dep-1')?.failedTasks).toBe(0);
  });
});

describe('noteProgress', () => {
  it.each([
    { name: 'first pass starts the clock', lastProgressAt: undefined, before: 0, healthy: 0, progressAt: T0 },
    {
      name: 'more healthy tasks is progress',
      lastProgressAt: T0 - 60 * S,
      before: 1,
      healthy: 2,
      progressAt: T0,
    },
    {
      name: 'as many as before is not',
      lastProgressAt: T0 - 60 * S,
      before: 2,
      healthy: 2,
      progressAt: T0 - 60 * S,
    },
    { name: 'fewer is not', lastProgressAt: T0 - 60 * S, before: 3, healthy: 1, progressAt: T0 - 60 * S },
  ])('$name', ({ lastProgressAt, before, healthy, progressAt }) => {
    const svc = rollingService(3);
    const primary = svc.deployments[0];
    if (!primary) throw new Error('no primary');
    primary.healthyCount = before;
    if (lastProgressAt === undefined) delete primary.lastProgressAt;
    else primary.lastProgressAt = iso(lastProgressAt);
    const observed = [...tasks('dep-2', healthy, { healthStatus: 'HEALTHY' }), ...tasks('dep-2', 1)];
    const state = rolloutOf(svc, observed);
    noteProgress(state);
    expect(state.primary.lastProgressAt).toBe(iso(progressAt));
    expect(state.primary.healthyCount).toBe(healthy);
  });
});

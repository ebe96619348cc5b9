import { describe, expect, it } from 'vitest';
import type { Service } from '../../../../lib/domain';
import { countFailedTasks, ensurePrimary, noteProgress } from '../../../../lib/reconcile/plan/phases/primary';
import type { ObservedTask } from '../../../../lib/reconcile/plan/types';
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
  task,
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

describe('countFailedTasks after noteProgress: what a failed task is, and when the count restarts', () => {
  const crashed = (overrides: Partial<ObservedTask> = {}) =>
    task('dep-2', {
      desiredStatus: 'STOPPED',
      lastStatus: 'DEACTIVATING',
      stopCode: 'EssentialContainerExited',
      startedAt: T0 - 10 * S,
      stoppingAt: T0 - 5 * S,
      ...overrides,
    });
  const passOf = (svc: Service, observed: ObservedTask[]) => {
    const state = rolloutOf(svc, observed);
    noteProgress(state);
    countFailedTasks(state);
    return state.primary;
  };
  const withBreaker = (resetOnHealthyTask?: boolean) => {
    const svc = rollingService(3);
    svc.deploymentConfiguration.deploymentCircuitBreaker = {
      enable: true,
      rollback: false,
      ...(resetOnHealthyTask === undefined ? {} : { resetOnHealthyTask }),
    };
    return svc;
  };

  it('counts a task the moment ECS reports its stop, before it is STOPPED', () => {
    expect(passOf(withBreaker(), [crashed()]).failedTasks).toBe(1);
  });

  it.each([
    { name: 'scale-in or replacement', stopCode: 'UserInitiated', stoppedReason: 'scale-in', failed: 0 },
    { name: 'an operator StopTask', stopCode: 'UserInitiated', stoppedReason: 'by hand', failed: 0 },
    { name: 'a Spot interruption', stopCode: 'SpotInterruption', stoppedReason: 'spot', failed: 0 },
    { name: 'a task ECS lost', stopCode: 'TaskNotFound', stoppedReason: 'gone', failed: 0 },
    { name: 'a failed start', stopCode: 'TaskFailedToStart', stoppedReason: 'pull', failed: 1 },
  ] as const)('does not count $name unless it stopped on its own ($failed)', (c) => {
    const t = crashed({ stopCode: c.stopCode, stoppedReason: c.stoppedReason });
    expect(passOf(withBreaker(), [t]).failedTasks).toBe(c.failed);
  });

  it('restarts the count when the healthy count passes its peak, not when a replacement gets back to it', () => {
    const svc = withBreaker();
    const primary = svc.deployments[0]!;
    Object.assign(primary, { healthyCount: 2, peakHealthyCount: 2, failedTasks: 2 });
    const failures = [crashed(), crashed()];
    const replaced = passOf(svc, [...failures, ...tasks('dep-2', 2, { healthStatus: 'HEALTHY' })]);
    expect(replaced).toMatchObject({ failedTasks: 2, peakHealthyCount: 2 });
    expect(replaced.failuresCountedSince).toBeUndefined();
    const higher = passOf(svc, [...failures, ...tasks('dep-2', 3, { healthStatus: 'HEALTHY' })]);
    expect(higher).toMatchObject({ failedTasks: 0, peakHealthyCount: 3, failuresCountedSince: iso(T0) });
  });

  it('with resetOnHealthyTask false, a new peak is progress but the count goes on', () => {
    const svc = withBreaker(false);
    Object.assign(svc.deployments[0]!, { healthyCount: 2, peakHealthyCount: 2, failedTasks: 2 });
    const pass = passOf(svc, [crashed(), crashed(), ...tasks('dep-2', 3, { healthStatus: 'HEALTHY' })]);
    expect(pass).toMatchObject({ failedTasks: 2, peakHealthyCount: 3, lastProgressAt: iso(T0) });
    expect(pass.failuresCountedSince).toBeUndefined();
  });

  it('counts only the failures after the restart', () => {
    const svc = withBreaker();
    Object.assign(svc.deployments[0]!, { failuresCountedSince: iso(T0 - 7 * S), peakHealthyCount: 3 });
    const observed = [crashed({ stoppingAt: T0 - 8 * S }), crashed({ stoppingAt: T0 - 6 * S })];
    expect(passOf(svc, observed).failedTasks).toBe(1);
  });

  it("leaves a finished deployment's count as it was", () => {
    const svc = withBreaker();
    Object.assign(svc.deployments[0]!, { rolloutState: 'COMPLETED', failedTasks: 1 });
    expect(passOf(svc, [crashed(), crashed(), crashed()]).failedTasks).toBe(1);
  });
});

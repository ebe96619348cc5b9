import { describe, expect, it } from 'vitest';
import {
  crashLoopBackoffOf,
  isBackingOff,
  recordCrashLoopBackoff,
} from '../../../../lib/reconcile/plan/phases/backoff';
import { stopUnhealthy } from '../../../../lib/reconcile/plan/phases/unhealthy';
import { plan } from '../../../../lib/reconcile/plan/plan';
import { ELB_UNHEALTHY_STOP_REASON, UNHEALTHY_STOP_REASON } from '../../../../lib/reconcile/plan/types';
import {
  failedLaunches,
  iso,
  ofType,
  rollingService,
  rolloutOf,
  S,
  stateOf,
  T0,
  task,
  tasks,
} from '../../../support/plan';

describe('stopUnhealthy', () => {
  it.each([
    {
      name: 'UNHEALTHY past the grace period goes',
      dep: 'dep-2',
      health: 'UNHEALTHY' as const,
      grace: 60,
      startedAgo: 90,
      stops: 1,
    },
    {
      name: 'UNHEALTHY without a grace period goes',
      dep: 'dep-2',
      health: 'UNHEALTHY' as const,
      grace: 0,
      startedAgo: 1,
      stops: 1,
    },
    {
      name: 'UNHEALTHY inside the grace period stays',
      dep: 'dep-2',
      health: 'UNHEALTHY' as const,
      grace: 60,
      startedAgo: 30,
      stops: 0,
    },
    { name: 'HEALTHY stays', dep: 'dep-2', health: 'HEALTHY' as const, grace: 0, startedAgo: 90, stops: 0 },
    {
      name: 'no health check: a reported status is ignored',
      dep: 'dep-1',
      health: 'UNHEALTHY' as const,
      grace: 0,
      startedAgo: 90,
      stops: 0,
    },
  ])('$name', ({ dep, health, grace, startedAgo, stops }) => {
    const t = task(dep, { healthStatus: health, startedAt: T0 - startedAgo * S });
    const state = stateOf(rollingService(2, 100, 200, { healthCheckGracePeriodSeconds: grace }), [t]);
    stopUnhealthy(state);
    const stopped = ofType(state.actions, 'stop');
    expect(stopped).toHaveLength(stops);
    if (stops > 0) {
      expect(stopped[0]).toMatchObject({ taskArn: t.taskArn, cause: 'unhealthy' });
      expect(stopped[0]?.reason.startsWith(UNHEALTHY_STOP_REASON)).toBe(true);
    }
  });
});

const options = { backoffBaseMs: 10 * S, backoffMaxMs: 40 * S };

describe('crashLoopBackoffOf', () => {
  it.each([
    { name: 'no failure', failed: 0, consecutive: 0, until: undefined, backingOff: false },
    {
      name: 'one failure is replaced at once',
      failed: 1,
      consecutive: 1,
      until: undefined,
      backingOff: false,
    },
    {
      name: 'two: base delay after the last',
      failed: 2,
      consecutive: 2,
      until: T0 - 20 * S,
      backingOff: false,
    },
    { name: 'three: twice the base', failed: 3, consecutive: 3, until: T0 - 10 * S, backingOff: false },
    { name: 'five: capped at the maximum', failed: 5, consecutive: 5, until: T0 + 10 * S, backingOff: true },
  ])('$name', ({ failed, consecutive, until, backingOff }) => {
    const state = rolloutOf(rollingService(2), failedLaunches('dep-2', failed), { options });
    const backoff = crashLoopBackoffOf(state, state.primary);
    expect(backoff).toEqual(
      until === undefined
        ? { consecutiveFailures: consecutive }
        : { consecutiveFailures: consecutive, until },
    );
    expect(isBackingOff(state, backoff)).toBe(backingOff);
  });

  it.each([
    { name: 'forgets failures before a task was healthy for the reset window', resetMs: 5 * S, expected: 1 },
    { name: 'not when it has been healthy for less', resetMs: 41 * S, expected: 4 },
  ])('$name', ({ resetMs, expected }) => {
    const observed = [
      ...failedLaunches('dep-2', 3, T0 - 50 * S),
      task('dep-2', { healthStatus: 'HEALTHY', healthyAt: T0 - 40 * S }),
      ...failedLaunches('dep-2', 1, T0 - 30 * S),
    ];
    const state = rolloutOf(rollingService(2), observed, {
      options: { ...options, backoffResetMs: resetMs },
    });
    expect(crashLoopBackoffOf(state, state.primary).consecutiveFailures).toBe(expected);
  });
});

describe('recordCrashLoopBackoff', () => {
  it.each([
    { name: 'records the wait on the PRIMARY', failed: 5, stored: undefined, expected: iso(T0 + 10 * S) },
    { name: 'clears a wait that no longer holds', failed: 1, stored: iso(T0 + 99 * S), expected: undefined },
  ])('$name', ({ failed, stored, expected }) => {
    const svc = rollingService(2);
    const primary = svc.deployments[0];
    if (primary && stored !== undefined) primary.backoffUntil = stored;
    const state = rolloutOf(svc, failedLaunches('dep-2', failed), { options });
    recordCrashLoopBackoff(state);
    expect(state.primary.consecutiveFailures).toBe(failed);
    expect(state.primary.backoffUntil).toBe(expected);
    expect('backoffUntil' in state.primary).toBe(expected !== undefined);
  });
});

describe('tasks taken out for failing their health checks are failures from that instant', () => {
  // Two failures a minute ago: their back-off (10 s) is over. Two more tasks fail their checks now.
  const earlier = () => failedLaunches('dep-2', 2, T0 - 60 * S);
  const old = () => tasks('dep-1', 2, { healthStatus: 'HEALTHY' });
  const drainingFor = (cause: 'unhealthy' | 'scale-in', deregisteredAt: number, stopDueAt: number) =>
    tasks('dep-2', 2, {
      healthStatus: 'UNHEALTHY',
      targets: {
        registered: [],
        drain: { deregisteredAt, stopDueAt, cause, reason: `${ELB_UNHEALTHY_STOP_REASON} (target-group tg)` },
      },
    });

  it.each([
    {
      name: 'stopped by this pass (container health check)',
      failing: () => tasks('dep-2', 2, { healthStatus: 'UNHEALTHY' }),
      until: T0 + 40 * S,
    },
    {
      name: 'deregistered earlier and stopped by this pass (target group health check)',
      failing: () => drainingFor('unhealthy', T0 - 5 * S, T0),
      until: T0 + 35 * S,
    },
    {
      name: 'still draining',
      failing: () => drainingFor('unhealthy', T0 - 5 * S, T0 + 30 * S),
      until: T0 + 35 * S,
    },
  ])('$name: the next launch waits for the back-off of 4 failures', ({ failing, until }) => {
    const result = plan({
      service: rollingService(2),
      observedTasks: [...old(), ...earlier(), ...failing()],
      taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: true } },
      now: T0,
      options,
    });
    expect(ofType(result.actions, 'launch')).toEqual([]);
    const primary = result.deployments.find((d) => d.id === 'dep-2');
    expect(primary).toMatchObject({ consecutiveFailures: 4, backoffUntil: iso(until) });
  });

  it('a task drained for scale-in is no failure', () => {
    const result = plan({
      service: rollingService(2),
      observedTasks: [...old(), ...earlier(), ...drainingFor('scale-in', T0 - 5 * S, T0)],
      taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: true } },
      now: T0,
      options,
    });
    expect(result.deployments.find((d) => d.id === 'dep-2')?.consecutiveFailures).toBe(2);
    expect(ofType(result.actions, 'launch')).toHaveLength(1);
  });
});

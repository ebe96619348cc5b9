/**
 * The planner's whole passes when a rollout goes wrong: the circuit breaker, the progress deadline and
 * a crash loop's back-off (the healthy paths are in plan.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { plan } from '../../../lib/reconcile/plan/plan';
import { type ObservedTask, UNHEALTHY_STOP_REASON } from '../../../lib/reconcile/plan/types';
import {
  deployment,
  deploymentConfiguration,
  iso,
  rollingService,
  tasks as running,
  S,
  service,
  T0,
  task,
} from '../../support/plan';
import { find, input, launched, ofResult as ofType, stoppedArns } from '../../support/plan-results';

describe('circuit breaker', () => {
  const failedTask = (deploymentId: string, overrides: Partial<ObservedTask> = {}) =>
    task(deploymentId, {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      createdAt: T0 - 50 * S,
      startedAt: T0 - 45 * S,
      stoppedAt: T0 - 40 * S,
      ...overrides,
    });
  const breakerService = (desired: number, rollback: boolean, failureThreshold?: number) =>
    rollingService(desired, 100, 200, {
      deploymentConfiguration: deploymentConfiguration({
        minReadySeconds: 30,
        deploymentCircuitBreaker: {
          enable: true,
          rollback,
          ...(failureThreshold ? { failureThreshold } : {}),
        },
      }),
    });

  it.each([
    { desired: 3, failures: 2, threshold: undefined, fails: false },
    { desired: 3, failures: 3, threshold: undefined, fails: true },
    { desired: 10, failures: 4, threshold: undefined, fails: false },
    { desired: 10, failures: 5, threshold: undefined, fails: true },
    { desired: 3, failures: 1, threshold: 1, fails: true },
  ])('$failures failed launches of $desired desired (threshold $threshold): FAILED $fails', (c) => {
    const svc = breakerService(c.desired, false, c.threshold);
    const tasks = [
      ...running('dep-1', c.desired),
      ...Array.from({ length: c.failures }, () => failedTask('dep-2')),
    ];
    const result = plan(input(svc, tasks, { options: { backoffBaseMs: 1 } }));
    const dep2 = find(result, 'dep-2');
    expect(dep2.failedTasks).toBe(c.failures);
    expect(dep2.rolloutState).toBe(c.fails ? 'FAILED' : 'IN_PROGRESS');
    expect(ofType(result, 'fail-deployment')).toHaveLength(c.fails ? 1 : 0);
    if (c.fails) {
      expect(launched(result)).toBe(0);
      expect(stoppedArns(result)).toEqual([]);
      expect(dep2.status).toBe('PRIMARY');
    } else {
      expect(launched(result)).toBe(c.desired);
    }
  });

  it.each([
    {
      name: 'failed to start',
      overrides: { stopCode: 'TaskFailedToStart', startedAt: undefined },
      failed: true,
    },
    { name: 'crashed before minReady', overrides: {}, failed: true },
    { name: 'crashed after minReady', overrides: { startedAt: T0 - 100 * S }, failed: true },
    { name: 'no stop code, never healthy', overrides: { stopCode: undefined }, failed: true },
    {
      name: 'stopped by us for scale-in',
      overrides: { stopCode: 'UserInitiated', stoppedReason: 'scale' },
      failed: false,
    },
    {
      name: 'stopped by us for failing health checks',
      overrides: { stopCode: 'UserInitiated', stoppedReason: `${UNHEALTHY_STOP_REASON}: x` },
      failed: true,
    },
    { name: 'Spot interruption', overrides: { stopCode: 'SpotInterruption' }, failed: false },
    { name: 'healthy once (inventory healthyAt)', overrides: { healthyAt: T0 - 44 * S }, failed: true },
  ] as const)('counts a stopped task that $name as failed: $failed', (c) => {
    const svc = breakerService(3, false);
    const t = failedTask('dep-2', c.overrides as Partial<ObservedTask>);
    const result = plan(input(svc, [...running('dep-1', 3), t]));
    expect(find(result, 'dep-2').failedTasks).toBe(c.failed ? 1 : 0);
  });

  it('keeps failedTasks as a high-water mark when the inventory forgets stopped tasks', () => {
    const svc = breakerService(3, false);
    svc.deployments[0]!.failedTasks = 2;
    const result = plan(input(svc, [...running('dep-1', 3), failedTask('dep-2')]));
    expect(find(result, 'dep-2').failedTasks).toBe(2);
  });

  it('rolls back to the newest COMPLETED deployment with a new, deterministic PRIMARY', () => {
    const svc = breakerService(3, true);
    svc.deployments.push(
      deployment('dep-0', 'web:0', {
        status: 'INACTIVE',
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 7200 * S),
      }),
    );
    const tasks = [...running('dep-1', 3), failedTask('dep-2'), failedTask('dep-2'), failedTask('dep-2')];
    const result = plan(input(svc, tasks));
    const [rollback] = ofType(result, 'rollback');
    expect(rollback).toMatchObject({
      failedDeploymentId: 'dep-2',
      targetDeploymentId: 'dep-1',
      taskDefinition: 'web:1',
    });
    const fresh = find(result, rollback!.newDeploymentId);
    // It adopts dep-1's three healthy tasks, and so has completed at once.
    expect(fresh).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: 'web:1',
      rolloutState: 'COMPLETED',
      rollbackOf: 'dep-2',
      adoptsTasksOf: 'dep-1',
      desiredCount: 3,
      runningCount: 3,
      createdAt: iso(T0),
    });
    expect(find(result, 'dep-1')).toMatchObject({ status: 'INACTIVE', runningCount: 0 });
    expect(result.deployments[0]?.id).toBe(fresh.id);
    // Its tasks have all stopped, so the failed deployment is INACTIVE at once.
    expect(find(result, 'dep-2')).toMatchObject({ status: 'INACTIVE', rolloutState: 'FAILED' });
    expect(result.deployments.filter((d) => d.status === 'PRIMARY')).toHaveLength(1);
    expect(result.taskDefinition).toBe('web:1');
    expect(result.events).toContain(
      `service web deployment dep-2 failed; rolling back to task definition web:1 of deployment dep-1 with new deployment ${fresh.id}.`,
    );
    // The tasks of the revision it goes back to still run: it launches nothing and stops nothing.
    expect(ofType(result, 'launch')).toEqual([]);
    expect(ofType(result, 'stop')).toEqual([]);
    expect(plan(input(svc, tasks))).toEqual(result);
  });

  it('does not roll back a rollback, nor without a COMPLETED deployment', () => {
    const svc = breakerService(3, true);
    svc.deployments[0]!.rollbackOf = 'dep-x';
    const failures = [failedTask('dep-2'), failedTask('dep-2'), failedTask('dep-2')];
    const first = plan(input(svc, [...running('dep-1', 3), ...failures]));
    expect(ofType(first, 'rollback')).toEqual([]);
    expect(first.events.at(-1)).toMatch(/was itself a rollback/);

    const lonely = breakerService(3, true);
    lonely.deployments[1]!.rolloutState = 'FAILED';
    const second = plan(input(lonely, failures));
    expect(ofType(second, 'rollback')).toEqual([]);
    expect(second.events.at(-1)).toMatch(/no COMPLETED deployment/);
    expect(launched(second)).toBe(0);
  });

  it('ignores failures once the deployment has COMPLETED (they only drive back-off)', () => {
    const svc = service({
      deploymentConfiguration: deploymentConfiguration({
        deploymentCircuitBreaker: { enable: true, rollback: true },
      }),
      deployments: [deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED' })],
    });
    const result = plan(
      input(svc, [...running('dep-1', 2), failedTask('dep-1'), failedTask('dep-1'), failedTask('dep-1')]),
    );
    expect(find(result, 'dep-1').rolloutState).toBe('COMPLETED');
  });
});

describe('progress deadline', () => {
  it.each([
    { since: 599, progressDeadlineSeconds: undefined, fails: false },
    { since: 600, progressDeadlineSeconds: undefined, fails: true },
    { since: 120, progressDeadlineSeconds: 120, fails: true },
  ])('no progress for $since s (deadline $progressDeadlineSeconds): FAILED $fails', (c) => {
    const svc = rollingService(2, 100, 100);
    if (c.progressDeadlineSeconds !== undefined) {
      svc.deploymentConfiguration.progressDeadlineSeconds = c.progressDeadlineSeconds;
    }
    svc.deployments[0]!.lastProgressAt = iso(T0 - c.since * S);
    const result = plan(input(svc, running('dep-1', 2)));
    expect(find(result, 'dep-2').rolloutState).toBe(c.fails ? 'FAILED' : 'IN_PROGRESS');
    if (c.fails) {
      expect(ofType(result, 'fail-deployment')[0]?.reason).toMatch(/no progress for \d+ seconds/);
      // The circuit breaker is off here, so there is no rollback; the old tasks keep serving.
      expect(ofType(result, 'rollback')).toEqual([]);
      expect(stoppedArns(result)).toEqual([]);
    }
  });

  it.each([
    { waitedSeconds: 30, blocked: false },
    { waitedSeconds: 3_600, blocked: false },
    { waitedSeconds: 3_600, blocked: true },
  ])(
    'a deployment first seen $waitedSeconds s after it was made (blocked $blocked) starts its clock then',
    (c) => {
      // Blocked: 100/100 leaves no room to launch or stop, so only the deadline can end the rollout.
      const svc = c.blocked ? rollingService(2, 100, 100) : rollingService(2, 50, 200);
      const made = iso(T0 - c.waitedSeconds * S);
      const { lastProgressAt: _unset, ...unseen } = {
        ...svc.deployments[0]!,
        createdAt: made,
        updatedAt: made,
      };
      svc.deployments[0] = unseen;
      const first = plan(input(svc, running('dep-1', 2)));
      expect(find(first, 'dep-2')).toMatchObject({ rolloutState: 'IN_PROGRESS', lastProgressAt: iso(T0) });
      expect(launched(first)).toBe(c.blocked ? 0 : 2);
      const next = { ...svc, deployments: first.deployments };
      const beforeDeadline = plan(input(next, running('dep-1', 2), { now: T0 + 599 * S }));
      expect(find(beforeDeadline, 'dep-2').rolloutState).toBe('IN_PROGRESS');
      if (c.blocked) {
        const atDeadline = plan(input(next, running('dep-1', 2), { now: T0 + 600 * S }));
        expect(find(atDeadline, 'dep-2').rolloutState).toBe('FAILED');
      }
    },
  );

  it('a newly healthy task is progress and moves lastProgressAt', () => {
    const svc = rollingService(2, 50, 100);
    svc.deployments[0]!.lastProgressAt = iso(T0 - 599 * S);
    svc.deployments[0]!.healthyCount = 0;
    const result = plan(input(svc, [...running('dep-1', 1), ...running('dep-2', 1)], { now: T0 }));
    expect(find(result, 'dep-2')).toMatchObject({
      lastProgressAt: iso(T0),
      healthyCount: 1,
      rolloutState: 'IN_PROGRESS',
    });
    const later = plan(
      input({ ...svc, deployments: result.deployments }, running('dep-2', 1), { now: T0 + 599 * S }),
    );
    expect(find(later, 'dep-2').rolloutState).toBe('IN_PROGRESS');
  });
});

describe('back-off', () => {
  const crashed = (at: number) =>
    task('dep-1', {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      createdAt: at - 20 * S,
      startedAt: at - 10 * S,
      stoppedAt: at,
    });
  const svc = () =>
    service({
      desiredCount: 1,
      deploymentConfiguration: deploymentConfiguration({
        minReadySeconds: 40,
        progressDeadlineSeconds: 86_400,
      }),
    });

  it.each([
    { failuresAt: [-5], now: 0, launches: true, consecutive: 1 },
    { failuresAt: [-30, -5], now: 0, launches: false, consecutive: 2 },
    { failuresAt: [-30, -5], now: 5, launches: true, consecutive: 2 },
    { failuresAt: [-60, -30, -5], now: 14, launches: false, consecutive: 3 },
    { failuresAt: [-60, -30, -5], now: 15, launches: true, consecutive: 3 },
  ])('after failures at $failuresAt s, at $now s: launches $launches', (c) => {
    const base = 10 * S;
    const now = T0 + c.now * S;
    const tasks = c.failuresAt.map((at) => crashed(T0 + at * S));
    const result = plan(input(svc(), tasks, { now, options: { backoffBaseMs: base } }));
    const dep = find(result, 'dep-1');
    expect(dep.consecutiveFailures).toBe(c.consecutive);
    expect(launched(result)).toBe(c.launches ? 1 : 0);
    if (!c.launches) {
      const [hold] = ofType(result, 'hold');
      expect(hold?.until).toBe(Date.parse(dep.backoffUntil ?? ''));
      expect(result.events).toEqual([`service web ${hold?.reason}.`]);
    }
  });

  const healthyThenCrashed = (healthyAt: number, stoppedAt: number) =>
    task('dep-1', {
      startedAt: healthyAt - 5 * S,
      healthyAt,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppedAt,
      stopCode: 'EssentialContainerExited',
    });

  it('a task that was healthy and then died is one more failure in the row, not a reset', () => {
    const tasks = [
      crashed(T0 - 60 * S),
      crashed(T0 - 30 * S),
      healthyThenCrashed(T0 - 20 * S, T0 - 10 * S),
      crashed(T0 - 5 * S),
    ];
    const result = plan(input(svc(), tasks, { options: { backoffBaseMs: 60 * S } }));
    expect(find(result, 'dep-1')).toMatchObject({
      consecutiveFailures: 4,
      backoffUntil: iso(T0 - 5 * S + 4 * 60 * S),
    });
    expect(launched(result)).toBe(0);
  });

  it.each([
    {
      name: 'a task healthy for the reset window forgives the failures before it',
      healthyFor: 12,
      consecutive: 2,
    },
    { name: 'one healthy for less does not', healthyFor: 9, consecutive: 4 },
  ])('$name', ({ healthyFor, consecutive }) => {
    const tasks = [
      crashed(T0 - 60 * S),
      crashed(T0 - 30 * S),
      healthyThenCrashed(T0 - 20 * S, T0 - (20 - healthyFor) * S),
      crashed(T0 - 5 * S),
    ];
    const options = { backoffBaseMs: 60 * S, backoffResetMs: 10 * S };
    const result = plan(input(svc(), tasks, { options }));
    expect(find(result, 'dep-1').consecutiveFailures).toBe(consecutive);
    expect(launched(result)).toBe(0);
  });

  it('a live task healthy for the reset window (10 minutes) forgives the failures before it', () => {
    const svc2 = { ...svc(), desiredCount: 2 };
    const runningSince = (at: number) => task('dep-1', { startedAt: at, healthyAt: at });
    const stable = plan(
      input(svc2, [crashed(T0 - 400 * S), runningSince(T0 - 900 * S), crashed(T0 - 5 * S)]),
    );
    expect(find(stable, 'dep-1').consecutiveFailures).toBe(1);
    expect(launched(stable)).toBe(1);
    const fresh = plan(input(svc2, [crashed(T0 - 400 * S), runningSince(T0 - 500 * S), crashed(T0 - 5 * S)]));
    expect(find(fresh, 'dep-1').consecutiveFailures).toBe(2);
    expect(launched(fresh)).toBe(0);
  });
});

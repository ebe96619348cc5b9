import { describe, expect, it } from 'vitest';
import type { Deployment, Service } from '../../../lib/domain';
import { parseStartedBy } from '../../../lib/inventory/naming';
import { plan } from '../../../lib/reconcile/plan/plan';
import {
  type Action,
  type ObservedTask,
  type PlanInput,
  type PlanResult,
  UNHEALTHY_STOP_REASON,
} from '../../../lib/reconcile/plan/types';
import {
  deployment,
  deploymentConfiguration,
  iso,
  rollingService,
  tasks as running,
  S,
  SERVICE_ARN,
  service,
  T0,
  task,
} from '../../support/plan';

const input = (
  svc: Service,
  observedTasks: ObservedTask[],
  overrides: Partial<PlanInput> = {},
): PlanInput => ({
  service: svc,
  observedTasks,
  taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: false } },
  now: T0,
  ...overrides,
});

const ofType = <T extends Action['type']>(result: PlanResult, type: T) =>
  result.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
const launched = (result: PlanResult) => ofType(result, 'launch').reduce((n, a) => n + a.count, 0);
const stoppedArns = (result: PlanResult) => ofType(result, 'stop').map((a) => a.taskArn);
const find = (result: PlanResult, id: string): Deployment => {
  const found = result.deployments.find((d) => d.id === id);
  if (!found) throw new Error(`no deployment ${id}`);
  return found;
};

describe('scaling', () => {
  it('launches the desired count on FARGATE with deterministic tokens, in calls of at most 10', () => {
    const svc = service({ desiredCount: 25 });
    const result = plan(input(svc, []));
    const [launch] = ofType(result, 'launch');
    expect(launch).toMatchObject({
      deploymentId: 'dep-1',
      taskDefinition: 'web:1',
      count: 25,
      group: 'service:web',
    });
    expect(launch?.runTaskCalls.map((c) => c.count)).toEqual([10, 10, 5]);
    expect(launch?.runTaskCalls.every((c) => c.launchType === 'FARGATE')).toBe(true);
    expect(new Set(launch?.runTaskCalls.map((c) => c.clientToken)).size).toBe(3);
    expect(parseStartedBy(launch?.startedBy)?.deploymentId).toBe('dep-1');
    expect(launch?.reason).toBe('deployment dep-1 has 0 of 25 desired tasks');
    expect(find(result, 'dep-1').launchAttempts).toBe(1);
    expect(plan(input(svc, []))).toEqual(result);

    const nextAttempt = plan(input(service({ desiredCount: 25, deployments: result.deployments }), []));
    const retryTokens = ofType(nextAttempt, 'launch')[0]?.runTaskCalls.map((c) => c.clientToken);
    expect(retryTokens).not.toEqual(launch?.runTaskCalls.map((c) => c.clientToken));
  });

  it('splits launches across the capacity provider strategy, counting running tasks', () => {
    const svc = service({
      desiredCount: 6,
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 2, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ],
    });
    const result = plan(input(svc, [task('dep-1', { capacityProvider: 'FARGATE' })]));
    const calls = ofType(result, 'launch')[0]?.runTaskCalls ?? [];
    expect(calls.map((c) => [c.capacityProviderStrategy?.[0]?.capacityProvider, c.count])).toEqual([
      ['FARGATE', 2],
      ['FARGATE_SPOT', 3],
    ]);
    expect(calls.every((c) => c.launchType === undefined)).toBe(true);
  });

  it.each([
    {
      name: 'pending before newest',
      tasks: [
        ['a', { createdAt: T0 - 900 * S }],
        ['b', { createdAt: T0 - 800 * S }],
        // Pending for long, and the oldest: still stopped before any running task.
        ['c', { lastStatus: 'PENDING', startedAt: undefined, createdAt: T0 - 1000 * S }],
        ['d', { createdAt: T0 - 700 * S }],
      ],
      desired: 2,
      stopped: ['c', 'd'],
    },
    {
      name: 'unhealthy before pending',
      hasHealthCheck: true,
      tasks: [
        ['a', { healthStatus: 'HEALTHY' }],
        ['b', { healthStatus: 'UNHEALTHY' }],
        ['c', { lastStatus: 'PROVISIONING', startedAt: undefined, createdAt: T0 - 5 * S }],
        ['d', { healthStatus: 'HEALTHY', createdAt: T0 - 100 * S }],
      ],
      desired: 3,
      stopped: ['b'],
    },
    {
      name: 'newest first among healthy ones',
      tasks: [
        ['a', { createdAt: T0 - 900 * S }],
        ['b', { createdAt: T0 - 500 * S }],
        ['c', { createdAt: T0 - 700 * S }],
      ],
      desired: 1,
      stopped: ['b', 'c'],
    },
    {
      name: 'to zero',
      tasks: [
        ['a', {}],
        ['b', {}],
      ],
      desired: 0,
      stopped: ['a', 'b'],
    },
    {
      name: 'nothing when at desired',
      tasks: [
        ['a', {}],
        ['b', {}],
      ],
      desired: 2,
      stopped: [],
    },
  ] as const)('scales in: $name', (c) => {
    const tasks = c.tasks.map(([label, overrides]) =>
      task('dep-1', { ...overrides, taskArn: label } as Partial<ObservedTask>),
    );
    // An unhealthy task within the grace period is not yet stopped for its health; it goes by scale-in.
    const svc = service({
      desiredCount: c.desired,
      healthCheckGracePeriodSeconds: 3600,
      deployments: [deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED' })],
    });
    const hasHealthCheck = 'hasHealthCheck' in c && c.hasHealthCheck === true;
    const result = plan(input(svc, tasks, { taskDefinitions: { 'web:1': { hasHealthCheck } } }));
    expect(stoppedArns(result).sort()).toEqual([...c.stopped].sort());
    expect(launched(result)).toBe(0);
    for (const stop of ofType(result, 'stop')) expect(stop.reason).toMatch(/desires/);
  });

  it('stops tasks of unknown deployments, and keeps at desired', () => {
    const svc = service({
      desiredCount: 2,
      deployments: [deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED' })],
    });
    const orphan = task('dep-gone');
    const result = plan(input(svc, [...running('dep-1', 2), orphan]));
    expect(ofType(result, 'stop')).toEqual([
      expect.objectContaining({ taskArn: orphan.taskArn, cause: 'orphan' }),
    ]);
  });
});

describe('health', () => {
  it.each([
    { minReadySeconds: 40, runningFor: 39, healthy: false },
    { minReadySeconds: 40, runningFor: 40, healthy: true },
    { minReadySeconds: 0, runningFor: 0, healthy: true },
    { minReadySeconds: undefined, runningFor: 39, healthy: false },
    { minReadySeconds: undefined, runningFor: 41, healthy: true },
  ])(
    'without a health check, RUNNING for $runningFor s with minReady $minReadySeconds: healthy $healthy',
    (c) => {
      const config = deploymentConfiguration({ minimumHealthyPercent: 100, maximumPercent: 200 });
      if (c.minReadySeconds === undefined) delete config.minReadySeconds;
      else config.minReadySeconds = c.minReadySeconds;
      // 100/200 with one old task: it may only be stopped once the PRIMARY's task is healthy (at 100/100
      // the two would be over the cap, and the task not yet ready would go: trimToCap).
      const svc = rollingService(1, 100, 200, { deploymentConfiguration: config });
      const fresh = task('dep-2', {
        createdAt: T0 - (c.runningFor + 5) * S,
        startedAt: T0 - c.runningFor * S,
      });
      const old = task('dep-1');
      const result = plan(input(svc, [fresh, old]));
      // The old task is replaced either way; whether the new one is healthy decides if it may go now.
      expect(find(result, 'dep-2').healthyCount).toBe(c.healthy ? 1 : 0);
      expect(stoppedArns(result)).toEqual(c.healthy ? [old.taskArn] : []);
    },
  );

  it('with a health check, only HEALTHY counts, whatever the time RUNNING', () => {
    const svc = service({ desiredCount: 3, deployments: [deployment('dep-1', 'web:1')] });
    const tasks = [
      task('dep-1', { healthStatus: 'HEALTHY' }),
      task('dep-1', { healthStatus: 'UNKNOWN' }),
      task('dep-1', { healthStatus: 'HEALTHY' }),
    ];
    const result = plan(input(svc, tasks, { taskDefinitions: { 'web:1': { hasHealthCheck: true } } }));
    expect(find(result, 'dep-1')).toMatchObject({ healthyCount: 2, rolloutState: 'IN_PROGRESS' });
    expect(result.events).toEqual([]);
  });

  it.each([
    { grace: 60, startedAgo: 59, stopped: false },
    { grace: 60, startedAgo: 60, stopped: true },
    { grace: 0, startedAgo: 1, stopped: true },
  ])('an UNHEALTHY task started $startedAgo s ago with grace $grace s: stopped $stopped', (c) => {
    const svc = service({
      desiredCount: 3,
      healthCheckGracePeriodSeconds: c.grace,
      deployments: [deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED' })],
    });
    const sick = task('dep-1', { healthStatus: 'UNHEALTHY', startedAt: T0 - c.startedAgo * S });
    const tasks = [...running('dep-1', 2, { healthStatus: 'HEALTHY' }), sick];
    const result = plan(input(svc, tasks, { taskDefinitions: { 'web:1': { hasHealthCheck: true } } }));
    if (c.stopped) {
      const [stop] = ofType(result, 'stop');
      expect(stop).toMatchObject({ taskArn: sick.taskArn, cause: 'unhealthy' });
      expect(stop?.reason.startsWith(UNHEALTHY_STOP_REASON)).toBe(true);
      expect(ofType(result, 'launch')).toEqual([expect.objectContaining({ count: 1 })]);
    } else {
      expect(result.actions).toEqual([]);
    }
  });
});

describe('rolling deploy, one pass', () => {
  it.each([
    { min: 100, max: 200, desired: 4, oldHealthy: 4, newHealthy: 0, newPending: 0, launch: 4, stop: 0 },
    { min: 100, max: 200, desired: 4, oldHealthy: 4, newHealthy: 2, newPending: 2, launch: 0, stop: 2 },
    { min: 50, max: 100, desired: 4, oldHealthy: 4, newHealthy: 0, newPending: 0, launch: 2, stop: 2 },
    { min: 50, max: 100, desired: 4, oldHealthy: 2, newHealthy: 0, newPending: 2, launch: 0, stop: 0 },
    { min: 50, max: 100, desired: 4, oldHealthy: 2, newHealthy: 2, newPending: 0, launch: 2, stop: 2 },
    { min: 0, max: 100, desired: 3, oldHealthy: 3, newHealthy: 0, newPending: 0, launch: 3, stop: 3 },
    { min: 100, max: 125, desired: 4, oldHealthy: 4, newHealthy: 0, newPending: 0, launch: 1, stop: 0 },
  ])(
    '$min/$max, old $oldHealthy healthy, new $newHealthy healthy + $newPending pending: launch $launch, stop $stop',
    (c) => {
      const svc = rollingService(c.desired, c.min, c.max);
      const tasks = [
        ...running('dep-1', c.oldHealthy),
        ...running('dep-2', c.newHealthy),
        ...running('dep-2', c.newPending, {
          lastStatus: 'PENDING',
          startedAt: undefined,
          createdAt: T0 - 5 * S,
        }),
      ];
      const result = plan(input(svc, tasks));
      expect(launched(result)).toBe(c.launch);
      expect(ofType(result, 'stop')).toHaveLength(c.stop);
      for (const stop of ofType(result, 'stop')) {
        expect(stop).toMatchObject({ deploymentId: 'dep-1', cause: 'replaced' });
        expect(stop.reason).toBe('deployment dep-1 is replaced by deployment dep-2 (web:2)');
      }
      // Stops come first: a launch may use the room they free.
      const launchAt = result.actions.findIndex((a) => a.type === 'launch');
      const lastStopAt = result.actions.map((a) => a.type).lastIndexOf('stop');
      if (launchAt >= 0) expect(launchAt).toBeGreaterThan(lastStopAt);
    },
  );

  it('stops old unhealthy and pending tasks before healthy ones', () => {
    const svc = rollingService(3, 100, 200, { healthCheckGracePeriodSeconds: 3600 });
    const oldPending = task('dep-1', { lastStatus: 'PENDING', startedAt: undefined });
    const oldHealthy = running('dep-1', 3, { healthStatus: 'HEALTHY' });
    const result = plan(
      input(svc, [oldPending, ...oldHealthy], {
        taskDefinitions: { 'web:1': { hasHealthCheck: true }, 'web:2': { hasHealthCheck: true } },
      }),
    );
    expect(stoppedArns(result)).toEqual([oldPending.taskArn]);
    expect(launched(result)).toBe(3);
  });

  it('completes when only the desired healthy tasks of the PRIMARY remain, and says so once', () => {
    const svc = rollingService(2, 100, 200);
    const tasks = [
      ...running('dep-2', 2),
      task('dep-1', {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'UserInitiated',
        stoppedAt: T0 - S,
      }),
    ];
    const result = plan(input(svc, tasks));
    expect(result.actions).toEqual([]);
    expect(find(result, 'dep-2')).toMatchObject({
      rolloutState: 'COMPLETED',
      status: 'PRIMARY',
      runningCount: 2,
      updatedAt: iso(T0),
    });
    expect(find(result, 'dep-1').status).toBe('INACTIVE');
    expect(result.events).toEqual([
      'service web deployment dep-2 completed.',
      'service web has reached a steady state.',
    ]);
    const again = plan(
      input(
        { ...svc, deployments: result.deployments, runningCount: result.runningCount, pendingCount: 0 },
        tasks,
        { now: T0 + 60 * S },
      ),
    );
    expect(again.events).toEqual([]);
    expect(again.deployments).toEqual(result.deployments);
  });

  it('does not complete while an old task is still stopping', () => {
    const svc = rollingService(2, 100, 200);
    const tasks = [
      ...running('dep-2', 2),
      task('dep-1', { desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING' }),
    ];
    const result = plan(input(svc, tasks));
    expect(result.actions).toEqual([]);
    expect(find(result, 'dep-2').rolloutState).toBe('IN_PROGRESS');
    expect(find(result, 'dep-1').status).toBe('ACTIVE');
    expect(result.runningCount).toBe(2);
  });

  it.each([
    { min: 100, max: 100, desired: 3 },
    { min: 75, max: 100, desired: 2 },
  ])('is blocked at $min/$max with $desired tasks: a hold and a stable event', (c) => {
    const svc = rollingService(c.desired, c.min, c.max);
    const result = plan(input(svc, running('dep-1', c.desired)));
    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]).toMatchObject({ type: 'hold', deploymentId: 'dep-2' });
    expect(result.events).toEqual([
      `service web deployment dep-2 cannot make progress: maximumPercent ${c.max} allows ${c.desired} running or pending tasks, minimumHealthyPercent ${c.min} requires ${c.desired} healthy; ${c.desired} tasks are running or pending and all are needed to stay at ${c.desired} healthy, so no task can be stopped or started.`,
    ]);
  });
});

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

describe('draining', () => {
  it.each([
    { tasks: 'live', status: 'DRAINING', stops: 2, next: 'DRAINING' },
    { tasks: 'stopping', status: 'DRAINING', stops: 0, next: 'DRAINING' },
    { tasks: 'stopped', status: 'DRAINING', stops: 0, next: 'INACTIVE' },
    { tasks: 'live', status: 'INACTIVE', stops: 2, next: 'INACTIVE' },
  ] as const)('$status service with $tasks tasks: $stops stops, then $next', (c) => {
    const overrides: Partial<ObservedTask> =
      c.tasks === 'live'
        ? {}
        : c.tasks === 'stopping'
          ? { desiredStatus: 'STOPPED', lastStatus: 'DEPROVISIONING' }
          : { desiredStatus: 'STOPPED', lastStatus: 'STOPPED', stoppedAt: T0, stopCode: 'UserInitiated' };
    const result = plan(input(service({ status: c.status }), running('dep-1', 2, overrides)));
    expect(ofType(result, 'stop')).toHaveLength(c.stops);
    expect(ofType(result, 'stop').every((s) => s.cause === 'draining')).toBe(true);
    expect(launched(result)).toBe(0);
    expect(result.serviceStatus).toBe(c.next);
    // ECS's runningCount: a task being stopped is RUNNING until ECS says otherwise.
    expect(result.runningCount).toBe(c.tasks === 'live' ? 2 : 0);
    if (c.next === 'INACTIVE') expect(result.deployments.every((d) => d.status === 'INACTIVE')).toBe(true);
  });
});

describe('purity', () => {
  it('does not modify its input and gives equal results for equal input', () => {
    const svc = rollingService(4, 50, 100);
    const tasks = [...running('dep-1', 4), task('dep-2', { lastStatus: 'PENDING', startedAt: undefined })];
    const frozen = structuredClone({ svc, tasks });
    const first = plan(input(svc, tasks));
    expect({ svc, tasks }).toEqual(frozen);
    expect(plan(input(structuredClone(svc), structuredClone(tasks)))).toEqual(first);
  });

  it('creates a PRIMARY for a service stored without one, deterministically', () => {
    const svc = service({ deployments: [] });
    const result = plan(input(svc, []));
    expect(result.deployments).toHaveLength(1);
    expect(result.deployments[0]).toMatchObject({ status: 'PRIMARY', taskDefinition: 'web:1' });
    expect(plan(input(svc, [])).deployments[0]?.id).toBe(result.deployments[0]?.id);
    expect(ofType(result, 'launch')[0]?.deploymentId).toBe(result.deployments[0]?.id);
    expect(SERVICE_ARN).toContain('service/default/web');
  });
});

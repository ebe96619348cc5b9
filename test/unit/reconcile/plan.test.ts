import { describe, expect, it } from 'vitest';
import { parseStartedBy } from '../../../lib/inventory/naming';
import { plan } from '../../../lib/reconcile/plan/plan';
import { type ObservedTask, UNHEALTHY_STOP_REASON } from '../../../lib/reconcile/plan/types';
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
import { find, input, launched, ofResult as ofType, stoppedArns } from '../../support/plan-results';

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

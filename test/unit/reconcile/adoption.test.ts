import { describe, expect, it } from 'vitest';
import type { Deployment, Service } from '../../../lib/domain';
import { adoptionSource } from '../../../lib/domain';
import { plan } from '../../../lib/reconcile/plan/plan';
import type { ObservedTask, PlanInput } from '../../../lib/reconcile/plan/types';
import { deployment, iso, ofType, S, service, T0, task, tasks } from '../../support/plan';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
const OTHER_TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/other/2';

/** After a failed web:2 deploy, a rollback (dep-3) to web:1, whose tasks (dep-1) still run. */
const rolledBack = (adopter: Partial<Deployment> = {}, extra: Partial<Service> = {}): Service =>
  service({
    desiredCount: 3,
    taskDefinition: 'web:1',
    deployments: [
      deployment('dep-3', 'web:1', { adoptsTasksOf: 'dep-1', rollbackOf: 'dep-2', ...adopter }),
      deployment('dep-2', 'web:2', {
        status: 'ACTIVE',
        rolloutState: 'FAILED',
        createdAt: iso(T0 - 600 * S),
      }),
      deployment('dep-1', 'web:1', {
        status: 'ACTIVE',
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 3600 * S),
      }),
    ],
    ...extra,
  });

const input = (svc: Service, observedTasks: ObservedTask[]): PlanInput => ({
  service: svc,
  observedTasks,
  taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: false } },
  now: T0,
});

const launchedFor = (result: ReturnType<typeof plan>, id: string) =>
  ofType(result.actions, 'launch')
    .filter((a) => a.deploymentId === id)
    .reduce((n, a) => n + a.count, 0);
const find = (result: ReturnType<typeof plan>, id: string) => result.deployments.find((d) => d.id === id);

describe('a rollback adopts the running tasks of its revision', () => {
  it('takes them all over: launches nothing, stops nothing, and has completed', () => {
    const result = plan(input(rolledBack(), tasks('dep-1', 3)));
    expect(result.actions).toEqual([]);
    expect(find(result, 'dep-3')).toMatchObject({
      rolloutState: 'COMPLETED',
      runningCount: 3,
      healthyCount: 3,
    });
    expect(find(result, 'dep-1')).toMatchObject({ status: 'INACTIVE', runningCount: 0 });
  });

  it.each([
    {
      name: 'on a capacity provider the service does not place on',
      odd: { capacityProvider: 'FARGATE_SPOT' },
    },
    { name: 'being stopped', odd: { desiredStatus: 'STOPPED' } },
    {
      name: 'registered with a target group the service does not use',
      odd: { targets: { registered: [{ targetGroupArn: OTHER_TG, port: 80 }] } },
    },
    {
      name: 'draining',
      odd: {
        targets: {
          registered: [{ targetGroupArn: TG, port: 80 }],
          drain: { deregisteredAt: T0 - S, stopDueAt: T0 + 60 * S, cause: 'replaced', reason: 'test' },
        },
      },
    },
  ] as const)('leaves a task $name to its deployment, and launches its replacement', ({ odd }) => {
    const svc = rolledBack(
      {},
      { loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 80 }] },
    );
    const withTarget = { targets: { registered: [{ targetGroupArn: TG, port: 80 }] } };
    const observed = [...tasks('dep-1', 2, withTarget), task('dep-1', odd as Partial<ObservedTask>)];
    const result = plan(input(svc, observed));
    expect(find(result, 'dep-3')?.runningCount).toBe(2);
    expect(launchedFor(result, 'dep-3')).toBe(1);
    expect(find(result, 'dep-1')?.status).toBe('ACTIVE');
  });

  it('adopts nothing from a deployment of another revision', () => {
    const svc = rolledBack({ adoptsTasksOf: 'dep-2' });
    const result = plan(input(svc, tasks('dep-2', 3)));
    expect(launchedFor(result, 'dep-3')).toBe(3);
    expect(find(result, 'dep-3')?.runningCount).toBe(0);
  });

  it('a rollback of the rollback adopts the tasks the first one adopted', () => {
    const svc = rolledBack({ status: 'ACTIVE', rolloutState: 'COMPLETED', createdAt: iso(T0 - 300 * S) });
    svc.deployments.unshift(
      deployment('dep-5', 'web:1', { adoptsTasksOf: 'dep-3' }),
      deployment('dep-4', 'web:2', { status: 'ACTIVE', rolloutState: 'FAILED', createdAt: iso(T0 - 60 * S) }),
    );
    const result = plan(input(svc, tasks('dep-1', 3)));
    expect(result.actions).toEqual([]);
    expect(find(result, 'dep-5')).toMatchObject({ runningCount: 3, rolloutState: 'COMPLETED' });
    expect(find(result, 'dep-3')?.status).toBe('INACTIVE');
  });
});

describe('adoptionSource', () => {
  it('is the newest other deployment of the revision that is not INACTIVE', () => {
    const deployments = [
      deployment('new', 'web:1'),
      deployment('b', 'web:1', { status: 'ACTIVE', createdAt: iso(T0 - 60 * S) }),
      deployment('a', 'web:1', { status: 'ACTIVE', createdAt: iso(T0 - 120 * S) }),
      deployment('c', 'web:1', { status: 'INACTIVE', createdAt: iso(T0 - 30 * S) }),
      deployment('d', 'web:2', { status: 'ACTIVE', createdAt: iso(T0 - 10 * S) }),
    ];
    expect(adoptionSource(deployments, 'web:1', 'new')).toBe('b');
    expect(adoptionSource(deployments, 'web:3', 'new')).toBeUndefined();
  });
});

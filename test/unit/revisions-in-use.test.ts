import { describe, expect, it } from 'vitest';
import {
  awaitsEcsDeregistration,
  revisionsInUse,
  type Service,
  servicesUsing,
  type TaskDefinition,
} from '../../lib/domain';
import { plan } from '../../lib/reconcile/plan/plan';
import type { RollbackAction } from '../../lib/reconcile/plan/types';
import { deployment, deploymentConfiguration, iso, S, service, T0, tasks } from '../support/plan';

/** web:1 COMPLETED and retired (its tasks all gone), web:2 the PRIMARY. */
const retiredThenRolling = (primary: Partial<Parameters<typeof deployment>[2]> = {}): Service =>
  service({
    taskDefinition: 'web:2',
    deploymentConfiguration: deploymentConfiguration({
      minimumHealthyPercent: 0,
      deploymentCircuitBreaker: { enable: true, rollback: true, failureThreshold: 3 },
    }),
    deployments: [
      deployment('dep-2', 'web:2', {
        createdAt: iso(T0 - 60 * S),
        lastProgressAt: iso(T0 - 60 * S),
        ...primary,
      }),
      deployment('dep-1', 'web:1', {
        status: 'INACTIVE',
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 3600 * S),
      }),
    ],
  });

describe('revisionsInUse: the revisions whose ECS copies a service still needs', () => {
  it('counts every deployment that is not INACTIVE, and no INACTIVE one once the PRIMARY is done', () => {
    const svc = service({
      taskDefinition: 'web:3',
      deployments: [
        deployment('dep-3', 'web:3', { rolloutState: 'COMPLETED' }),
        deployment('dep-2', 'web:2', { status: 'ACTIVE', rolloutState: 'STOPPED' }),
        deployment('dep-1', 'web:1', { status: 'INACTIVE', rolloutState: 'COMPLETED' }),
      ],
    });
    expect(revisionsInUse(svc)).toEqual(new Set(['web:3', 'web:2']));
  });

  it('keeps the COMPLETED deployments of a service whose PRIMARY is IN_PROGRESS: the breaker may roll back to one', () => {
    expect(revisionsInUse(retiredThenRolling())).toEqual(new Set(['web:2', 'web:1']));
    expect(revisionsInUse(retiredThenRolling({ rolloutState: 'COMPLETED' }))).toEqual(new Set(['web:2']));
    // A STOPPED or FAILED INACTIVE deployment is never a rollback target.
    const svc = retiredThenRolling();
    svc.deployments[1] = { ...svc.deployments[1]!, rolloutState: 'FAILED' };
    expect(revisionsInUse(svc)).toEqual(new Set(['web:2']));
  });

  it("holds the revision the circuit breaker's rollback then launches", () => {
    const svc = retiredThenRolling({ failedTasks: 3 });
    const result = plan({
      service: svc,
      observedTasks: tasks('dep-2', 0),
      taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: false } },
      now: T0,
    });
    const rollback = result.actions.find((action): action is RollbackAction => action.type === 'rollback');
    expect(rollback?.taskDefinition).toBe('web:1');
    expect(revisionsInUse(svc).has(rollback!.taskDefinition)).toBe(true);
  });

  it('counts committed launches, and nothing of an INACTIVE service', () => {
    const svc = service({
      deployments: [deployment('dep-1', 'web:1', { status: 'INACTIVE', rolloutState: 'STOPPED' })],
      inflightLaunches: [
        {
          deploymentId: 'dep-1',
          taskDefinition: 'web:1',
          count: 1,
          clientToken: 't',
          startedBy: 's',
          group: 'service:web',
        },
      ],
    });
    expect(revisionsInUse(svc)).toEqual(new Set(['web:1']));
    expect(revisionsInUse({ ...svc, status: 'INACTIVE' })).toEqual(new Set());
  });

  it('names the services that use a revision', () => {
    const services = [
      service({ serviceName: 'a' }),
      service({ serviceName: 'b', cluster: 'other' }),
      service({ serviceName: 'c', deployments: [deployment('dep-9', 'web:9')] }),
    ];
    expect(servicesUsing(services, 'web:1')).toEqual([
      { cluster: 'default', serviceName: 'a' },
      { cluster: 'other', serviceName: 'b' },
    ]);
    expect(servicesUsing(services, 'web:2')).toEqual([]);
  });
});

describe('awaitsEcsDeregistration', () => {
  const revision = (overrides: Partial<TaskDefinition>) =>
    ({ family: 'web', revision: 1, status: 'INACTIVE', version: 2, ...overrides }) as TaskDefinition;

  it('holds for an INACTIVE revision with an ECS copy not yet deregistered, only', () => {
    expect(awaitsEcsDeregistration(revision({ ecsTaskDefinitionArn: 'arn:x' }))).toBe(true);
    expect(awaitsEcsDeregistration(revision({}))).toBe(false);
    expect(awaitsEcsDeregistration(revision({ status: 'ACTIVE', ecsTaskDefinitionArn: 'arn:x' }))).toBe(
      false,
    );
    expect(
      awaitsEcsDeregistration(revision({ ecsTaskDefinitionArn: 'arn:x', ecsDeregisteredAt: iso(T0) })),
    ).toBe(false);
  });
});

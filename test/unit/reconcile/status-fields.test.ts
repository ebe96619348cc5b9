import { describe, expect, it } from 'vitest';
import { plan } from '../../../lib/reconcile/plan/plan';
import type { ObservedTask } from '../../../lib/reconcile/plan/types';
import { deployment, deploymentConfiguration, iso, S, service, T0, task } from '../../support/plan';

const runningTask = (deploymentId: string, index: number): ObservedTask =>
  task(deploymentId, { taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${deploymentId}-${index}` });

describe('status fields after a pass', () => {
  it('gives every deployment its true healthyCount, not only the PRIMARY', () => {
    const svc = service({
      desiredCount: 2,
      taskDefinition: 'web:2',
      deploymentConfiguration: deploymentConfiguration({ minimumHealthyPercent: 100, maximumPercent: 200 }),
      deployments: [
        deployment('dep-2', 'web:2', { createdAt: iso(T0 - 60 * S), lastProgressAt: iso(T0 - 60 * S) }),
        deployment('dep-1', 'web:1', {
          status: 'ACTIVE',
          rolloutState: 'COMPLETED',
          createdAt: iso(T0 - 3600 * S),
          healthyCount: 0,
        }),
      ],
    });
    const result = plan({
      service: svc,
      observedTasks: [runningTask('dep-1', 1), runningTask('dep-1', 2)],
      taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: false } },
      now: T0,
    });
    expect(result.deployments.find((d) => d.id === 'dep-1')).toMatchObject({
      runningCount: 2,
      healthyCount: 2,
    });
  });

  it('never leaves a deployment INACTIVE and IN_PROGRESS when a deleted service drains', () => {
    const svc = service({
      status: 'DRAINING',
      desiredCount: 0,
      deployments: [deployment('dep-1', 'web:1', { desiredCount: 0, createdAt: iso(T0 - 60 * S) })],
    });
    const result = plan({
      service: svc,
      observedTasks: [],
      taskDefinitions: { 'web:1': { hasHealthCheck: false } },
      now: T0,
    });
    expect(result.serviceStatus).toBe('INACTIVE');
    expect(result.deployments[0]).toMatchObject({
      status: 'INACTIVE',
      rolloutState: 'STOPPED',
      rolloutStateReason: expect.stringMatching(/was deleted$/),
    });
  });
});

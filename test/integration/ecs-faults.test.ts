import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

/**
 * The whole pipeline against an ECS endpoint that answers 20% of calls with HTTP 500 ServerException,
 * half of them after applying the call (a RunTask that launched, then "failed").
 */
describe('converging while ECS fails 20% of calls', () => {
  const local = useTestStack({
    timing: 'fast',
    ecs: { faultRate: 0.2 },
    // A failed message would come back only after this: convergence must not depend on it.
    visibilityTimeoutSeconds: 300,
  });

  /** Every task ECS holds for the service, read from the endpoint itself (no injected faults there). */
  const tasksOf = (serviceName: string) => {
    const ecs = local.stack.ecs.ecs;
    const arns = ['RUNNING', 'STOPPED'].flatMap(
      (desiredStatus) =>
        (
          ecs.handle('ListTasks', { cluster: 'default', desiredStatus, maxResults: 100 }) as {
            taskArns: string[];
          }
        ).taskArns,
    );
    if (arns.length === 0) return [];
    const { tasks } = ecs.handle('DescribeTasks', { cluster: 'default', tasks: arns }) as {
      tasks: { group?: string; lastStatus: string; desiredStatus: string }[];
    };
    return tasks.filter((task) => task.group === `service:${serviceName}`);
  };

  it('reaches the desired count with no task launched twice', async () => {
    expect(
      (
        await local.api.post('/task-definitions', {
          family: 'flaky',
          cpu: 256,
          memory: 512,
          containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
        })
      ).status,
    ).toBe(201);
    // The API checks the cluster with ECS: a 503 from an injected fault is retried, as a client would.
    await eventually('the service created', async () => {
      const created = await local.api.post('/clusters/default/services', {
        serviceName: 'flaky',
        taskDefinition: 'flaky',
        desiredCount: 30,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        deploymentConfiguration: { minReadySeconds: 0 },
      });
      if (created.status === 503) return undefined;
      expect(created.status).toBe(201);
      return true;
    });
    await eventually(
      '30 RUNNING tasks',
      async () => {
        const running = tasksOf('flaky').filter(
          (task) => task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING',
        );
        return running.length === 30 ? true : undefined;
      },
      { timeoutMs: 45_000 },
    );
    // Nothing launched twice: every task ECS ever ran for the service is one of the 30.
    expect(tasksOf('flaky')).toHaveLength(30);
  }, 60_000);
});

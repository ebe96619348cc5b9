import { describe, expect, it } from 'vitest';
import { isLive, serviceTasks } from '../support/ecs';
import { expectEmptyDeadLetterQueues } from '../support/queues';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

describe('tight ECS throttling', () => {
  // 10% of ECS's published rates: launches burst 10 then 2 per second, reads burst 10 then 2 per second.
  const local = useTestStack({ timing: 'driven', ecs: { throttle: 0.1 }, visibilityTimeoutSeconds: 5 });

  it('still converges, and no SQS message is lost', async () => {
    const { api, ecs } = local;
    await api.post('/task-definitions', {
      family: 'slow',
      cpu: 256,
      memory: 512,
      containerDefinitions: [{ name: 'app', image: 'nginx:1' }],
    });
    for (const name of ['slow-a', 'slow-b', 'slow-c']) {
      const created = await api.post('/clusters/default/services', {
        serviceName: name,
        taskDefinition: 'slow',
        desiredCount: 6,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        deploymentConfiguration: { minReadySeconds: 0 },
      });
      expect(created.status).toBe(201);
    }
    // Progress is watched through Tugboat's API, so the test spends none of the scarce ECS read budget.
    for (const name of ['slow-a', 'slow-b', 'slow-c']) {
      await eventually(
        `${name} steady at 6`,
        async () => {
          await local.stack.runScheduler().catch(() => undefined);
          const service = (await api.get(`/clusters/default/services/${name}`)).body;
          return service.runningCount === 6 && service.deployments[0].rolloutState === 'COMPLETED'
            ? true
            : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1_000 },
      );
    }
    for (const name of ['slow-a', 'slow-b', 'slow-c']) {
      const tasks = await eventually(`${name} tasks from ECS`, () => serviceTasks(ecs, name), {
        intervalMs: 1_000,
      });
      expect(tasks.filter(isLive)).toHaveLength(6);
      expect(tasks, 'no task launched twice').toHaveLength(6);
    }
    await expectEmptyDeadLetterQueues(local.stack);
  }, 150_000);
});

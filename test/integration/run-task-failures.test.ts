import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEcsClientForGateway, createEcsGateway } from '../../lib/ecs/gateway';
import { createReconciler } from '../../lib/reconcile/pass/reconcile';
import type { DynamoDbStore } from '../../lib/store/dynamodb';
import type { LocalStack } from '../../local/stack';
import { httpClient, stackStore, startTestStack } from '../support/api';

describe("RunTask's failures (no reconcile worker: the test drives every pass)", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof httpClient>;
  let store: DynamoDbStore;

  beforeAll(async () => {
    stack = await startTestStack({
      // Tasks take long to start: the one launched must not become healthy (a success) before the next pass.
      ecs: { startMs: 60_000, stopMs: 100, throttle: 'off' },
      workerConcurrency: 0,
    });
    api = httpClient(stack.apiUrl);
    store = stackStore(stack);
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('are recorded with their reason, count as failed launches, and are not replayed', async () => {
    await api.post('/task-definitions', {
      family: 'partial',
      cpu: 256,
      memory: 512,
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
    });
    await api.post('/clusters/default/services', {
      serviceName: 'partial',
      taskDefinition: 'partial',
      desiredCount: 3,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    const real = createEcsGateway({
      client: createEcsClientForGateway({
        endpoint: stack.ecsUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
      cluster: 'default',
    });
    // ECS launches one task of the three and lists the other two as failures.
    let runTaskCalls = 0;
    const reconciler = createReconciler({
      store,
      ecsFor: () => ({
        ...real,
        runTasks: async (request) => {
          runTaskCalls++;
          const result = await real.runTasks({ ...request, count: 1 });
          return {
            tasks: result.tasks,
            failures: [
              { arn: 'arn:aws:ecs:us-east-1:000000000000:container-instance/x', reason: 'RESOURCE:ENI' },
              { arn: 'arn:aws:ecs:us-east-1:000000000000:container-instance/y', reason: 'RESOURCE:ENI' },
            ],
          };
        },
      }),
      now: Date.now,
      newId: randomUUID,
      leaseMs: 1_000,
    });
    const outcome = await reconciler.reconcile('default', 'partial');
    expect(outcome).toMatchObject({ status: 'reconciled', launched: 1 });
    const events = await api.get('/clusters/default/services/partial/events');
    expect(events.body.items.map((event: { message: string }) => event.message)).toContainEqual(
      expect.stringMatching(/unable to launch 2 of 3 tasks of deployment .*: RunTask failures: RESOURCE:ENI/),
    );
    const service = await store.getService('default', 'partial');
    expect(service?.inflightLaunches).toBeUndefined();
    expect(service?.deployments[0]?.launchRefusals?.map((refusal) => refusal.count)).toEqual([2]);

    // The next pass counts them as failed launches, two in a row, so it backs off; nothing is replayed.
    await reconciler.reconcile('default', 'partial');
    const next = await store.getService('default', 'partial');
    expect(next?.deployments[0]?.failedTasks).toBe(2);
    expect(next?.deployments[0]?.consecutiveFailures).toBe(2);
    expect(next?.deployments[0]?.backoffUntil).toBeDefined();
    expect(runTaskCalls).toBe(1);
  }, 60_000);
});

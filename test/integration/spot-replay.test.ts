/**
 * Replaying a Spot launch: a pass dies after ECS answered a FARGATE_SPOT RunTask that it refused in part for
 * capacity; the next pass replays the launch with the same clientToken. The refused tasks are a Spot
 * failure, not failed launches. (No reconcile worker: the test drives every pass.)
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CAPACITY_UNAVAILABLE_REASON } from '../../lib/ecs/errors';
import { createEcsClientForGateway, createEcsGateway } from '../../lib/ecs/gateway';
import { createReconciler } from '../../lib/reconcile/pass/reconcile';
import type { DynamoDbStore } from '../../lib/store/dynamodb';
import type { LocalStack } from '../../local/stack';
import { httpClient, stackStore, startTestStack, webTaskDefinition } from '../support/api';

let stack: LocalStack;
let api: ReturnType<typeof httpClient>;
let store: DynamoDbStore;

beforeAll(async () => {
  // Tasks take long to start: nothing becomes healthy (or progress) between the passes.
  stack = await startTestStack({
    ecs: { startMs: 60_000, stopMs: 100, throttle: 'off' },
    workerConcurrency: 0,
  });
  api = httpClient(stack.apiUrl);
  store = stackStore(stack);
});
afterAll(async () => {
  await stack.stop();
});

it('a replayed RunTask that ECS refused in part for Spot capacity counts no failed launch', async () => {
  expect((await api.post('/task-definitions', webTaskDefinition('replayed'))).status).toBe(201);
  const created = await api.post('/clusters/default/services', {
    serviceName: 'replayed',
    taskDefinition: 'replayed',
    desiredCount: 2,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    spotFallback: { enabled: true },
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  // Spot has room for one task: the pass's RunTask of 2 is refused in part.
  const room = await fetch(`${stack.ecsUrl}/__local/spot-capacity`, {
    method: 'POST',
    body: JSON.stringify({ available: true, tasks: 1 }),
  });
  expect(room.status).toBe(200);

  const real = createEcsGateway({
    client: createEcsClientForGateway({
      endpoint: stack.ecsUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    }),
    cluster: 'default',
  });
  const reconcilerWith = (runTasks: typeof real.runTasks) =>
    createReconciler({
      store,
      ecsFor: () => ({ ...real, runTasks }),
      now: Date.now,
      newId: randomUUID,
      leaseMs: 1_000,
    });

  // The pass dies once ECS has answered, before it takes the launch off its commitment.
  const answers: Awaited<ReturnType<typeof real.runTasks>>[] = [];
  const dying = reconcilerWith(async (request) => {
    answers.push(await real.runTasks(request));
    throw new Error('the pass died');
  });
  await expect(dying.reconcile('default', 'replayed')).rejects.toThrow('the pass died');
  expect(answers[0]?.tasks).toHaveLength(1);
  expect(answers[0]?.failures).toEqual([{ reason: CAPACITY_UNAVAILABLE_REASON }]);
  const committed = await store.getService('default', 'replayed');
  expect(committed?.inflightLaunches?.map((launch) => launch.count)).toEqual([2]);

  // The next pass replays it with the same token; ECS launches nothing new for it.
  const replaying = reconcilerWith((request) => real.runTasks(request));
  await replaying.reconcile('default', 'replayed');
  await replaying.reconcile('default', 'replayed');
  const service = await store.getService('default', 'replayed');
  const primary = service?.deployments[0];
  expect(service?.inflightLaunches ?? []).toEqual([]);
  expect(primary?.launchRefusals ?? []).toEqual([]);
  expect(primary?.failedTasks).toBe(0);
  expect(primary?.consecutiveFailures ?? 0).toBe(0);
  expect(primary?.spotFallback?.lastSpotFailure).toContain(CAPACITY_UNAVAILABLE_REASON);
  const events = await api.get('/clusters/default/services/replayed/events');
  const messages: string[] = events.body.items.map((event: { message: string }) => event.message);
  expect(messages).toContainEqual(expect.stringMatching(/unable to launch 1 of 2 tasks/));
}, 60_000);

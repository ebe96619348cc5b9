import { expect, it } from 'vitest';
import { CAPACITY_UNAVAILABLE_REASON } from '../../lib/ecs/errors';
import { webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

// Tasks take long to start: nothing becomes healthy (or progress) between the passes.
const local = useTestStack({ timing: 'pending', workerConcurrency: 0 });

it('a replayed RunTask that ECS refused in part for Spot capacity counts no failed launch', async () => {
  expect((await local.api.post('/task-definitions', webTaskDefinition('replayed'))).status).toBe(201);
  const created = await local.api.post('/clusters/default/services', {
    serviceName: 'replayed',
    taskDefinition: 'replayed',
    desiredCount: 2,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    spotFallback: { enabled: true },
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  // Spot has room for one task: the pass's RunTask of 2 is refused in part.
  const room = await fetch(`${local.stack.ecsUrl}/__local/spot-capacity`, {
    method: 'POST',
    body: JSON.stringify({ available: true, tasks: 1 }),
  });
  expect(room.status).toBe(200);

  const real = local.runtime.ecsFor('default');
  const reconcilerWith = (runTasks: typeof real.runTasks) =>
    local.reconciler({ ecsFor: () => ({ ...real, runTasks }), leaseMs: 1_000 });

  // The pass dies once ECS has answered, before it takes the launch off its commitment.
  const answers: Awaited<ReturnType<typeof real.runTasks>>[] = [];
  const dying = reconcilerWith(async (request) => {
    answers.push(await real.runTasks(request));
    throw new Error('the pass died');
  });
  await expect(dying.reconcile('default', 'replayed')).rejects.toThrow('the pass died');
  expect(answers[0]?.tasks).toHaveLength(1);
  expect(answers[0]?.failures).toEqual([{ reason: CAPACITY_UNAVAILABLE_REASON }]);
  const committed = await local.store.getService('default', 'replayed');
  expect(committed?.inflightLaunches?.map((launch) => launch.count)).toEqual([2]);

  // The next pass replays it with the same token; ECS launches nothing new for it.
  const replaying = reconcilerWith((request) => real.runTasks(request));
  await replaying.reconcile('default', 'replayed');
  await replaying.reconcile('default', 'replayed');
  const service = await local.store.getService('default', 'replayed');
  const primary = service?.deployments[0];
  expect(service?.inflightLaunches ?? []).toEqual([]);
  expect(primary?.launchRefusals ?? []).toEqual([]);
  expect(primary?.failedTasks).toBe(0);
  expect(primary?.consecutiveFailures ?? 0).toBe(0);
  expect(primary?.spotFallback?.lastSpotFailure).toContain(CAPACITY_UNAVAILABLE_REASON);
  const events = await local.api.get('/clusters/default/services/replayed/events');
  const messages: string[] = events.body.items.map((event: { message: string }) => event.message);
  expect(messages).toContainEqual(expect.stringMatching(/unable to launch 1 of 2 tasks/));
}, 60_000);

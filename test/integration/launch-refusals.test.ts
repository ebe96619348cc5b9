import { CreateClusterCommand, PutClusterCapacityProvidersCommand } from '@aws-sdk/client-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isLive, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

/** The scheduler's period in this test: "controllable" means within two of them. */
const INTERVAL_MS = 2_000;
const CLUSTER = 'spotty';

describe('a launch ECS refuses for good (capacity provider taken away from the cluster)', () => {
  const local = useTestStack({ timing: 'fast', reconcileIntervalMs: INTERVAL_MS });

  beforeAll(async () => {
    await local.ecs.send(
      new CreateClusterCommand({ clusterName: CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }),
    );
  });

  const live = async (name: string) => (await serviceTasks(local.ecs, name, CLUSTER)).filter(isLive);

  it('drops the launch, records it as failed with ECS error, and the service stays controllable', async () => {
    expect(
      (
        await local.api.post('/task-definitions', {
          family: 'refused',
          cpu: 256,
          memory: 512,
          containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
        })
      ).status,
    ).toBe(201);
    // Two tasks on FARGATE (its base), any more on FARGATE_SPOT.
    const created = await local.api.post(`/clusters/${CLUSTER}/services`, {
      serviceName: 'refused',
      taskDefinition: 'refused',
      desiredCount: 2,
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 2, weight: 0 },
        { capacityProvider: 'FARGATE_SPOT', weight: 1 },
      ],
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      // The deployment stays IN_PROGRESS through the test: a finished deployment's failed count is no
      // longer kept (as in ECS), so with a short minReadySeconds the count asserted below would depend on
      // whether a pass completed the deployment before the refusal.
      deploymentConfiguration: { minReadySeconds: 120 },
    });
    expect(created.status).toBe(201);
    await eventually('2 RUNNING tasks', async () => {
      const tasks = await live('refused');
      return tasks.length === 2 && tasks.every((task) => task.lastStatus === 'RUNNING') ? tasks : undefined;
    });

    // Hold the service while it is scaled up and FARGATE_SPOT leaves the cluster, so that the next
    // pass is the one that meets the refusal.
    await eventually('the lease', async () =>
      (await local.store.acquireLease(CLUSTER, 'refused', 'test', 60_000, Date.now())) === 'acquired'
        ? true
        : undefined,
    );
    expect((await local.api.patch(`/clusters/${CLUSTER}/services/refused`, { desiredCount: 4 })).status).toBe(
      200,
    );
    await local.ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: CLUSTER,
        capacityProviders: ['FARGATE'],
        defaultCapacityProviderStrategy: [],
      }),
    );
    await local.store.releaseLease(CLUSTER, 'refused', 'test');

    const refusal = await eventually(
      'an event with the refusal',
      async () => {
        const events = await local.api.get(`/clusters/${CLUSTER}/services/refused/events`);
        const messages: string[] = events.body.items.map((event: { message: string }) => event.message);
        return messages.find((message) => message.includes('unable to launch'));
      },
      { timeoutMs: 2 * INTERVAL_MS + 2_000 },
    );
    expect(refusal).toContain('InvalidParameterException');
    expect((await local.store.getService(CLUSTER, 'refused'))?.deployments[0]?.rolloutState).toBe(
      'IN_PROGRESS',
    );
    expect(refusal).toContain('not associated with the cluster');
    // Counted as failed launches (the next pass sees them), and no longer committed.
    const service = await eventually('the refused tasks counted as failed', async () => {
      const current = await local.store.getService(CLUSTER, 'refused');
      return (current?.deployments[0]?.failedTasks ?? 0) >= 2 ? current : undefined;
    });
    expect(service.deployments[0]?.launchRefusals?.[0]?.count).toBe(2);
    expect(service.inflightLaunches ?? []).toEqual([]);

    // Still controllable: scale to 0, then delete, each within two scheduler intervals.
    expect((await local.api.patch(`/clusters/${CLUSTER}/services/refused`, { desiredCount: 0 })).status).toBe(
      200,
    );
    await eventually('0 live tasks', async () => ((await live('refused')).length === 0 ? true : undefined), {
      timeoutMs: 2 * INTERVAL_MS,
      intervalMs: 100,
    });
    expect((await local.api.delete(`/clusters/${CLUSTER}/services/refused`)).status).toBeLessThan(300);
    await eventually(
      'INACTIVE',
      async () =>
        (await local.store.getService(CLUSTER, 'refused'))?.status === 'INACTIVE' ? true : undefined,
      { timeoutMs: 2 * INTERVAL_MS, intervalMs: 100 },
    );
  }, 60_000);
});

import {
  DescribeClustersCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  ServerException,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, type Harness, registerFargate, runFargate, startHarness } from './helpers';

const spot = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];

describe('PutClusterCapacityProviders', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('replaces the providers and default strategy; RunTask then refuses a provider taken away', async () => {
    h = await startHarness();
    await createCluster(h.client, { capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
    await registerFargate(h.client, 'web', 'nginx:1.27');
    const output = await h.client.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'apps',
        capacityProviders: ['FARGATE'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      }),
    );
    expect(output.cluster?.capacityProviders).toEqual(['FARGATE']);
    expect(output.cluster?.defaultCapacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE', weight: 1 },
    ]);
    const described = await h.client.send(new DescribeClustersCommand({ clusters: ['apps'] }));
    expect(described.clusters?.[0]?.capacityProviders).toEqual(['FARGATE']);
    await expect(
      runFargate(h.client, { launchType: undefined, capacityProviderStrategy: spot }),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('refuses to take away a provider that live tasks use (ResourceInUseException), until they stop', async () => {
    h = await startHarness({ stopMs: 100 });
    await createCluster(h.client, { capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
    await registerFargate(h.client, 'web', 'nginx:1.27');
    const [task] = await runFargate(h.client, { launchType: undefined, capacityProviderStrategy: spot });
    const put = () =>
      h.client.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'apps',
          capacityProviders: ['FARGATE'],
          defaultCapacityProviderStrategy: [],
        }),
      );
    await expect(put()).rejects.toMatchObject({ name: 'ResourceInUseException' });
    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: task!.taskArn! }));
    h.server.ecs.advance(10_000);
    const stopped = await h.client.send(
      new DescribeTasksCommand({ cluster: 'apps', tasks: [task!.taskArn!] }),
    );
    expect(stopped.tasks?.[0]?.lastStatus).toBe('STOPPED');
    await expect(put()).resolves.toBeDefined();
  });

  it.each([
    [{ capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [] }, 'InvalidParameterException'],
    [
      { cluster: 'nope', capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [] },
      'ClusterNotFoundException',
    ],
    [
      { cluster: 'apps', capacityProviders: ['EC2_ASG'], defaultCapacityProviderStrategy: [] },
      'InvalidParameterException',
    ],
    [
      { cluster: 'apps', capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: spot },
      'InvalidParameterException',
    ],
  ])('refuses %j with %s', async (input, name) => {
    h = await startHarness();
    await createCluster(h.client, { capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
    await expect(h.client.send(new PutClusterCapacityProvidersCommand(input as never))).rejects.toMatchObject(
      { name },
    );
  });
});

describe('fault injection (faultRate)', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('answers that fraction of calls with HTTP 500 ServerException, half of them after applying the call', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    h = await startHarness({ faultRate: 0.5, random });
    h.server.ecs.handle('CreateCluster', { clusterName: 'apps' });
    const calls = 200;
    let faults = 0;
    let launchedDespiteFault = 0;
    let launched = 0;
    for (let call = 0; call < calls; call++) {
      try {
        await h.client.send(new ListTasksCommand({ cluster: 'apps' }));
      } catch (error) {
        if (error instanceof ServerException) {
          expect(error.$metadata.httpStatusCode).toBe(500);
          faults++;
        }
      }
    }
    expect(faults).toBeGreaterThan(calls * 0.35);
    expect(faults).toBeLessThan(calls * 0.65);
    h.server.ecs.handle('RegisterTaskDefinition', {
      family: 'web',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
    });
    for (let call = 0; call < 100; call++) {
      try {
        await runFargate(h.client, { clientToken: `token-${call}` });
        launched++;
      } catch {
        // A fault: the task may have launched anyway.
        const { taskArns = [] } = (h.server.ecs.handle('ListTasks', { cluster: 'apps' }) ?? {}) as {
          taskArns?: string[];
        };
        if (taskArns.length > launched + launchedDespiteFault) launchedDespiteFault++;
      }
    }
    expect(launchedDespiteFault).toBeGreaterThan(5);
    expect(launched + launchedDespiteFault).toBeLessThan(100);
  });
});

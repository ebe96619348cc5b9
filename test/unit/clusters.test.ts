import { DescribeClustersCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CLUSTER_CACHE_MS, clusterNameOf, ecsClusterDirectory } from '../../lib/ecs/clusters';
import { assertCapacityProviders } from '../../lib/use-cases/clusters';

const cluster = (name: string, capacityProviders: string[] = ['FARGATE']) => ({
  clusterName: name,
  clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${name}`,
  status: 'ACTIVE',
  capacityProviders,
  runningTasksCount: 2,
  pendingTasksCount: 1,
});

describe('the cluster directory', () => {
  it('on AWS only knows the clusters of custom.clusterArns, even those ECS has', async () => {
    const ecs = mockClient(ECSClient);
    ecs.on(DescribeClustersCommand).callsFake(({ clusters }: { clusters: string[] }) => ({
      clusters: clusters.map((name) => cluster(name)),
    }));
    const client = new ECSClient({ region: 'us-east-1' });
    const directory = ecsClusterDirectory(() => client, {
      allowed: ['arn:aws:ecs:us-east-1:123456789012:cluster/prod'],
    });
    expect(await directory.find('prod')).toMatchObject({ clusterName: 'prod' });
    expect(await directory.find('other')).toBeUndefined();
    expect((await directory.list()).map((found) => found.clusterName)).toEqual(['prod']);
    expect(ecs.commandCalls(ListClustersCommand)).toHaveLength(0);
    ecs.restore();
  });

  it('caches DescribeClusters answers for 30 s', async () => {
    const ecs = mockClient(ECSClient);
    let providers = ['FARGATE', 'FARGATE_SPOT'];
    ecs.on(DescribeClustersCommand).callsFake(() => ({ clusters: [cluster('default', providers)] }));
    const client = new ECSClient({ region: 'us-east-1' });
    let now = 0;
    const directory = ecsClusterDirectory(() => client, { now: () => now });
    expect((await directory.find('default'))?.capacityProviders).toContain('FARGATE_SPOT');
    providers = ['FARGATE'];
    now = CLUSTER_CACHE_MS - 1;
    expect((await directory.find('default'))?.capacityProviders).toContain('FARGATE_SPOT');
    now = CLUSTER_CACHE_MS;
    expect((await directory.find('default'))?.capacityProviders).toEqual(['FARGATE']);
    expect(ecs.commandCalls(DescribeClustersCommand)).toHaveLength(2);
    ecs.restore();
  });

  it('asks ECS once for a cluster that many requests look up at the same time', async () => {
    const ecs = mockClient(ECSClient);
    ecs.on(DescribeClustersCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { clusters: [cluster('default')] };
    });
    const client = new ECSClient({ region: 'us-east-1' });
    const directory = ecsClusterDirectory(() => client, { now: () => 0 });
    const found = await Promise.all(Array.from({ length: 50 }, () => directory.find('default')));
    expect(found.every((info) => info?.clusterName === 'default')).toBe(true);
    // 50 concurrent API calls must not become 50 DescribeClusters (ECS throttles them).
    expect(ecs.commandCalls(DescribeClustersCommand)).toHaveLength(1);
    ecs.restore();
  });

  it('reads names from ARNs', () => {
    expect(clusterNameOf('arn:aws:ecs:us-east-1:123456789012:cluster/prod')).toBe('prod');
    expect(clusterNameOf('prod')).toBe('prod');
  });

  it('names the strategy item whose provider the cluster lacks', () => {
    const info = { ...cluster('apps'), capacityProviders: ['FARGATE'] };
    expect(() =>
      assertCapacityProviders(info, [
        { capacityProvider: 'FARGATE', base: 0, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 },
      ]),
    ).toThrow(
      'capacityProviderStrategy[1].capacityProvider: FARGATE_SPOT is not associated with cluster apps (associated: FARGATE)',
    );
  });
});

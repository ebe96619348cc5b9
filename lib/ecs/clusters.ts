import { DescribeClustersCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { DependencyError } from '../errors';

/** Which ECS clusters exist. Services may only be created in a cluster ECS knows. */
export interface ClusterDirectory {
  exists(cluster: string): Promise<boolean>;
}

/** Asks ECS (DescribeClusters); an ACTIVE answer is remembered for the life of the process. */
export const ecsClusterDirectory = (client: () => ECSClient): ClusterDirectory => {
  const known = new Set<string>();
  return {
    async exists(cluster) {
      if (known.has(cluster)) return true;
      try {
        const output = await client().send(new DescribeClustersCommand({ clusters: [cluster] }));
        const active = (output.clusters ?? []).some(
          (found) => found.clusterName === cluster && found.status === 'ACTIVE',
        );
        if (active) known.add(cluster);
        return active;
      } catch (error) {
        throw new DependencyError('ECS DescribeClusters failed', error);
      }
    },
  };
};

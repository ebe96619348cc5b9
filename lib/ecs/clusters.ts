import {
  type Cluster,
  DescribeClustersCommand,
  type ECSClient,
  ListClustersCommand,
} from '@aws-sdk/client-ecs';
import { DependencyError } from '../errors';

/** What Tugboat needs to know of an ECS cluster it may use. */
export interface ClusterInfo {
  clusterName: string;
  clusterArn: string;
  /** Capacity providers associated with the cluster (FARGATE, FARGATE_SPOT). */
  capacityProviders: string[];
  /** ECS's own counts: every task in the cluster, Tugboat's or not. */
  runningTasksCount: number;
  pendingTasksCount: number;
}

/** The ECS clusters Tugboat may use. */
export interface ClusterDirectory {
  /** The cluster when ECS has it ACTIVE and Tugboat may use it; undefined otherwise. */
  find(cluster: string): Promise<ClusterInfo | undefined>;
  /** Every cluster Tugboat may use that ECS has ACTIVE, by name. */
  list(): Promise<ClusterInfo[]>;
}

/** A cluster's name from its name or ARN (`arn:aws:ecs:<region>:<account>:cluster/<name>`). */
export const clusterNameOf = (reference: string): string =>
  reference.startsWith('arn:')
    ? reference.slice(reference.indexOf(':cluster/') + ':cluster/'.length)
    : reference;

/** How long an answer of DescribeClusters is trusted: capacity providers change rarely, by hand. */
export const CLUSTER_CACHE_MS = 30_000;
const DESCRIBE_BATCH = 100;

const infoOf = (cluster: Cluster): ClusterInfo => ({
  clusterName: cluster.clusterName ?? '',
  clusterArn: cluster.clusterArn ?? '',
  capacityProviders: cluster.capacityProviders ?? [],
  runningTasksCount: cluster.runningTasksCount ?? 0,
  pendingTasksCount: cluster.pendingTasksCount ?? 0,
});

/**
 * Asks ECS (DescribeClusters, ListClusters). `allowed` is the list of clusters Tugboat may use (its IAM
 * role's `custom.clusterArns`, names or ARNs); without one (locally) every cluster ECS knows is usable.
 * Answers are cached for CLUSTER_CACHE_MS.
 */
export const ecsClusterDirectory = (
  client: () => ECSClient,
  options: { allowed?: string[]; now?: () => number } = {},
): ClusterDirectory => {
  const allowed = options.allowed?.map(clusterNameOf);
  const now = options.now ?? Date.now;
  const cache = new Map<string, { info: ClusterInfo | undefined; at: number }>();
  const inflight = new Map<string, Promise<void>>();
  const permitted = (name: string) => allowed === undefined || allowed.includes(name);

  const describe = async (names: string[]): Promise<void> => {
    for (let start = 0; start < names.length; start += DESCRIBE_BATCH) {
      const batch = names.slice(start, start + DESCRIBE_BATCH);
      let found: Cluster[];
      try {
        found = (await client().send(new DescribeClustersCommand({ clusters: batch }))).clusters ?? [];
      } catch (error) {
        throw new DependencyError('ECS DescribeClusters failed', error);
      }
      const at = now();
      for (const name of batch) {
        const cluster = found.find((each) => each.clusterName === name && each.status === 'ACTIVE');
        cache.set(name, { info: cluster ? infoOf(cluster) : undefined, at });
      }
    }
  };

  const fresh = (name: string) => {
    const cached = cache.get(name);
    return cached && now() - cached.at < CLUSTER_CACHE_MS ? cached : undefined;
  };

  return {
    async find(cluster) {
      if (!permitted(cluster)) return undefined;
      if (!fresh(cluster)) {
        // One DescribeClusters per cluster at a time: a burst of API calls must not become a burst of
        // DescribeClusters, which ECS throttles.
        let pending = inflight.get(cluster);
        if (!pending) {
          pending = describe([cluster]).finally(() => inflight.delete(cluster));
          inflight.set(cluster, pending);
        }
        await pending;
      }
      return cache.get(cluster)?.info;
    },
    async list() {
      let names = allowed;
      if (!names) {
        names = [];
        let nextToken: string | undefined;
        try {
          do {
            const page = await client().send(
              new ListClustersCommand({ ...(nextToken ? { nextToken } : {}) }),
            );
            names.push(...(page.clusterArns ?? []).map(clusterNameOf));
            nextToken = page.nextToken;
          } while (nextToken);
        } catch (error) {
          throw new DependencyError('ECS ListClusters failed', error);
        }
      }
      await describe(names);
      return names
        .flatMap((name) => cache.get(name)?.info ?? [])
        .sort((a, b) => a.clusterName.localeCompare(b.clusterName));
    },
  };
};

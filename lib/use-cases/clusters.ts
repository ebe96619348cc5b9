import type { CapacityProviderStrategyItem } from '../domain';
import type { ClusterInfo } from '../ecs/clusters';
import { NotFoundError, ValidationError } from '../errors';
import { parseCluster } from '../validation/path-params';
import type { UseCaseContext } from './context';

/** The one answer for a cluster Tugboat does not know or may not use, on every route. */
export const clusterNotFound = (cluster: string): NotFoundError =>
  new NotFoundError(`Cluster ${cluster} not found`);

/**
 * The cluster of a `/clusters/{cluster}/...` route: a 400 for a malformed name, a 404 when ECS has no
 * ACTIVE cluster of that name or it is not one Tugboat may use. Without a directory (unit tests) every
 * well-formed name passes.
 */
export const requireCluster = async (
  context: UseCaseContext,
  cluster: string,
): Promise<ClusterInfo | undefined> => {
  const name = parseCluster(cluster);
  if (!context.clusters) return undefined;
  const info = await context.clusters.find(name);
  if (!info) throw clusterNotFound(name);
  return info;
};

/** Each capacity provider of a strategy must be associated with the cluster, or RunTask would refuse. */
export const assertCapacityProviders = (
  cluster: ClusterInfo | undefined,
  strategy: CapacityProviderStrategyItem[] | undefined,
): void => {
  if (!cluster || !strategy) return;
  for (const [index, item] of strategy.entries()) {
    if (!cluster.capacityProviders.includes(item.capacityProvider)) {
      const associated = cluster.capacityProviders.length ? cluster.capacityProviders.join(', ') : 'none';
      throw new ValidationError(
        `capacityProviderStrategy[${index}].capacityProvider: ${item.capacityProvider} is not associated with cluster ${cluster.clusterName} (associated: ${associated})`,
      );
    }
  }
};

export interface ClusterSummary {
  clusterName: string;
  clusterArn: string;
  /** Tugboat services in the cluster that are ACTIVE (DRAINING and INACTIVE ones are not counted). */
  activeServicesCount: number;
  /** Tugboat services still DRAINING towards INACTIVE. */
  drainingServicesCount: number;
  /** ECS's counts of the cluster's tasks (services' and one-off). */
  runningTasksCount: number;
  pendingTasksCount: number;
}

const PAGE = 100;

const serviceCounts = async (context: UseCaseContext, cluster: string) => {
  let active = 0;
  let draining = 0;
  let nextToken: string | undefined;
  do {
    const page = await context.store.listServices(cluster, {
      limit: PAGE,
      ...(nextToken ? { nextToken } : {}),
    });
    for (const service of page.items) {
      if (service.status === 'ACTIVE') active++;
      else if (service.status === 'DRAINING') draining++;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return { activeServicesCount: active, drainingServicesCount: draining };
};

/** GET /clusters: the clusters Tugboat may use, with its services' and ECS's task counts. */
export const listClusters = async (context: UseCaseContext): Promise<{ items: ClusterSummary[] }> => {
  const clusters: ClusterInfo[] = context.clusters
    ? await context.clusters.list()
    : (await context.store.listClusters()).map((clusterName) => ({
        clusterName,
        clusterArn: `arn:aws:ecs:${context.config.region}:${context.config.accountId}:cluster/${clusterName}`,
        capacityProviders: [],
        runningTasksCount: 0,
        pendingTasksCount: 0,
      }));
  const items = await Promise.all(
    clusters.map(async (cluster) => ({
      clusterName: cluster.clusterName,
      clusterArn: cluster.clusterArn,
      ...(await serviceCounts(context, cluster.clusterName)),
      runningTasksCount: cluster.runningTasksCount,
      pendingTasksCount: cluster.pendingTasksCount,
    })),
  );
  return { items };
};

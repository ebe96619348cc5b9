/** Spreading the benchmark fleet over several clusters (`--clusters`), and the bounds that follow. */
import { clusterNames } from './fleet';

/** Service `index` lives in cluster index mod count, so clusters differ by at most one service. */
export const clusterOfService = (index: number, clusters = 1): string =>
  clusterNames(clusters)[index % Math.max(clusters, 1)]!;

/** The fewest ListTasks calls that see every task: each cluster is listed on its own, 100 to a page. */
export const listTasksMinimum = (
  options: { services: number; tasks: number; clusters?: number },
  pageSize: number,
): number => {
  const clusters = Math.max(options.clusters ?? 1, 1);
  let pages = 0;
  for (let cluster = 0; cluster < clusters; cluster++) {
    const services =
      Math.floor(options.services / clusters) + (cluster < options.services % clusters ? 1 : 0);
    pages += Math.ceil((services * options.tasks) / pageSize);
  }
  return pages;
};

/** Task ARNs (arn:aws:ecs:<region>:<account>:task/<cluster>/<id>) grouped by their cluster. */
export const victimsByCluster = (taskArns: string[]): Map<string, string[]> => {
  const groups = new Map<string, string[]>();
  for (const arn of taskArns) {
    const cluster = arn.split(':task/')[1]?.split('/')[0] ?? '';
    groups.set(cluster, [...(groups.get(cluster) ?? []), arn]);
  }
  return groups;
};

/**
 * The deferred half of deregistering a revision (DELETE /task-definitions/{family}/{revision}): its ECS
 * copy is deregistered only once no service uses it (revisionsInUse), because ECS refuses RunTask of an
 * INACTIVE copy and Tugboat launches every task with RunTask.
 *
 * The scheduler does it, each run, from stored state alone: a revision awaiting it carries a mark on its
 * own item (the sparse index, written with the INACTIVE status or with the ECS registration, whichever
 * comes last), and the scheduler reads every service anyway. So a crash at any step (the DELETE between
 * its writes, the reconcile pass that retires the revision's last deployment, a run between
 * DeregisterTaskDefinition and its record) leaves the mark, and the next run finishes the work. A
 * reconcile pass would be the wrong place: it sees one service while a revision may serve several, and
 * one that crashed just after retiring the last deployment would leave nobody to remember the copy.
 */
import { awaitsEcsDeregistration, revisionReference, revisionsInUse, type Service } from '../../domain';
import type { EcsGateway } from '../../ecs/gateway';
import { PacingDeadlineError } from '../../ecs/pacer';
import { retireEcsCopy } from '../../ecs/task-definitions';
import type { TugboatStore } from '../../store/port';
import { isoOf } from '../../time';

/** Every service of the cluster, all pages read; eventually consistent unless `consistentRead`. */
export const listAllServices = async (
  store: TugboatStore,
  cluster: string,
  consistentRead = false,
): Promise<Service[]> => {
  const services: Service[] = [];
  let nextToken: string | undefined;
  do {
    const page = await store.listServices(cluster, {
      limit: 1000,
      consistentRead,
      ...(nextToken ? { nextToken } : {}),
    });
    services.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return services;
};

/**
 * Every service of the clusters; `known` gives those already read. A stale read is safe for the rule
 * below: a service's deployments only stop using a revision, and nothing new may start using an
 * INACTIVE one, except the circuit breaker's rollback, which revisionsInUse covers ahead of time.
 */
export const servicesOfClusters = async (
  store: TugboatStore,
  clusters: string[],
  {
    known = new Map(),
    consistentRead = false,
  }: { known?: ReadonlyMap<string, Service[]>; consistentRead?: boolean } = {},
): Promise<Service[]> => {
  const perCluster = await Promise.all(
    clusters.map((cluster) => known.get(cluster) ?? listAllServices(store, cluster, consistentRead)),
  );
  return perCluster.flat();
};

export interface RevisionRetirementDeps {
  store: TugboatStore;
  /** A gateway to ECS (task definitions are account-wide). */
  ecs: EcsGateway;
  now: () => number;
  /**
   * The run's deadline (epoch ms): DeregisterTaskDefinition spends the budget registrations need, so it
   * waits for room only until then; the copies left are the next run's.
   */
  deadline?: number;
}

/**
 * Deregisters the ECS copy of every INACTIVE revision that awaits it and that no service uses. Reads the
 * services (through `readServices`) only when some revision awaits it, which is seldom. Returns the
 * revisions whose copies it deregistered, as `family:revision`.
 */
export const retireUnusedEcsCopies = async (
  deps: RevisionRetirementDeps,
  readServices: () => Promise<Service[]>,
): Promise<string[]> => {
  const waiting = await deps.store.listRevisionsAwaitingEcsDeregistration();
  if (waiting.length === 0) return [];
  const inUse = new Set((await readServices()).flatMap((service) => [...revisionsInUse(service)]));
  const retired: string[] = [];
  for (const taskDefinition of waiting) {
    const reference = revisionReference(taskDefinition);
    if (inUse.has(reference) || !awaitsEcsDeregistration(taskDefinition)) continue;
    try {
      await retireEcsCopy(deps, taskDefinition, isoOf(deps.now()), deps.deadline);
    } catch (error) {
      if (error instanceof PacingDeadlineError) break;
      throw error;
    }
    retired.push(reference);
  }
  return retired;
};

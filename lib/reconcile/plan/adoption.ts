/**
 * Task ownership for the planner: a task belongs to the deployment that launched it (its startedBy),
 * unless a later deployment of the same revision adopts it. A rollback adopts the tasks still running of
 * the deployment it goes back to (Deployment.adoptsTasksOf), as Kubernetes reuses an old ReplicaSet's
 * pods: a rollback after a failed deploy launches nothing and stops nothing of the revision it keeps.
 * Only tasks the rollback would have launched the same way are adopted: on a capacity provider the
 * service places on, registered with none but the service's target groups, and not being stopped.
 */
import { type Deployment, type Service, targetGroupsInUse } from '../../domain';
import type { ObservedTask } from './types';

/** The capacity providers the service launches on (FARGATE stands in for FARGATE_SPOT under fallback). */
const providersOf = (service: Service): Set<string> => {
  const strategy = service.capacityProviderStrategy ?? [];
  const providers = new Set(strategy.map((item) => item.capacityProvider));
  if (strategy.length === 0 || service.spotFallback?.enabled) providers.add('FARGATE');
  return providers;
};

/** Whether `adopter` may take `task` over from the deployment it adopts from. */
export const adoptable = (service: Service, task: ObservedTask): boolean => {
  if (task.desiredStatus !== 'RUNNING' || task.lastStatus === 'STOPPED' || task.targets?.drain) return false;
  if (!providersOf(service).has(task.capacityProvider ?? 'FARGATE')) return false;
  const groups = new Set(targetGroupsInUse({ ...service, status: 'ACTIVE' }));
  return (task.targets?.registered ?? []).every((target) => groups.has(target.targetGroupArn));
};

/**
 * The tasks with their owners: oldest deployment first, each adopter takes the adoptable tasks its
 * source owns by then (so a rollback of a rollback adopts what the first one had adopted). A source
 * of another revision adopts nothing.
 */
export function withAdoptedTasks(
  service: Service,
  deployments: Deployment[],
  tasks: ObservedTask[],
): ObservedTask[] {
  const byId = new Map(deployments.map((d) => [d.id, d]));
  const adopters = deployments
    .filter((d) => d.adoptsTasksOf !== undefined && d.status !== 'INACTIVE')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  let owned = tasks;
  for (const adopter of adopters) {
    const source = adopter.adoptsTasksOf;
    const sourceRevision = byId.get(source ?? '')?.taskDefinition ?? adopter.taskDefinition;
    if (source === undefined || sourceRevision !== adopter.taskDefinition) continue;
    owned = owned.map((t) =>
      t.deploymentId === source && adoptable(service, t) ? { ...t, deploymentId: adopter.id } : t,
    );
  }
  return owned;
}

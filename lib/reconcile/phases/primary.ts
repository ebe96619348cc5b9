/**
 * Phases that take stock of an ACTIVE service's rollout before anything is judged: make sure there
 * is a PRIMARY, count failed launches, and note progress (more healthy PRIMARY tasks than before).
 */
import { type Deployment, freshDeployment } from '../../domain';
import { refusedTaskCount } from '../refusals';
import { isFailedLaunch } from '../tasks';
import { deriveDeploymentId } from '../tokens';
import { healthy, live, type PlanState, type RolloutState, rulesFor, tasksOf } from './state';

/** The API creates a PRIMARY with the service; this only repairs a service stored without one. */
export function ensurePrimary(state: PlanState): RolloutState {
  if (state.primary !== undefined) return state as RolloutState;
  const { service } = state;
  const primary = freshDeployment(
    deriveDeploymentId(`initial\n${service.serviceArn}\n${service.taskDefinition}\n${service.createdAt}`),
    service.taskDefinition,
    service.desiredCount,
    state.nowIso,
    'ECS deployment in progress.',
  );
  state.deployments.unshift(primary);
  state.byId.set(primary.id, primary);
  state.events.push(
    `service ${service.serviceName} has started deployment ${primary.id} of task definition ${primary.taskDefinition}.`,
  );
  return Object.assign(state, { primary });
}

/** Failed launches, kept as a high-water mark: the inventory may forget old stopped tasks. */
export function countFailedLaunches(state: PlanState): void {
  for (const d of state.deployments) {
    const rules = rulesFor(state, d.id);
    const failed = tasksOf(state, d.id).filter((t) => isFailedLaunch(t, rules, state.now)).length;
    d.failedTasks = Math.max(d.failedTasks, failed + refusedTaskCount(d));
  }
}

/**
 * The PRIMARY's healthy count before this pass stops anything; a rise is progress. The deadline
 * runs from the first pass that sees the deployment: at scale a reconcile request can wait in the
 * queue behind the launch-rate limit for longer than the deadline, and that wait is Tugboat's, not
 * the deployment's. For the same reason a pass whose launches the launch rate held back unsets the
 * clock again (progressClockStopped), and the pass that next plans the deployment restarts it.
 */
export function noteProgress(state: RolloutState): void {
  const { primary } = state;
  const healthyNow = live(state).filter((t) => t.deploymentId === primary.id && healthy(state, t)).length;
  if (primary.lastProgressAt === undefined || healthyNow > (primary.healthyCount ?? 0)) {
    primary.lastProgressAt = state.nowIso;
  }
  primary.healthyCount = healthyNow;
}

/**
 * The deployments with the progress clock of the one with `deploymentId` unset: its launches wait on
 * Tugboat's own launch rate (the account's Fargate launch budget, shared by every service), which is
 * no fault of its. Unchanged (the same array) when its clock was not running.
 */
export function progressClockStopped(deployments: Deployment[], deploymentId: string): Deployment[] {
  const index = deployments.findIndex((d) => d.id === deploymentId && d.lastProgressAt !== undefined);
  if (index < 0) return deployments;
  const { lastProgressAt: _stopped, ...waiting } = deployments[index]!;
  return deployments.with(index, waiting);
}

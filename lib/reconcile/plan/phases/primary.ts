/**
 * Phases that take stock of an ACTIVE service's rollout before anything is judged: make sure there
 * is a PRIMARY, note progress (more healthy PRIMARY tasks than ever before), and count failed tasks.
 */
import { type Deployment, freshDeployment } from '../../../domain';
import { epochOf } from '../../../time';
import { refusalsSince } from '../refusals';
import { failedAt, stoppedOnItsOwn } from '../tasks';
import { deriveDeploymentId } from '../tokens';
import { healthy, live, type PlanState, type RolloutState, tasksOf } from './state';

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

/**
 * Failed tasks of every IN_PROGRESS deployment: its tasks that stopped on their own (whatever they had
 * reached: a task that passed its health check and then died failed all the same) and the launches ECS
 * refused, since the count last restarted (noteProgress). A task is counted once, since the count is
 * taken afresh from the tasks; it is kept as a high-water mark, as the inventory read of a pass holds
 * only recent history. A finished deployment's count stays as it was: a task that dies after its
 * deployment completed is the crash-loop back-off's (backoff.ts), not the breaker's.
 */
export function countFailedTasks(state: PlanState): void {
  for (const d of state.deployments) {
    if (d.rolloutState !== 'IN_PROGRESS') continue;
    const since = epochOf(d.failuresCountedSince) ?? Number.NEGATIVE_INFINITY;
    const failed = tasksOf(state, d.id).filter((t) => stoppedOnItsOwn(t) && failedAt(t) > since).length;
    d.failedTasks = Math.max(d.failedTasks, failed + refusalsSince(d, since).count);
  }
}

/**
 * The PRIMARY's healthy count before this pass stops anything, against the most it has had: a new peak
 * is progress, and with resetOnHealthyTask (ECS's default) it restarts the failure count. Only a new
 * peak, not every task that becomes healthy as ECS has it: a crash loop's replacements become healthy
 * and die again without ever passing the peak, and must neither reset the breaker nor look like progress.
 * The deadline runs from the first pass that sees the deployment: at scale a reconcile request can wait
 * in the queue behind the launch-rate limit for longer than the deadline, and that wait is Tugboat's,
 * not the deployment's. For the same reason a pass whose launches the launch rate held back unsets the
 * clock again (progressClockStopped), and the pass that next plans the deployment restarts it.
 */
export function noteProgress(state: RolloutState): void {
  const { primary } = state;
  const healthyNow = live(state).filter((t) => t.deploymentId === primary.id && healthy(state, t)).length;
  const peak = primary.peakHealthyCount ?? primary.healthyCount ?? 0;
  const newPeak = healthyNow > peak;
  if (primary.lastProgressAt === undefined || newPeak) primary.lastProgressAt = state.nowIso;
  if (newPeak) {
    primary.peakHealthyCount = healthyNow;
    const breaker = state.service.deploymentConfiguration.deploymentCircuitBreaker;
    if (primary.rolloutState === 'IN_PROGRESS' && (breaker.resetOnHealthyTask ?? true)) {
      primary.failuresCountedSince = state.nowIso;
      primary.failedTasks = 0;
    }
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

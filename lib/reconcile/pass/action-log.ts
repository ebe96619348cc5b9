import type { Action, PlanResult, StopCause } from '../plan/types';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

const STOP_WHY: Record<StopCause, (primary: string | undefined) => string> = {
  replaced: (primary) => (primary ? `replaced by deployment ${primary}` : 'replaced'),
  unhealthy: () => 'unhealthy',
  'scale-in': () => 'desired count lowered',
  orphan: () => 'not part of any deployment',
  draining: () => 'service draining',
};

/**
 * One line a person can read per action a pass took, for the worker's log:
 * `demo: launched 3 tasks of demo:2 (deployment ecs-svc-...)`, `demo: stopped 1 task (replaced by
 * deployment ecs-svc-...)`. Stops of the same cause are counted together; holds are not actions taken.
 */
export const describeActions = (serviceName: string, result: Pick<PlanResult, 'actions' | 'deployments'>) => {
  const primary = result.deployments.find((deployment) => deployment.status === 'PRIMARY')?.id;
  const lines: string[] = [];
  const stops = new Map<string, number>();
  for (const action of result.actions as Action[]) {
    if (action.type === 'stop') {
      const why = STOP_WHY[action.cause](primary);
      stops.set(why, (stops.get(why) ?? 0) + 1);
    }
  }
  for (const [why, count] of stops) lines.push(`${serviceName}: stopped ${plural(count, 'task')} (${why})`);
  for (const action of result.actions as Action[]) {
    if (action.type === 'launch') {
      lines.push(
        `${serviceName}: launched ${plural(action.count, 'task')} of ${action.taskDefinition} (deployment ${action.deploymentId})`,
      );
    } else if (action.type === 'fail-deployment') {
      lines.push(`${serviceName}: deployment ${action.deploymentId} failed: ${action.reason}`);
    } else if (action.type === 'rollback') {
      lines.push(
        `${serviceName}: rolling back to ${action.taskDefinition} (deployment ${action.newDeploymentId}) after deployment ${action.failedDeploymentId} failed`,
      );
    }
  }
  return lines;
};

/** Why a pass took no action, one line per hold (DEBUG: it repeats every pass while it lasts). */
export const describeHolds = (serviceName: string, result: Pick<PlanResult, 'actions'>) =>
  (result.actions as Action[]).flatMap((action) =>
    action.type === 'hold' ? [`${serviceName}: waiting: ${action.reason}`] : [],
  );

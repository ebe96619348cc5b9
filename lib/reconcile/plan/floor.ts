/**
 * The minimumHealthyPercent floor as a stop budget for one pass. Three counts must each stay at or
 * above the floor when a task is stopped to make room (replacement, scale-in, orphan):
 * - healthy tasks (RUNNING and ready: HEALTHY, or RUNNING for minReadySeconds without a health check);
 * - RUNNING tasks that are not UNHEALTHY: a task inside minReadySeconds or its health check's start
 *   period is becoming available, so stopping it lowers the RUNNING count as much as a healthy one;
 * - for old deployments, Kubernetes' rule for old replica sets (rolling.go, reconcileOldReplicaSets):
 *   scale down at most allTasks - minHealthy - newDeploymentUnavailable, which here is the old
 *   deployments' RUNNING tasks plus the PRIMARY's healthy ones, minus the floor. Old tasks that are
 *   becoming available are not traded for PRIMARY tasks that are not yet ready and may never be.
 * PENDING and UNHEALTHY tasks count toward none of them, so they may always go (and go first).
 */
import type { ObservedTask } from './types';

export interface StopBudget {
  /** Whether stopping `task` keeps every count at the floor; if it does, the stop is counted. */
  take(task: ObservedTask): boolean;
}

export interface FloorInput {
  /** Live tasks (RUNNING or PENDING, not being stopped) before this pass's stops to make room. */
  liveTasks: ObservedTask[];
  primaryId: string;
  floor: number;
  isHealthy: (task: ObservedTask) => boolean;
  /** RUNNING and not UNHEALTHY: available, or becoming available. */
  isUp: (task: ObservedTask) => boolean;
}

export function stopBudget({ liveTasks, primaryId, floor, isHealthy, isUp }: FloorInput): StopBudget {
  const isOld = (t: ObservedTask) => t.deploymentId !== primaryId;
  const up = liveTasks.filter(isUp);
  let healthyLeft = liveTasks.filter(isHealthy).length - floor;
  let upLeft = up.length - floor;
  let oldLeft = up.filter(isOld).length + liveTasks.filter((t) => !isOld(t) && isHealthy(t)).length - floor;
  return {
    take(task) {
      if (!isUp(task)) return true;
      const healthy = isHealthy(task);
      const old = isOld(task);
      if (upLeft <= 0 || (healthy && healthyLeft <= 0) || (old && oldLeft <= 0)) return false;
      upLeft -= 1;
      if (healthy) healthyLeft -= 1;
      if (old) oldLeft -= 1;
      return true;
    },
  };
}

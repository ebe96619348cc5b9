/**
 * How the planner reads one observed task: whether it still counts toward the service (live), whether
 * it is healthy, and, once stopped, whether it was a failed launch.
 */
import {
  ELB_UNHEALTHY_STOP_REASON,
  type ObservedTask,
  type TaskStopCode,
  UNHEALTHY_STOP_REASON,
} from './types';

export interface HealthRules {
  hasHealthCheck: boolean;
  minReadyMs: number;
  /** The service is behind target groups: a task has been healthy only once all its targets were. */
  loadBalanced?: boolean;
}

const PENDING_STATUSES = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

/** Counted toward maximumPercent: not stopped, not being stopped, RUNNING or on its way there. */
export const isLive = (task: ObservedTask): boolean =>
  task.desiredStatus === 'RUNNING' &&
  (task.lastStatus === 'RUNNING' || PENDING_STATUSES.has(task.lastStatus));

export const isPending = (task: ObservedTask): boolean => isLive(task) && task.lastStatus !== 'RUNNING';
export const isRunning = (task: ObservedTask): boolean => isLive(task) && task.lastStatus === 'RUNNING';
export const isStopped = (task: ObservedTask): boolean => task.lastStatus === 'STOPPED';

/**
 * ECS's runningCount and pendingCount, by last status alone: a task being stopped or drained is RUNNING
 * until ECS says otherwise (a draining one is also counted in drainingTargets).
 */
export const inRunningState = (task: ObservedTask): boolean => task.lastStatus === 'RUNNING';
export const inPendingState = (task: ObservedTask): boolean => PENDING_STATUSES.has(task.lastStatus);

const runningSince = (task: ObservedTask): number => task.startedAt ?? task.createdAt;

/**
 * RUNNING and either reported HEALTHY (health check) or RUNNING for minReady (no health check); with
 * targets, every target `healthy` too.
 */
export const isHealthy = (task: ObservedTask, rules: HealthRules, now: number): boolean => {
  if (!isRunning(task)) return false;
  if (task.targets?.allHealthy === false) return false;
  if (rules.hasHealthCheck) return task.healthStatus === 'HEALTHY';
  return now - runningSince(task) >= rules.minReadyMs;
};

/** UNHEALTHY by its container health check, or by an `unhealthy` target after the grace period. */
export const isUnhealthy = (task: ObservedTask, rules: HealthRules): boolean =>
  isRunning(task) &&
  ((rules.hasHealthCheck && task.healthStatus === 'UNHEALTHY') || task.targets?.unhealthyAfterGrace === true);

/** RUNNING and not UNHEALTHY: available, or becoming available (inside minReady or the start period). */
export const isUp = (task: ObservedTask, rules: HealthRules): boolean =>
  isRunning(task) && !isUnhealthy(task, rules);

/** Desired STOPPED, or STOPPED: ECS is taking the task down, or has. */
export const isStoppingOrStopped = (task: ObservedTask): boolean =>
  task.desiredStatus === 'STOPPED' || isStopped(task);

/**
 * When the task stopped running: ECS's stoppingAt (the container exited, or StopTask was called), else
 * stoppedAt. Undefined for a task not on its way down. A task takes seconds to go from stoppingAt to
 * STOPPED; it was not up in between.
 */
export const stopBeganAt = (task: ObservedTask): number | undefined =>
  isStoppingOrStopped(task) ? (task.stoppingAt ?? task.stoppedAt) : undefined;

/**
 * When the task became healthy, or undefined if it never did as far as the data shows. For a task
 * with a health check and no recorded healthyAt, the time is not known: startedAt stands in for it.
 */
export const becameHealthyAt = (task: ObservedTask, rules: HealthRules, now: number): number | undefined => {
  if (rules.loadBalanced && task.targets !== undefined) {
    const targetsAt = task.targets?.healthyAt;
    const own = becameHealthyAt(task, { ...rules, loadBalanced: false }, now);
    return targetsAt === undefined || own === undefined ? undefined : Math.max(targetsAt, own);
  }
  if (task.healthyAt !== undefined) return task.healthyAt;
  if (task.startedAt === undefined) return undefined;
  if (rules.hasHealthCheck) return task.healthStatus === 'HEALTHY' ? task.startedAt : undefined;
  const readyAt = task.startedAt + rules.minReadyMs;
  const until = stopBeganAt(task) ?? now;
  return readyAt <= until ? readyAt : undefined;
};

const FAILURE_STOP_CODES = new Set<TaskStopCode>(['TaskFailedToStart', 'EssentialContainerExited']);

/**
 * The task stopped on its own, not on anyone's purpose: it failed to start, its essential container
 * exited, or Tugboat stopped it for failing its health checks (recognised by UNHEALTHY_STOP_REASON or
 * ELB_UNHEALTHY_STOP_REASON). A
 * STOPPED task without a stop code counts too. Scale-in, replacement, an operator's StopTask, a Spot
 * interruption and a task ECS lost (TaskNotFound) do not. Known as soon as ECS reports the stop
 * (desired STOPPED with its stop code), before the task reaches STOPPED: the failure must not wait for
 * the seconds the task takes to come down, nor let a replacement launch uncounted.
 */
export const stoppedOnItsOwn = (task: ObservedTask): boolean => {
  if (!isStoppingOrStopped(task)) return false;
  if (task.stopCode === undefined) return isStopped(task);
  if (FAILURE_STOP_CODES.has(task.stopCode)) return true;
  const reason = task.stoppedReason ?? '';
  const stoppedForHealth =
    reason.startsWith(UNHEALTHY_STOP_REASON) || reason.startsWith(ELB_UNHEALTHY_STOP_REASON);
  return (
    (task.stopCode === 'UserInitiated' || task.stopCode === 'ServiceSchedulerInitiated') && stoppedForHealth
  );
};

/** When a task that stopped on its own failed: when it began to stop (else when it was created). */
export const failedAt = (task: ObservedTask): number => stopBeganAt(task) ?? task.createdAt;

/** Scale-in order within one group: unhealthy, pending, not yet healthy, then newest first. */
export const scaleInRank = (task: ObservedTask, rules: HealthRules, now: number): number => {
  if (isUnhealthy(task, rules)) return 0;
  if (isPending(task)) return 1;
  if (!isHealthy(task, rules, now)) return 2;
  return 3;
};

export const byCreatedThenArn = (a: ObservedTask, b: ObservedTask): number =>
  a.createdAt - b.createdAt || (a.taskArn < b.taskArn ? -1 : a.taskArn > b.taskArn ? 1 : 0);

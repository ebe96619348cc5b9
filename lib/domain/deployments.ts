import type { AnalysisInterval } from './analysis';
import type { StopRequest } from './approval';
import type { CapacityProviderName, SpotFallbackState } from './spot';
import type { TrafficShift } from './traffic';

/** A service's deployments: one per task definition it rolls out, PRIMARY the newest. */

export type DeploymentStatus = 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
/** STOPPED: superseded by a newer deployment (or the service deleted) before it completed. */
export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'STOPPED';

export interface Deployment {
  id: string;
  status: DeploymentStatus;
  /** `family:revision` */
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  failedTasks: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  createdAt: string;
  updatedAt: string;
  /** Reconciler bookkeeping: tasks in a row that stopped on their own or were refused, for crash-loop back-off. */
  consecutiveFailures?: number;
  /** Reconciler bookkeeping: no launch before this instant (ISO), while backing off. */
  backoffUntil?: string;
  /**
   * Reconciler bookkeeping: when the deployment last made progress (ISO), for the progress deadline.
   * Unset until the first reconcile pass looks at the deployment, which starts the clock; unset again
   * when the launch rate holds the deployment's launches back (that wait is Tugboat's).
   */
  lastProgressAt?: string;
  /** Reconciler bookkeeping: launches issued so far; with the slot it makes RunTask clientTokens unique. */
  launchAttempts?: number;
  /** Reconciler bookkeeping: healthy tasks at the last pass (steady state, wake-ups). */
  healthyCount?: number;
  /**
   * Reconciler bookkeeping: the most healthy tasks the deployment has had. Rising above it is progress
   * (the progress deadline) and restarts the failure count (resetOnHealthyTask); a replacement of a
   * task that died only gets back to it, so a crash loop makes no progress.
   */
  peakHealthyCount?: number;
  /** Reconciler bookkeeping: failures before this instant (ISO) no longer count (resetOnHealthyTask). */
  failuresCountedSince?: string;
  /** Set on a deployment the circuit breaker created to roll back: the id of the deployment that failed. */
  rollbackOf?: string;
  /**
   * Set on a rollback: the deployment of the same revision whose tasks it takes over while they still run
   * (same placement, not being stopped), rather than launching new ones and stopping those.
   */
  adoptsTasksOf?: string;
  /** Load-balanced services: the deployment's live tasks' targets that are `healthy`, and those draining. */
  healthyTargets?: number;
  drainingTargets?: number;
  /**
   * When the event that caused the deployment happened (ISO-8601): the ECR push event's `time`, the
   * deploy message's `sentAt`, or the API request's time. Deploys older than the PRIMARY's are skipped.
   */
  sourceEventAt?: string;
  /** Who caused the deployment through the API: the caller's IAM principal (`local` locally). */
  principal?: string;
  /**
   * Reconciler bookkeeping: launches ECS refused for good (a 4xx, or RunTask `failures`), newest last and
   * at most MAX_LAUNCH_REFUSALS_KEPT; the planner counts each refused task as a failed launch.
   */
  launchRefusals?: LaunchRefusal[];
  /** The deployment's Spot fallback (reconciler bookkeeping). */
  spotFallback?: SpotFallbackState;
  /**
   * A BLUE_GREEN, CANARY or LINEAR deployment: its tasks register in the groups not serving, and traffic
   * moves to them stage by stage (reconcile/plan/phases/traffic-shift.ts).
   */
  trafficShift?: TrafficShift;
  /** Metric analysis of a shifting deployment: its last intervals (reconcile/plan/phases/analysis-phase.ts). */
  analysis?: { intervals: AnalysisInterval[] };
  /** A stop asked for through the API (POST .../stop or continue ROLLBACK), carried out by the reconciler. */
  stopRequested?: StopRequest;
  /** The deployment's live tasks per capacity provider (services with a capacity provider strategy). */
  tasksByCapacityProvider?: Record<CapacityProviderName, number>;
}

/** Tasks of one RunTask call that ECS refused (they never existed, so no inventory record shows them). */
export interface LaunchRefusal {
  /** ISO instant of the refusal. */
  at: string;
  count: number;
}

export const MAX_LAUNCH_REFUSALS_KEPT = 20;

/**
 * A new PRIMARY deployment, IN_PROGRESS, with nothing launched yet. Pure: id and time are given. Its
 * progress clock (lastProgressAt) starts at the first reconcile pass, not here.
 */
export const freshDeployment = (
  id: string,
  taskDefinition: string,
  desiredCount: number,
  at: string,
  rolloutStateReason = 'ECS deployment in progress.',
): Deployment => ({
  id,
  status: 'PRIMARY',
  taskDefinition,
  desiredCount,
  runningCount: 0,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: 'IN_PROGRESS',
  rolloutStateReason,
  createdAt: at,
  updatedAt: at,
  launchAttempts: 0,
  healthyCount: 0,
});

/**
 * The deployment a rollback to `taskDefinition` adopts tasks from (Deployment.adoptsTasksOf): the
 * newest other one of that revision that may still have tasks.
 */
export const adoptionSource = (
  deployments: Deployment[],
  taskDefinition: string,
  except: string,
): string | undefined =>
  [...deployments]
    .filter((d) => d.id !== except && d.taskDefinition === taskDefinition && d.status !== 'INACTIVE')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]?.id;

/**
 * A person's hand on the lever: an approval holds a traffic shift at a stage until someone continues it
 * (or its timeout decides), and a stop request ends a deployment where it is or rolls it back (ECS
 * StopServiceDeployment's stopType). ECS has no ContinueServiceDeployment; its pause is a lifecycle
 * hook answering IN_PROGRESS, so Tugboat's continue follows the hook's verdicts (CONTINUE = SUCCEEDED,
 * ROLLBACK = FAILED).
 */
import type { Deployment } from './deployments';

/** The stages a shift can be held at: it stops before leaving the stage. */
export type ApprovalStage = 'TEST_TRAFFIC_SHIFT' | 'PRODUCTION_TRAFFIC_SHIFT' | 'BAKE_TIME';

export interface ApprovalConfiguration {
  stage: ApprovalStage;
  /** Minutes the hold waits for a person before onTimeout decides (1..1440, default 60). */
  timeoutMinutes?: number;
  /** Default ROLLBACK: nobody said yes. */
  onTimeout?: 'ROLLBACK' | 'CONTINUE';
}

export const DEFAULT_APPROVAL_TIMEOUT_MINUTES = 60;

/** A deployment's approval as it goes: its settings, when the hold began, and who let it go on. */
export interface ApprovalState extends ApprovalConfiguration {
  /** ISO instant the deployment began to wait at the stage. */
  pausedAt?: string;
  /** Set by POST .../continue (or by a CONTINUE timeout): the hold is over. */
  continuedAt?: string;
  continuedBy?: string;
}

export type StopType = 'ROLLBACK' | 'ABORT';

/** A stop asked for through the API; the next reconcile pass carries it out. */
export interface StopRequest {
  stopType: StopType;
  at: string;
  principal?: string;
}

export type ContinueAction = 'CONTINUE' | 'ROLLBACK';

const notInProgress = (d: Deployment): string | undefined =>
  d.status !== 'PRIMARY' || d.rolloutState !== 'IN_PROGRESS'
    ? `deployment ${d.id} is ${d.rolloutState === 'IN_PROGRESS' ? d.status : d.rolloutState}, not the PRIMARY in progress`
    : undefined;

/** Why `deployment` cannot be continued now (a 409), or undefined: only a paused one can. */
export const continueRefusal = (d: Deployment): string | undefined => {
  const settled = notInProgress(d);
  if (settled) return settled;
  if (d.stopRequested) return `deployment ${d.id} is being stopped (${d.stopRequested.stopType})`;
  const approval = d.trafficShift?.approval;
  if (approval?.continuedAt !== undefined) return `deployment ${d.id} was already continued`;
  if (approval?.pausedAt === undefined) return `deployment ${d.id} is not paused awaiting approval`;
  return undefined;
};

/**
 * Why `deployment` cannot be stopped with `stopType` (a 409), or undefined. A stop already asked for
 * with the same type is no conflict (ECS: a STOP_REQUESTED or ROLLBACK_REQUESTED deployment goes on
 * stopping); with the other type it is.
 */
export const stopRefusal = (d: Deployment, stopType: StopType): string | undefined => {
  if (d.stopRequested && d.stopRequested.stopType !== stopType)
    return `deployment ${d.id} is already being stopped with ${d.stopRequested.stopType}`;
  if (d.stopRequested) return undefined;
  return notInProgress(d);
};

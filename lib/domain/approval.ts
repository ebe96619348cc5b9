/**
 * A person's hand on the lever: an approval holds a traffic shift at a stage until someone continues it
 * (or its timeout decides), and a stop request ends a deployment where it is or rolls it back (ECS
 * StopServiceDeployment's stopType). ECS has no ContinueServiceDeployment; its pause is a lifecycle
 * hook answering IN_PROGRESS, so Tugboat's continue follows the hook's verdicts (CONTINUE = SUCCEEDED,
 * ROLLBACK = FAILED).
 */
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

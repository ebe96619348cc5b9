/** The 409 rules of continuing and stopping a deployment (POST .../continue and .../stop). */
import type { StopType } from './approval';
import type { Deployment } from './deployments';

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
  const heldAt = d.trafficShift?.analysisHeldAt;
  if (approval?.pausedAt === undefined && heldAt !== undefined && approval?.stage === d.trafficShift?.stage)
    return `deployment ${d.id} is not paused awaiting approval: it holds since ${heldAt} for an analysis interval that passes, and is paused for approval after one`;
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

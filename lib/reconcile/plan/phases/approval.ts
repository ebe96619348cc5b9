/**
 * A person's hand on the lever, in the planner. An approval holds the PRIMARY's traffic shift before it
 * leaves the approval's stage until POST .../continue records a continue (or its timeout decides: a
 * CONTINUE timeout continues it, a ROLLBACK one rolls it back). A stop request (POST .../stop, or
 * continue ROLLBACK) fails the PRIMARY: ROLLBACK goes back as the circuit breaker and an alarm do
 * (production weight to the old group, a rollback deployment adopting the old tasks); ABORT leaves it
 * where it is (no launches or stops for it any more, the weights as they were).
 */
import { DEFAULT_APPROVAL_TIMEOUT_MINUTES, type StopRequest } from '../../../domain';
import { epochOf, isoOf, MINUTE_MS } from '../../../time';
import { rollBack } from './judge';
import type { RolloutState } from './state';

/**
 * Hook of the stage machine, called when the stage is about to move on: true while the PRIMARY waits
 * for its approval at this stage (the caller holds), false when it may go on.
 */
export function awaitsApproval(state: RolloutState): boolean {
  const { primary } = state;
  const shift = primary.trafficShift;
  const approval = shift?.approval;
  if (shift === undefined || approval === undefined || approval.stage !== shift.stage) return false;
  if (approval.continuedAt !== undefined) return false;
  const name = state.service.serviceName;
  const pausedAt = approval.pausedAt ?? state.nowIso;
  if (approval.pausedAt === undefined) {
    primary.trafficShift = { ...shift, approval: { ...approval, pausedAt } };
    state.events.push(
      `service ${name} deployment ${primary.id} paused at ${shift.stage} with ${shift.productionPercent}% of production traffic, awaiting approval (POST .../continue).`,
    );
  }
  const minutes = approval.timeoutMinutes ?? DEFAULT_APPROVAL_TIMEOUT_MINUTES;
  const due = (epochOf(pausedAt) ?? state.now) + minutes * MINUTE_MS;
  if (state.now < due) {
    state.actions.push({
      type: 'hold',
      deploymentId: primary.id,
      until: due,
      reason: `deployment ${primary.id} awaits approval at ${shift.stage} until ${isoOf(due)}`,
    });
    return true;
  }
  if ((approval.onTimeout ?? 'ROLLBACK') === 'CONTINUE') {
    primary.trafficShift = { ...shift, approval: { ...approval, pausedAt, continuedAt: state.nowIso } };
    state.events.push(
      `service ${name} deployment ${primary.id} continued: nobody approved it within ${minutes} minutes (onTimeout CONTINUE).`,
    );
    return false;
  }
  stopPrimary(state, 'ROLLBACK', `nobody approved it within ${minutes} minutes (onTimeout ROLLBACK)`);
  return true;
}

/** Fails the PRIMARY for `failure`; ROLLBACK rolls it back as the breaker does. */
function stopPrimary(state: RolloutState, stopType: StopRequest['stopType'], failure: string): void {
  const { primary } = state;
  primary.rolloutState = 'FAILED';
  primary.rolloutStateReason = `${failure}.`;
  state.actions.push({ type: 'fail-deployment', deploymentId: primary.id, reason: failure });
  state.events.push(`service ${state.service.serviceName} deployment ${primary.id} failed: ${failure}.`);
  if (stopType === 'ROLLBACK') rollBack(state, primary);
}

/** Phase: a stop asked for through the API ends the PRIMARY (before anything else may move it on). */
export function judgeStopRequest(state: RolloutState): void {
  const { primary } = state;
  const request = primary.stopRequested;
  if (request === undefined || primary.rolloutState !== 'IN_PROGRESS') return;
  const by = request.principal ? ` by ${request.principal}` : '';
  const failure =
    request.stopType === 'ROLLBACK' ? `stopped with rollback${by}` : `stopped where it was (ABORT)${by}`;
  stopPrimary(state, request.stopType, failure);
}

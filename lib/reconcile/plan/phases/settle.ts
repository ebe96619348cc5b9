/**
 * Phase: mark settled. Exactly the desired tasks remain, all of the PRIMARY, all healthy, none being
 * stopped, and nothing launched this pass: the rollout is COMPLETED, and the service has reached a
 * steady state (said once, not on every pass that finds it steady).
 */
import { isLive, isStopped } from '../tasks';
import { healthy, type RolloutState } from './state';

export function isSettled(state: RolloutState, launched: number): boolean {
  const { primary, service } = state;
  const notStopped = state.tasks.filter((t) => !isStopped(t));
  return (
    launched === 0 &&
    notStopped.length === service.desiredCount &&
    notStopped.every(
      (t) => t.deploymentId === primary.id && isLive(t) && !state.stopped.has(t.taskArn) && healthy(state, t),
    )
  );
}

export function markSettled(state: RolloutState, launched: number): void {
  const { primary: current, service } = state;
  const name = service.serviceName;
  const desired = service.desiredCount;
  // A traffic shift completes at the end of its CLEAN_UP, never before (traffic-shift.ts).
  const shiftStage = current.trafficShift?.stage;
  const settled =
    isSettled(state, launched) &&
    (shiftStage === undefined || shiftStage === 'CLEAN_UP' || shiftStage === 'ROLLBACK');
  if (settled && current.rolloutState === 'IN_PROGRESS') {
    current.rolloutState = 'COMPLETED';
    current.rolloutStateReason = `ECS deployment ${current.id} completed.`;
    state.events.push(`service ${name} deployment ${current.id} completed.`);
  }
  const before = state.original.get(current.id);
  const steadyBefore =
    before?.status === 'PRIMARY' &&
    before.rolloutState === 'COMPLETED' &&
    before.healthyCount === desired &&
    service.runningCount === desired &&
    service.pendingCount === 0;
  if (settled && current.rolloutState === 'COMPLETED' && !steadyBefore) {
    state.events.push(`service ${name} has reached a steady state.`);
  }
}

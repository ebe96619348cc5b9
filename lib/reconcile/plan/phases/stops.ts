/**
 * Phases that stop tasks to make room, within one minimumHealthyPercent budget (floor.ts): replace
 * old deployments' tasks, scale the PRIMARY in to the desired count, then bring every deployment's
 * tasks together under maximumPercent's cap.
 */

import { type StopBudget, stopBudget } from '../floor';
import { isUp } from '../tasks';
import type { ObservedTask, StopCause } from '../types';
import { maxTaskCap, minHealthyFloor } from './limits';
import { isShifting } from './serving';
import { healthy, live, type RolloutState, rulesFor, scaleInOrder, stop } from './state';

/** The live tasks before the stops to make room, and the floor's budget for them. */
export interface StopRound {
  budget: StopBudget;
  primaryLive: ObservedTask[];
  oldLive: ObservedTask[];
}

export function stopRound(state: RolloutState): StopRound {
  const { service, primary } = state;
  const liveBefore = live(state);
  const budget = stopBudget({
    liveTasks: liveBefore,
    primaryId: primary.id,
    floor: minHealthyFloor(service.desiredCount, service.deploymentConfiguration.minimumHealthyPercent),
    isHealthy: (t) => healthy(state, t),
    isUp: (t) => isUp(t, rulesFor(state, t.deploymentId)),
  });
  return {
    budget,
    primaryLive: liveBefore.filter((t) => t.deploymentId === primary.id),
    oldLive: liveBefore.filter((t) => t.deploymentId !== primary.id),
  };
}

/** Stops up to `count` of `candidates`, the least ready first, each as the floor's budget allows. */
const stopAsAllowed = (
  state: RolloutState,
  round: StopRound,
  candidates: ObservedTask[],
  count: number,
  why: (task: ObservedTask) => { cause: StopCause; reason: string },
): void => {
  let stopped = 0;
  for (const t of scaleInOrder(state, candidates)) {
    if (stopped >= count) break;
    if (!round.budget.take(t)) continue;
    stopped += 1;
    const { cause, reason } = why(t);
    stop(state, t, cause, reason);
  }
};

/**
 * Old tasks go as the floor allows, unhealthy and pending ones first. While the PRIMARY cannot
 * launch (failed or backing off) they keep serving, and only a surplus over desired is stopped.
 */
export function replaceOld(state: RolloutState, round: StopRound, canLaunch: boolean): void {
  const { primary, service } = state;
  const desired = service.desiredCount;
  const { primaryLive } = round;
  // Old tasks serving production during a traffic shift go only at its CLEAN_UP (traffic-shift.ts).
  const oldLive = round.oldLive.filter((t) => !state.shielded.has(t.taskArn));
  const oldToStop =
    canLaunch || primaryLive.length >= desired
      ? oldLive.length
      : primaryLive.length + oldLive.length - desired;
  stopAsAllowed(state, round, oldLive, oldToStop, (t) =>
    state.byId.has(t.deploymentId)
      ? {
          cause: 'replaced',
          reason: `deployment ${t.deploymentId} is replaced by deployment ${primary.id} (${primary.taskDefinition})`,
        }
      : { cause: 'orphan', reason: `task belongs to no deployment of service ${service.serviceName}` },
  );
}

/** The PRIMARY's tasks over the desired count go, as the floor allows. */
export function scaleIn(state: RolloutState, round: StopRound): void {
  const { service } = state;
  const desired = service.desiredCount;
  const { primaryLive } = round;
  // Kept tasks (a return to Spot's replacements) are neither stopped nor counted as excess.
  const candidates = primaryLive.filter((t) => !state.keep.has(t.taskArn));
  const excess = candidates.length - desired;
  // Only the first `excess` in order are tried: a refused one is not traded for a readier task after it.
  const tried = scaleInOrder(state, candidates).slice(0, Math.max(0, excess));
  const reason = `service ${service.serviceName} has ${primaryLive.length} tasks and desires ${desired}`;
  stopAsAllowed(state, round, tried, tried.length, () => ({ cause: 'scale-in', reason }));
}

/**
 * Old tasks serving production during a traffic shift stay until its CLEAN_UP, but not beyond the
 * desired count: a desired count lowered mid-shift scales the serving fleet in too, as the floor allows,
 * so each of the shift's two fleets stays at most the desired count (seed 291).
 */
export function scaleInServing(state: RolloutState, round: StopRound): void {
  const { service } = state;
  const serving = round.oldLive.filter((t) => state.shielded.has(t.taskArn) && !state.keep.has(t.taskArn));
  const excess = serving.length - service.desiredCount;
  if (excess <= 0) return;
  const reason = `service ${service.serviceName} serves production with ${serving.length} old tasks and desires ${service.desiredCount}`;
  stopAsAllowed(state, round, serving, excess, () => ({ cause: 'scale-in', reason }));
}

/**
 * Live tasks over maximumPercent's cap go, whichever deployment they belong to: a desired count lowered
 * mid-rollout leaves old tasks the floor keeps (they are the healthy ones) beside PRIMARY tasks not yet
 * ready, and the cap is ECS's limit on RUNNING and PENDING tasks. The least ready go first, as the floor
 * allows; Kubernetes scales a new replica set down in proportion too. A traffic shift runs its two fleets
 * side by side (the cap does not apply), and a return to Spot's kept replacements stay.
 */
export function trimToCap(state: RolloutState, round: StopRound): void {
  if (isShifting(state.primary)) return;
  const { service } = state;
  const { desiredCount, deploymentConfiguration: config } = service;
  const cap = maxTaskCap(desiredCount, config.maximumPercent);
  const remaining = live(state);
  const excess = remaining.length - cap;
  if (excess <= 0) return;
  const candidates = remaining.filter((t) => !state.shielded.has(t.taskArn) && !state.keep.has(t.taskArn));
  const reason = `service ${service.serviceName} has ${remaining.length} running or pending tasks; maximumPercent ${config.maximumPercent} of ${desiredCount} desired allows ${cap}`;
  stopAsAllowed(state, round, candidates, excess, () => ({ cause: 'scale-in', reason }));
}

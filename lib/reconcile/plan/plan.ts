/**
 * The reconciler's pure core: from a service's desired state, its deployments and the tasks ECS
 * reports, decide which tasks to stop and launch, and what the deployments look like next.
 * Level-triggered: it looks only at the current state, so running it twice on the same input gives
 * the same answer, and a lost or repeated pass is harmless. See types.ts for the contract.
 *
 * One pass is a sequence of phases (phases/*.ts), each a function of a shared state, in the order
 * Kubernetes' deployment controller applies the same rules (rolling.go, progress.go, rollback.go).
 */

import { judgeAlarms } from './phases/alarms';
import { judgeAnalysis } from './phases/analysis-phase';
import { judgeStopRequest } from './phases/approval';
import { isBackingOff, recordCrashLoopBackoff } from './phases/backoff';
import { drain } from './phases/drain';
import { finish } from './phases/finish';
import { judgeRollout } from './phases/judge';
import { launchOrHold } from './phases/launch';
import { countFailedTasks, ensurePrimary, noteProgress } from './phases/primary';
import { recordServing, startFromServing } from './phases/serving';
import { markSettled } from './phases/settle';
import { shutDown } from './phases/shut-down';
import { countByProvider, noteSpotFallback, spotPlacer } from './phases/spot-fallback';
import { launchReturnBatch, stopReturnedOnDemand } from './phases/spot-return';
import { planState } from './phases/state';
import { replaceOld, scaleIn, scaleInServing, stopRound, trimToCap } from './phases/stops';
import {
  advanceShift,
  completeShift,
  keepShiftProgress,
  noteRolledBack,
  runRollbackHooks,
  setTraffic,
} from './phases/traffic-shift';
import { stopUnhealthy } from './phases/unhealthy';
import type { PlanInput, PlanResult } from './types';

export { circuitBreakerThreshold, crashLoopDelayMs, maxTaskCap, minHealthyFloor } from './phases/limits';

export function plan(input: PlanInput): PlanResult {
  const state = planState(input);
  drain(state);
  if (state.service.status !== 'ACTIVE') {
    const status = shutDown(state);
    countByProvider(state);
    setTraffic(state);
    return finish(state, status);
  }

  const rollout = ensurePrimary(state);
  noteProgress(rollout);
  keepShiftProgress(rollout);
  countFailedTasks(rollout);
  judgeRollout(rollout);
  judgeAlarms(rollout);
  judgeStopRequest(rollout);
  judgeAnalysis(rollout);
  noteRolledBack(rollout);
  runRollbackHooks(rollout);
  stopUnhealthy(rollout);
  const backoff = recordCrashLoopBackoff(rollout);
  const canLaunch = rollout.primary.rolloutState !== 'FAILED' && !isBackingOff(rollout, backoff);
  const spot = stopReturnedOnDemand(rollout, noteSpotFallback(rollout), canLaunch);
  startFromServing(rollout);
  advanceShift(rollout);
  const round = stopRound(rollout);
  replaceOld(rollout, round, canLaunch);
  scaleIn(rollout, round);
  scaleInServing(rollout, round);
  trimToCap(rollout, round);
  let launched = launchOrHold(rollout, backoff, spotPlacer(rollout, spot));
  if (canLaunch) launched += launchReturnBatch(rollout, spot, launched);
  markSettled(rollout, launched);
  completeShift(rollout);
  recordServing(rollout);
  setTraffic(rollout);
  countByProvider(rollout);
  return finish(rollout, 'ACTIVE');
}

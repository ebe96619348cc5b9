/**
 * ECS lifecycle hooks in the planner. Called by the stage machine (traffic-shift.ts) before it moves past
 * a lifecycle stage: each hook configured for the stage runs, one after the other in the order of
 * lifecycleHooks. A hook not yet run starts an execution (trafficShift.hook, due at once); the pass calls
 * due hooks before planning and hands the answer in as input.hookResult, which this phase judges:
 * SUCCEEDED passes the hook (trafficShift.hooksPassed), FAILED or a failed call rolls the deployment back
 * as an alarm does, IN_PROGRESS holds and calls again after callBackDelay, until the hook's timeout
 * (timeoutConfiguration, ECS's default 24 h ROLLBACK). Level-triggered: the execution is stored on the
 * deployment with the pass's version-checked write, so a pass that dies after a call calls again with the
 * same executionId.
 */
import {
  DEFAULT_CALLBACK_DELAY_SECONDS,
  DEFAULT_HOOK_TIMEOUT_MINUTES,
  type HookExecution,
  hookKey,
  type LifecycleHookStage,
  type TrafficShift,
} from '../../../domain';
import { epochOf, isoOf, MINUTE_MS } from '../../../time';
import { deriveHookExecutionId } from '../tokens';
import { failPrimary, rollBack } from './judge';
import type { RolloutState } from './state';

/** The hooks (index, stage) a stage runs that have not passed yet, in ECS's stage order then list order. */
const pendingHooks = (
  shift: TrafficShift,
  stages: readonly LifecycleHookStage[],
): Array<{ index: number; stage: LifecycleHookStage }> => {
  const passed = new Set(shift.hooksPassed ?? []);
  const pending: Array<{ index: number; stage: LifecycleHookStage }> = [];
  for (const stage of stages) {
    if (stage === 'RECONCILE_SERVICE' && !shift.reconcileService) continue;
    for (const [index, hook] of (shift.lifecycleHooks ?? []).entries())
      if (hook.lifecycleStages.includes(stage) && !passed.has(hookKey(stage, index)))
        pending.push({ index, stage });
  }
  return pending;
};

/** Whether the PRIMARY still has hooks of these stages to pass (launch.ts holds PRE_SCALE_UP's launches). */
export const hooksPending = (
  shift: TrafficShift | undefined,
  stages: readonly LifecycleHookStage[],
): boolean => shift !== undefined && pendingHooks(shift, stages).length > 0;

/** Stages whose hooks run before the new tasks start. */
export const BEFORE_SCALE_UP: readonly LifecycleHookStage[] = ['RECONCILE_SERVICE', 'PRE_SCALE_UP'];

/** The soonest a hold for a hook ends: a call due now is made by the pass a second later. */
const HOOK_POLL_FLOOR_MS = 1_000;

const holdFor = (state: RolloutState, execution: HookExecution, until: number, why: string): true => {
  state.actions.push({
    type: 'hold',
    deploymentId: state.primary.id,
    // A due call wants the next pass soon (the pass calls before it plans), but never a busy loop.
    until: Math.max(until, state.now + HOOK_POLL_FLOOR_MS),
    reason: `deployment ${state.primary.id} ${why} lifecycle hook ${execution.hookTargetArn} at ${execution.lifecycleStage}`,
  });
  return true;
};

/** Fails the PRIMARY for its hook and rolls it back as an alarm does. */
function failForHook(state: RolloutState, shift: TrafficShift, failure: string): void {
  const { primary } = state;
  const { hook: _done, ...rest } = shift;
  primary.trafficShift = rest;
  failPrimary(state, failure);
  rollBack(state, primary);
}

/** The hook passed (SUCCEEDED, or its timeout said CONTINUE). */
function passHook(
  state: RolloutState,
  shift: TrafficShift,
  execution: HookExecution,
  how: string,
): TrafficShift {
  const { hook: _done, ...rest } = shift;
  const next = {
    ...rest,
    hooksPassed: [...(shift.hooksPassed ?? []), hookKey(execution.lifecycleStage, execution.hookIndex)],
  };
  state.primary.trafficShift = next;
  state.events.push(
    `service ${state.service.serviceName} deployment ${state.primary.id} lifecycle hook ${execution.hookTargetArn} at ${execution.lifecycleStage} ${how}.`,
  );
  return next;
}

/**
 * Hook of the stage machine, called before the PRIMARY leaves `stages`: true while it waits for a hook
 * of them (the caller holds; the deployment may also have failed), false when all have passed.
 */
export function awaitsHooks(state: RolloutState, stages: readonly LifecycleHookStage[]): boolean {
  const { primary } = state;
  let shift = primary.trafficShift;
  if (shift?.lifecycleHooks === undefined) return false;
  for (const { index, stage } of pendingHooks(shift, stages)) {
    const hook = shift.lifecycleHooks?.[index];
    if (hook === undefined) continue;
    const key = hookKey(stage, index);
    let execution = shift.hook;
    if (execution === undefined || hookKey(execution.lifecycleStage, execution.hookIndex) !== key) {
      execution = {
        lifecycleStage: stage,
        hookIndex: index,
        hookTargetArn: hook.hookTargetArn,
        executionId: deriveHookExecutionId(
          primary.id,
          `${shift.stageStartedAt}@${shift.productionPercent}`,
          key,
        ),
        status: 'IN_PROGRESS',
        startedAt: state.nowIso,
        nextInvokeAt: state.nowIso,
        invocations: 0,
      };
      shift = { ...shift, hook: execution };
      primary.trafficShift = shift;
    }
    const where = `lifecycle hook ${hook.hookTargetArn} at ${stage}`;
    const result = state.input.hookResult;
    if (result !== undefined && result.executionId === execution.executionId) {
      const { answer } = result;
      const calls = execution.invocations + 1;
      if ('error' in answer) {
        failForHook(state, shift, `${where} failed to answer (call ${calls}): ${answer.error}`);
        return true;
      }
      if (answer.hookStatus === 'FAILED') {
        failForHook(state, shift, `${where} answered FAILED (call ${calls})`);
        return true;
      }
      if (answer.hookStatus === 'SUCCEEDED') {
        shift = passHook(state, shift, execution, `SUCCEEDED (call ${calls})`);
        continue;
      }
      const delay = answer.callBackDelay ?? DEFAULT_CALLBACK_DELAY_SECONDS;
      const at = epochOf(result.at) ?? state.now;
      execution = {
        ...execution,
        invocations: calls,
        lastInvokedAt: result.at,
        nextInvokeAt: isoOf(at + delay * 1000),
        ...(answer.hookDetails === undefined ? {} : { hookDetails: answer.hookDetails }),
      };
      shift = { ...shift, hook: execution };
      primary.trafficShift = shift;
      if (calls === 1)
        state.events.push(
          `service ${state.service.serviceName} deployment ${primary.id} waits: ${where} answered IN_PROGRESS; calling again every ${delay} s.`,
        );
    }
    const minutes = hook.timeoutConfiguration?.timeoutInMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES;
    const expires = (epochOf(execution.startedAt) ?? state.now) + minutes * MINUTE_MS;
    if (state.now >= expires) {
      if ((hook.timeoutConfiguration?.action ?? 'ROLLBACK') === 'CONTINUE') {
        shift = passHook(state, shift, execution, `timed out after ${minutes} minutes (action CONTINUE)`);
        continue;
      }
      failForHook(state, shift, `${where} timed out after ${minutes} minutes (action ROLLBACK)`);
      return true;
    }
    const due = epochOf(execution.nextInvokeAt) ?? state.now;
    return holdFor(state, execution, Math.min(due, expires), 'waits for');
  }
  return false;
}

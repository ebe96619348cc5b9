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
 *
 * A rollback runs the TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT hooks too (as ECS does), on the
 * failed deployment, once its rules show the traffic back: they are told, they never hold the shift
 * back, and a FAILED answer or a timeout is an event, since a rollback is not rolled back.
 */
import {
  DEFAULT_CALLBACK_DELAY_SECONDS,
  DEFAULT_HOOK_TIMEOUT_MINUTES,
  type Deployment,
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
  const hasTest = shift.routes.some((route) => route.testListenerRule !== undefined);
  const pending: Array<{ index: number; stage: LifecycleHookStage }> = [];
  for (const stage of stages) {
    if (stage === 'RECONCILE_SERVICE' && !shift.reconcileService) continue;
    if (stage === 'TEST_TRAFFIC_SHIFT' && !hasTest) continue;
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
/** Stages whose hooks a rollback runs (ECS: "when a rollback occurs"). */
export const ROLLBACK_STAGES: readonly LifecycleHookStage[] = [
  'TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
];

/** Whose hooks run: the shifting PRIMARY (a failure rolls it back) or a failed one rolling back. */
type HookRun = { deployment: Deployment; rollingBack: boolean };

/** The soonest a hold for a hook ends: a call due now is made by the pass a second later. */
const HOOK_POLL_FLOOR_MS = 1_000;

const holdFor = (
  state: RolloutState,
  run: HookRun,
  execution: HookExecution,
  until: number,
  why: string,
): true => {
  state.actions.push({
    type: 'hold',
    deploymentId: run.deployment.id,
    // A due call wants the next pass soon (the pass calls before it plans), but never a busy loop.
    until: Math.max(until, state.now + HOOK_POLL_FLOOR_MS),
    reason: `deployment ${run.deployment.id} ${why} lifecycle hook ${execution.hookTargetArn} at ${execution.lifecycleStage}${run.rollingBack ? ' (rollback)' : ''}`,
  });
  return true;
};

/** The hook passed (SUCCEEDED, or its timeout said CONTINUE; in a rollback, whatever it said). */
function passHook(
  state: RolloutState,
  run: HookRun,
  shift: TrafficShift,
  execution: HookExecution,
  how: string,
): TrafficShift {
  const { hook: _done, ...rest } = shift;
  const next = {
    ...rest,
    hooksPassed: [...(shift.hooksPassed ?? []), hookKey(execution.lifecycleStage, execution.hookIndex)],
  };
  run.deployment.trafficShift = next;
  const during = run.rollingBack ? ' during the rollback' : '';
  state.events.push(
    `service ${state.service.serviceName} deployment ${run.deployment.id} lifecycle hook ${execution.hookTargetArn} at ${execution.lifecycleStage}${during} ${how}.`,
  );
  return next;
}

/**
 * A hook that failed: the PRIMARY fails and rolls back as an alarm does; in a rollback the hook is done
 * and the rollback goes on. Returns the shift to go on with, or undefined when the PRIMARY failed.
 */
function failHook(
  state: RolloutState,
  run: HookRun,
  shift: TrafficShift,
  execution: HookExecution,
  where: string,
  how: string,
): TrafficShift | undefined {
  if (run.rollingBack) return passHook(state, run, shift, execution, `${how}; the rollback goes on`);
  const { hook: _done, ...rest } = shift;
  run.deployment.trafficShift = rest;
  failPrimary(state, `${where} ${how}`);
  rollBack(state, run.deployment);
  return undefined;
}

/**
 * Hook of the stage machine, called before the PRIMARY leaves `stages`: true while it waits for a hook
 * of them (the caller holds; the deployment may also have failed), false when all have passed.
 */
export const awaitsHooks = (state: RolloutState, stages: readonly LifecycleHookStage[]): boolean =>
  runHooks(state, { deployment: state.primary, rollingBack: false }, stages);

/** A failed deployment's rollback hooks (ROLLBACK_STAGES): true while one of them is still running. */
export const runsRollbackHooks = (state: RolloutState, failed: Deployment): boolean =>
  runHooks(state, { deployment: failed, rollingBack: true }, ROLLBACK_STAGES);

function runHooks(state: RolloutState, run: HookRun, stages: readonly LifecycleHookStage[]): boolean {
  const { deployment } = run;
  let shift = deployment.trafficShift;
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
          deployment.id,
          `${shift.stageStartedAt}@${shift.productionPercent}`,
          key,
        ),
        status: 'IN_PROGRESS',
        startedAt: state.nowIso,
        nextInvokeAt: state.nowIso,
        invocations: 0,
      };
      shift = { ...shift, hook: execution };
      deployment.trafficShift = shift;
    }
    const where = `lifecycle hook ${hook.hookTargetArn} at ${stage}`;
    const result = state.input.hookResult;
    if (result !== undefined && result.executionId === execution.executionId) {
      const { answer } = result;
      const calls = execution.invocations + 1;
      if ('error' in answer || answer.hookStatus === 'FAILED') {
        const how =
          'error' in answer
            ? `failed to answer (call ${calls}): ${answer.error}`
            : `answered FAILED (call ${calls})`;
        const next = failHook(state, run, shift, execution, where, how);
        if (next === undefined) return true;
        shift = next;
        continue;
      }
      if (answer.hookStatus === 'SUCCEEDED') {
        shift = passHook(state, run, shift, execution, `SUCCEEDED (call ${calls})`);
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
      deployment.trafficShift = shift;
      if (calls === 1)
        state.events.push(
          `service ${state.service.serviceName} deployment ${deployment.id} ${run.rollingBack ? 'rolls back;' : 'waits:'} ${where} answered IN_PROGRESS; calling again every ${delay} s.`,
        );
    }
    const minutes = hook.timeoutConfiguration?.timeoutInMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES;
    const expires = (epochOf(execution.startedAt) ?? state.now) + minutes * MINUTE_MS;
    if (state.now >= expires) {
      const action = hook.timeoutConfiguration?.action ?? 'ROLLBACK';
      const brief = `timed out after ${minutes} minutes (action ${action})`;
      if (action === 'CONTINUE') {
        shift = passHook(state, run, shift, execution, brief);
        continue;
      }
      const next = failHook(state, run, shift, execution, where, brief);
      if (next === undefined) return true;
      shift = next;
      continue;
    }
    const due = epochOf(execution.nextInvokeAt) ?? state.now;
    return holdFor(state, run, execution, Math.min(due, expires), 'waits for');
  }
  return false;
}

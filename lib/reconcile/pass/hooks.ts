/**
 * A pass's lifecycle-hook I/O, before planning: the hook execution whose next call is due (the shifting
 * PRIMARY's, or a failed deployment's while it rolls back) is called (deps.invokeHook: Lambda Invoke, or an http:// POST locally) and its answer handed to the
 * plan (input.hookResult), which decides. The plan's write records the execution's progress; a pass that
 * dies between the call and that write leaves the call due, so the next pass calls again with the same
 * executionId (ECS may also call a hook more than once: hooks must be idempotent).
 */
import { type Deployment, type HookAnswer, type HookResult, hookPayload, type Service } from '../../domain';
import { epochOf, isoOf } from '../../time';
import type { PassContext } from './context';

/** The longest one call may take; a hook with longer work answers IN_PROGRESS and is called again. */
export const HOOK_CALL_TIMEOUT_MS = 20_000;
/** Time kept back from the pass's deadline for the plan and its write after a call. */
export const HOOK_DEADLINE_MARGIN_MS = 5_000;
/** A call with less time than this before the deadline waits for the next pass. */
const MIN_CALL_MS = 1_000;

type HookExecution = NonNullable<NonNullable<Deployment['trafficShift']>['hook']>;

/** Whose hook executions the pass calls: the shifting PRIMARY's (unless stopped), then rollbacks'. */
const callsHooks = (d: Deployment): boolean =>
  (d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS' && d.stopRequested === undefined) ||
  d.trafficShift?.stage === 'ROLLBACK';

/**
 * The deployment whose hook execution's call is due at `now`: the shifting PRIMARY's first, else a
 * failed deployment's rollback hook (one call a pass).
 */
export const dueHook = (
  service: Service,
  now: number,
): { deployment: Deployment; execution: HookExecution } | undefined => {
  // A service being deleted plans no hook (plan.ts shuts it down): a call would go unanswered each pass.
  if (service.status !== 'ACTIVE') return undefined;
  const candidates = [...service.deployments].sort(
    (a, b) => Number(b.status === 'PRIMARY') - Number(a.status === 'PRIMARY'),
  );
  for (const deployment of candidates) {
    const execution = deployment.trafficShift?.hook;
    if (execution === undefined || !callsHooks(deployment)) continue;
    if ((epochOf(execution.nextInvokeAt) ?? Number.POSITIVE_INFINITY) <= now)
      return { deployment, execution };
  }
  return undefined;
};

/**
 * The revision on the other side of the hook's deployment: in a rollback the one it rolls back to (the
 * rollback deployment adopted its tasks), else the old ACTIVE one.
 */
const otherRevisionOf = (service: Service, deployment: Deployment): string | undefined => {
  if (deployment.trafficShift?.stage === 'ROLLBACK') {
    const rollback = service.deployments.find((d) => d.rollbackOf === deployment.id);
    if (rollback !== undefined) return rollback.adoptsTasksOf ?? rollback.id;
  }
  return service.deployments.find((d) => d.id !== deployment.id && d.status === 'ACTIVE')?.id;
};

/** Calls the due hook, if any and if the deadline leaves time for it; undefined otherwise. */
export const callDueHook = async (
  { deps, called }: PassContext,
  service: Service,
  deadline: number | undefined,
): Promise<HookResult | undefined> => {
  if (deps.invokeHook === undefined) return undefined;
  const now = deps.now();
  const due = dueHook(service, now);
  const shift = due?.deployment.trafficShift;
  if (due === undefined || shift === undefined) return undefined;
  const room = deadline === undefined ? HOOK_CALL_TIMEOUT_MS : deadline - now - HOOK_DEADLINE_MARGIN_MS;
  if (room < MIN_CALL_MS) return undefined;
  const other = otherRevisionOf(service, due.deployment);
  const payload = hookPayload(service, shift, due.deployment.id, other, due.execution);
  // Whatever goes wrong calling the hook is an answer the plan judges, as a failed invocation is: an
  // invoker that throws would otherwise end every pass before its plan, so nothing else the service needs
  // (a dead task's replacement, the hook's own timeout) would happen (fuzz seed 2264).
  let answer: HookAnswer;
  try {
    answer = await deps.invokeHook(
      due.execution.hookTargetArn,
      payload,
      Math.min(HOOK_CALL_TIMEOUT_MS, room),
    );
  } catch (error) {
    answer = { error: `the call failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  called('lambda:Invoke');
  return { executionId: due.execution.executionId, at: isoOf(now), answer };
};

/**
 * A pass's lifecycle-hook I/O, before planning: the shifting PRIMARY's hook execution whose next call is
 * due is called (deps.invokeHook: Lambda Invoke, or an http:// POST locally) and its answer handed to the
 * plan (input.hookResult), which decides. The plan's write records the execution's progress; a pass that
 * dies between the call and that write leaves the call due, so the next pass calls again with the same
 * executionId (ECS may also call a hook more than once: hooks must be idempotent).
 */
import { type Deployment, type HookResult, hookPayload, type Service } from '../../domain';
import { epochOf, isoOf } from '../../time';
import type { PassContext } from './context';

/** The longest one call may take; a hook with longer work answers IN_PROGRESS and is called again. */
export const HOOK_CALL_TIMEOUT_MS = 20_000;
/** Time kept back from the pass's deadline for the plan and its write after a call. */
export const HOOK_DEADLINE_MARGIN_MS = 5_000;
/** A call with less time than this before the deadline waits for the next pass. */
const MIN_CALL_MS = 1_000;

/** The shifting PRIMARY and its hook execution when a call is due at `now`. */
export const dueHook = (
  service: Service,
  now: number,
):
  | { primary: Deployment; execution: NonNullable<NonNullable<Deployment['trafficShift']>['hook']> }
  | undefined => {
  const primary = service.deployments.find((d) => d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS');
  const execution = primary?.trafficShift?.hook;
  if (primary === undefined || execution === undefined || primary.stopRequested !== undefined)
    return undefined;
  return (epochOf(execution.nextInvokeAt) ?? Number.POSITIVE_INFINITY) <= now
    ? { primary, execution }
    : undefined;
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
  const shift = due?.primary.trafficShift;
  if (due === undefined || shift === undefined) return undefined;
  const room = deadline === undefined ? HOOK_CALL_TIMEOUT_MS : deadline - now - HOOK_DEADLINE_MARGIN_MS;
  if (room < MIN_CALL_MS) return undefined;
  const old = service.deployments.find((d) => d.id !== due.primary.id && d.status === 'ACTIVE');
  const payload = hookPayload(service, shift, due.primary.id, old?.id, due.execution);
  const answer = await deps.invokeHook(
    due.execution.hookTargetArn,
    payload,
    Math.min(HOOK_CALL_TIMEOUT_MS, room),
  );
  called('lambda:Invoke');
  return { executionId: due.execution.executionId, at: isoOf(now), answer };
};

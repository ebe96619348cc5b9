/**
 * The in-process local ECS: clusters, task definitions and Fargate tasks, driven by a clock. `handle(action,
 * input)` takes the JSON body of an ECS API call and returns the JSON answer or throws EcsServiceError;
 * the HTTP server (server.ts) is a thin shell around it.
 */
import { actionHandlers, isSupportedAction } from './actions';
import { controlCalls } from './control';
import { throttled, unsupportedAction } from './errors';
import { createEvents } from './events';
import { createLifecycle } from './lifecycle';
import { createEcsState } from './state';
import { throttleGroupOfAction } from './throttle';
import type { Json, LocalEcs, LocalEcsOptions } from './types';
import { validateRequest } from './validate';

export { isSupportedAction, type SupportedAction, supportedActions } from './actions';
export type {
  Clock,
  EventSink,
  LocalEcs,
  LocalEcsOptions,
  TaskSnapshot,
  TaskStateChangeEvent,
} from './types';

export const createLocalEcs = (options: LocalEcsOptions = {}): LocalEcs => {
  const state = createEcsState(options);
  const lifecycle = createLifecycle(state, createEvents(state));
  const { handlers, stopTaskById } = actionHandlers(state, lifecycle);
  const { runDue, flushEvents, armTimer, tick, close } = lifecycle;
  const { now } = state;
  const { interruptSpotTasks, setSpotCapacity, advance, taskByPrivateIpv4 } = controlCalls(state, lifecycle, {
    stopTaskById,
  });

  const handle = (action: string, input: Json): Json => {
    if (!isSupportedAction(action)) throw unsupportedAction(action, options.servicesApiUrl?.());
    validateRequest(action, input);
    runDue(now());
    try {
      const group = throttleGroupOfAction[action];
      if (group && !state.takeTokens(group, 1)) throw throttled();
      return handlers[action](input ?? {});
    } finally {
      flushEvents();
      armTimer();
    }
  };

  return {
    region: state.region,
    accountId: state.accountId,
    handle,
    tick,
    advance,
    now,
    interruptSpotTasks,
    setSpotCapacity,
    taskCount: () => state.totalTasks,
    nextChangeAt: () => state.schedule.peek()?.at,
    usage: state.usage,
    taskByPrivateIpv4,
    close,
  };
};

/**
 * Phase: shut down a service that is DRAINING or INACTIVE: stop every live task, and turn a
 * DRAINING service INACTIVE once none is left. Returns the service status to finish with.
 */
import type { ServiceStatus } from '../../../domain';
import { isLive, isStopped } from '../tasks';
import { type PlanState, stop } from './state';

export function shutDown(state: PlanState): ServiceStatus {
  const { service, tasks } = state;
  const name = service.serviceName;
  const why = service.status === 'DRAINING' ? `service ${name} is draining` : `service ${name} is inactive`;
  for (const t of tasks) if (isLive(t)) stop(state, t, 'draining', why);
  const notStopped = tasks.filter((t) => !isStopped(t));
  if (service.status === 'DRAINING' && notStopped.length === 0) {
    state.events.push(`service ${name} has stopped all its tasks and is now INACTIVE.`);
    return 'INACTIVE';
  }
  if (notStopped.length > state.stopped.size) {
    state.actions.push({ type: 'hold', reason: `${why}: waiting for ${notStopped.length} tasks to stop` });
  }
  return service.status;
}

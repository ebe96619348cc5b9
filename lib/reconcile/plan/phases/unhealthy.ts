/**
 * Phase: stop unhealthy tasks. UNHEALTHY tasks go once the grace period since their start has
 * passed; they count as unhealthy for the floor already, so stopping them never lowers the healthy
 * count.
 */
import { isUnhealthy } from '../tasks';
import { UNHEALTHY_STOP_REASON } from '../types';
import { type PlanState, rulesFor, stop } from './state';

export function stopUnhealthy(state: PlanState): void {
  const { service, now } = state;
  const graceMs = service.healthCheckGracePeriodSeconds * 1000;
  for (const t of state.tasks) {
    if (isUnhealthy(t, rulesFor(state, t.deploymentId)) && now - (t.startedAt ?? t.createdAt) >= graceMs) {
      stop(
        state,
        t,
        'unhealthy',
        `${UNHEALTHY_STOP_REASON}: UNHEALTHY after the ${service.healthCheckGracePeriodSeconds}s grace period`,
      );
    }
  }
}

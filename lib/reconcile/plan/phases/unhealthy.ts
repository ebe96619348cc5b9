/**
 * Phase: stop unhealthy tasks. UNHEALTHY tasks go once the grace period since their start has
 * passed; they count as unhealthy for the floor already, so stopping them never lowers the healthy
 * count. The reason says which check failed, in ECS's words: the container health check, or the
 * target group's (then a service event names ELB's reason, such as Target.ResponseCodeMismatch).
 */
import { idOfArn } from '../../../inventory/naming';
import { unhealthyTarget } from '../target-groups';
import { isUnhealthy } from '../tasks';
import { ELB_UNHEALTHY_STOP_REASON, type ObservedTask, UNHEALTHY_STOP_REASON } from '../types';
import { type PlanState, rulesFor, stop } from './state';

const taskId = (task: ObservedTask): string => idOfArn(task.taskArn);

export function stopUnhealthy(state: PlanState): void {
  const { service, now } = state;
  const graceMs = service.healthCheckGracePeriodSeconds * 1000;
  for (const t of state.tasks) {
    const rules = rulesFor(state, t.deploymentId);
    if (!isUnhealthy(t, rules) || now - (t.startedAt ?? t.createdAt) < graceMs) continue;
    if (state.stopped.has(t.taskArn)) continue;
    const target =
      rules.hasHealthCheck && t.healthStatus === 'UNHEALTHY'
        ? undefined
        : unhealthyTarget(service, t, state.lb);
    if (target === undefined) {
      stop(
        state,
        t,
        'unhealthy',
        `${UNHEALTHY_STOP_REASON}: UNHEALTHY after the ${service.healthCheckGracePeriodSeconds}s grace period`,
      );
      continue;
    }
    stop(state, t, 'unhealthy', `${ELB_UNHEALTHY_STOP_REASON} (target-group ${target.targetGroupArn})`);
    const why = [target.reason, target.description].filter(Boolean).join(': ') || 'unhealthy';
    state.events.push(
      `service ${service.serviceName} (task ${taskId(t)}) (port ${target.port}) is unhealthy in target-group ${target.targetGroupArn} due to (reason ${why}).`,
    );
  }
}

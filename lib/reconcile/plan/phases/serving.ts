/**
 * Which target groups can take traffic this pass, and the rule that follows from it: traffic never goes
 * to a group with no healthy target while the other group of its pair has one.
 */
import type { Deployment, TrafficRoute } from '../../../domain';
import { targetGroupName } from '../waiting';
import { healthy, live, type PlanState, type RolloutState } from './state';

/** A PRIMARY whose traffic shift is under way: it launches its full count and shifts on. */
export const isShifting = (d: Deployment | undefined): boolean =>
  d?.trafficShift !== undefined && d.rolloutState === 'IN_PROGRESS' && d.status === 'PRIMARY';

/**
 * A live task registered in `group` whose target there ELB calls healthy: the load balancer routes to it,
 * whether or not its minReadySeconds are over (those pace the rollout, not whether a group can serve;
 * seed 845 kept production on a failed group for the rollback's whole minReadySeconds). A group this pass
 * did not read falls back to the task's own health.
 */
export const servesIn = (state: PlanState, group: string): boolean => {
  const seen = state.lb?.targetHealth[group];
  return live(state).some((t) => {
    const registered = (t.targets?.registered ?? []).find((target) => target.targetGroupArn === group);
    if (registered === undefined) return false;
    if (seen === undefined) return healthy(state, t);
    return seen.some(
      (target) =>
        target.id === t.privateIpv4Address && target.port === registered.port && target.state === 'healthy',
    );
  });
};

/** The new group's share of a rule's forward weights (0..100), or undefined if the rule was not read. */
export const shareOf = (state: PlanState, rule: string, route: TrafficRoute): number | undefined => {
  const weights = state.input.traffic?.rules[rule];
  if (weights === undefined) return undefined;
  const total = Object.values(weights).reduce((sum, weight) => sum + weight, 0);
  const other = total - (weights[route.from] ?? 0) - (weights[route.to] ?? 0);
  if (total === 0 || other > 0) return Number.NaN;
  return ((weights[route.to] ?? 0) * 100) / total;
};

/**
 * Never to nothing: a rule does not send traffic to a group with no healthy task while the other group of
 * its pair has one; it sends all of it to the other. `keepOld` leaves a rule on its old group even so: a
 * shift under way keeps production there until its stages move it (a deploy that mends a service whose
 * old revision never served).
 */
export const neverToNothing = (
  state: PlanState,
  { from, to }: { from: string; to: string },
  percent: number,
  keepOld: boolean,
): number => {
  if (percent > 0 && !servesIn(state, to) && servesIn(state, from)) return 0;
  if (!keepOld && percent < 100 && !servesIn(state, from) && servesIn(state, to)) return 100;
  return percent;
};

/**
 * The groups production is served from, by the PRIMARY, level-triggered. A shift at CLEAN_UP has moved
 * production for good (its old tasks drain), so its groups serve from then on, completed or not: one
 * replaced at CLEAN_UP never completes, and the next deploy would shift from the emptied group (seed
 * 3158). A rollback of a shift serves from that shift's old groups again, where production went back.
 * Recorded (PlanResult.servingTargetGroups) only when it changes.
 */
export function recordServing(state: RolloutState): void {
  const { primary, service } = state;
  const rolledBack = primary.rollbackOf === undefined ? undefined : state.byId.get(primary.rollbackOf);
  const shift = primary.trafficShift?.stage === 'CLEAN_UP' ? primary.trafficShift : undefined;
  const pairs =
    shift?.routes.map((route) => [route.targetGroupArn, route.to] as const) ??
    (rolledBack?.trafficShift?.stage === 'ROLLBACK'
      ? rolledBack.trafficShift.routes.map((route) => [route.targetGroupArn, route.from] as const)
      : []);
  const current = service.servingTargetGroups ?? {};
  if (pairs.every(([entry, group]) => (current[entry] ?? entry) === group)) return;
  state.servingTargetGroups = { ...current, ...Object.fromEntries(pairs) };
}

/**
 * A shift starts from where production is served. A new deploy takes its old groups from the record
 * (recordServing), but a deploy that replaced a shift before its CLEAN_UP finds production moved,
 * wholly or mostly, to that shift's new groups; and the recorded group may hold nothing that serves (an
 * old revision that never did: seed 3192, where the next deploy put production back on the empty group).
 * So while its shift is at SCALE_UP and none of its tasks is registered yet, a route swaps its groups
 * when its old group cannot serve while its new one can, or when both can and its production rule sends
 * more than half to the new one (a deploy replacing one at BAKE_TIME): the new revision starts in the
 * group production is not on, and production stays on the revision it was on.
 */
export function startFromServing(state: RolloutState): void {
  const { primary } = state;
  const shift = primary.trafficShift;
  if (!isShifting(primary) || shift?.stage !== 'SCALE_UP') return;
  const registered = state.tasks.some(
    (t) => t.deploymentId === primary.id && (t.targets?.registered.length ?? 0) > 0,
  );
  if (registered) return;
  const onNew = (route: TrafficRoute): boolean => {
    if (!servesIn(state, route.to)) return false;
    if (!servesIn(state, route.from)) return true;
    const rule = route.productionListenerRule;
    return rule !== undefined && (shareOf(state, rule, route) ?? 0) > 50;
  };
  const swapped = shift.routes.filter(onNew);
  if (swapped.length === 0) return;
  primary.trafficShift = {
    ...shift,
    routes: shift.routes.map((route) =>
      swapped.includes(route) ? { ...route, from: route.to, to: route.from } : route,
    ),
  };
  for (const route of swapped)
    state.events.push(
      `service ${state.service.serviceName} deployment ${primary.id} ${shift.strategy} traffic shift: production is on ${targetGroupName(route.to)}, so the new revision starts in ${targetGroupName(route.from)}.`,
    );
}

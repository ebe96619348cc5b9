/**
 * Phase: finish. Target-group upkeep (target-groups.ts), then every deployment's counts and status as they
 * stand after this pass's stops, and the plan's result.
 */
import { type Deployment, primaryDesiredCount, type Service, type ServiceStatus } from '../../../domain';
import { targetGroupNotFoundEvent } from '../event-texts';
import { healthyNoSoonerThan } from '../first-checks';
import { planTargetUpkeep, setTargetCounts } from '../target-groups';
import { inPendingState, inRunningState, isStopped } from '../tasks';
import type { Action, LoadBalancingInput, ObservedTask, PlanResult } from '../types';
import { healthy, live, type PlanState, tasksOf } from './state';

const sameExceptUpdatedAt = (a: Deployment, b: Deployment): boolean => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('updatedAt');
  for (const key of keys) {
    if (a[key as keyof Deployment] !== b[key as keyof Deployment]) return false;
  }
  return true;
};

/** Tasks this pass launches, by deployment: pending from their launch, as in ECS. */
const launchedBy = (actions: Action[], deploymentId?: string): number =>
  actions.reduce(
    (n, a) =>
      a.type === 'launch' && (deploymentId === undefined || a.deploymentId === deploymentId)
        ? n + a.count
        : n,
    0,
  );

/** ECS's counts: tasks whose last status is RUNNING; tasks launched and not yet RUNNING. */
const countsOf = (tasks: ObservedTask[], launched: number) => ({
  runningCount: tasks.filter(inRunningState).length,
  pendingCount: tasks.filter(inPendingState).length + launched,
});

/**
 * Events for target groups that no longer exist (deleted under the service): its tasks are not
 * registered with them, and a deployment that needs their targets healthy cannot complete.
 */
const targetGroupEvents = (service: Service, lb: LoadBalancingInput | undefined): string[] =>
  service.status === 'ACTIVE'
    ? (lb?.notFound ?? [])
        .filter((arn) => service.loadBalancers?.some((entry) => entry.targetGroupArn === arn))
        .map((arn) => targetGroupNotFoundEvent(service.serviceName, arn))
    : [];

export function updateDeployments(state: PlanState, serviceStatus: ServiceStatus): void {
  const { service, primary } = state;
  const remaining = live(state);
  for (const d of state.deployments) {
    const mine = remaining.filter((t) => t.deploymentId === d.id);
    Object.assign(d, countsOf(tasksOf(state, d.id), launchedBy(state.actions, d.id)));
    // True after every pass, for every deployment (not only the PRIMARY at the start of the pass).
    d.healthyCount = mine.filter((t) => healthy(state, t)).length;
    if (serviceStatus === 'INACTIVE') {
      d.status = 'INACTIVE';
      d.desiredCount = 0;
      if (d.rolloutState === 'IN_PROGRESS') {
        d.rolloutState = 'STOPPED';
        d.rolloutStateReason = `service ${service.serviceName} was deleted`;
      }
    } else if (d === primary) {
      d.status = 'PRIMARY';
      d.desiredCount = primaryDesiredCount(serviceStatus, service.desiredCount);
    } else {
      const notStopped = tasksOf(state, d.id).filter((t) => !isStopped(t)).length;
      d.status = notStopped > 0 ? 'ACTIVE' : 'INACTIVE';
      d.desiredCount = mine.length;
    }
    const before = state.original.get(d.id);
    if (before === undefined || !sameExceptUpdatedAt(before, d)) d.updatedAt = state.nowIso;
  }
}

export function finish(state: PlanState, serviceStatus: ServiceStatus): PlanResult {
  const { service, tasks, stopped, lb, deployments, actions } = state;
  actions.push(...planTargetUpkeep(service, tasks, stopped, lb, actions));
  state.events.push(...targetGroupEvents(service, lb));
  setTargetCounts(service, deployments, tasks, stopped, lb);
  updateDeployments(state, serviceStatus);
  const waiting = live(state).filter((t) => t.deploymentId === state.primary?.id && !healthy(state, t));
  const notBefore = healthyNoSoonerThan(service, waiting, lb);
  return {
    actions,
    deployments,
    serviceStatus,
    taskDefinition: state.primary?.taskDefinition ?? service.taskDefinition,
    ...(state.servingTargetGroups ? { servingTargetGroups: state.servingTargetGroups } : {}),
    ...countsOf(tasks, launchedBy(actions)),
    events: state.events,
    ...(notBefore !== undefined && notBefore > state.now ? { healthyNoSoonerThan: notBefore } : {}),
    ...(state.trafficAwaitsHealth ? { trafficAwaitsHealth: true as const } : {}),
  };
}

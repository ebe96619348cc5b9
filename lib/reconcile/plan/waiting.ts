import type { Deployment, DeploymentConfiguration, LoadBalancer } from '../../domain';
import { isoOf } from '../../time';
import type { Action, PlanResult } from './types';

/**
 * Why a rollout is not done yet, in words, for the plan view: every hold's reason, and for a deployment
 * still IN_PROGRESS that the pass leaves alone, the tasks it waits on to be healthy: in its target groups
 * (a load-balanced service), or for minReadySeconds.
 */
export const waitingReasons = (
  result: Pick<PlanResult, 'actions' | 'deployments'>,
  configuration: Pick<DeploymentConfiguration, 'minReadySeconds'>,
  loadBalancers: readonly LoadBalancer[] = [],
): string[] => [
  ...(result.actions as Action[]).flatMap((action) => (action.type === 'hold' ? [action.reason] : [])),
  ...readinessWaits(result, configuration, loadBalancers),
];

/** `arn:...:targetgroup/NAME/ID` to NAME. */
export const targetGroupName = (arn: string) =>
  arn.slice(arn.indexOf(':targetgroup/') + 13).split('/')[0] ?? arn;

/** What "healthy" means for the service's tasks, in words. */
const healthyMeans = (
  configuration: Pick<DeploymentConfiguration, 'minReadySeconds'>,
  loadBalancers: readonly LoadBalancer[],
  deployment: Pick<Deployment, 'trafficShift'>,
): string => {
  const minReady = configuration.minReadySeconds ?? 0;
  if (loadBalancers.length === 0) return `for minReadySeconds ${minReady}`;
  // A shifting deployment's tasks register in the groups not serving: its routes' `to`.
  const arns =
    deployment.trafficShift?.routes.map((route) => route.to) ?? loadBalancers.map((lb) => lb.targetGroupArn);
  const names = [...new Set(arns.map(targetGroupName))];
  const groups = `in target ${names.length === 1 ? 'group' : 'groups'} ${names.join(', ')}`;
  return minReady > 0 ? `${groups} and for minReadySeconds ${minReady}` : groups;
};

/** The IN_PROGRESS deployments a pass leaves alone while their tasks become healthy, in words. */
export const readinessWaits = (
  result: Pick<PlanResult, 'actions' | 'deployments'>,
  configuration: Pick<DeploymentConfiguration, 'minReadySeconds'>,
  loadBalancers: readonly LoadBalancer[] = [],
): string[] => {
  const actions = result.actions as Action[];
  const reasons: string[] = [];
  for (const deployment of result.deployments) {
    if (deployment.status === 'INACTIVE' || deployment.rolloutState !== 'IN_PROGRESS') continue;
    const acted = actions.some((action) => 'deploymentId' in action && action.deploymentId === deployment.id);
    const unready = deployment.desiredCount - (deployment.healthyCount ?? 0);
    if (acted || unready <= 0) continue;
    reasons.push(
      `deployment ${deployment.id} is waiting for ${unready} ${unready === 1 ? 'task' : 'tasks'} to be healthy ${healthyMeans(configuration, loadBalancers, deployment)}`,
    );
  }
  return reasons;
};

/** The plan with every instant as ISO-8601 (a hold's `until` is epoch milliseconds inside the planner). */
export const withIsoTimes = <P extends Pick<PlanResult, 'actions'>>(result: P): P => ({
  ...result,
  actions: (result.actions as Action[]).map((action) =>
    action.type === 'hold' && action.until !== undefined ? { ...action, until: isoOf(action.until) } : action,
  ) as unknown as P['actions'],
});

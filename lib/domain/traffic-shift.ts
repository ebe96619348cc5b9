/** A new deployment's traffic shift, from the service's strategy as it is when the deployment is made. */
import type { Service } from './services';
import {
  DEFAULT_CANARY_BAKE_MINUTES,
  DEFAULT_CANARY_PERCENT,
  DEFAULT_STEP_BAKE_MINUTES,
  DEFAULT_STEP_PERCENT,
  type TrafficRoute,
  type TrafficShift,
} from './traffic';

/**
 * The traffic shift a new deployment of `service` makes, or undefined for a rolling one. A service
 * with nothing deployed before (its first deployment) has no traffic to shift and rolls out in place.
 */
export const newTrafficShift = (
  service: Pick<Service, 'deploymentConfiguration' | 'loadBalancers' | 'servingTargetGroups' | 'deployments'>,
  at: string,
): TrafficShift | undefined => {
  const config = service.deploymentConfiguration;
  const strategy = config.strategy ?? 'ROLLING';
  if (strategy === 'ROLLING') return undefined;
  if (!service.deployments.some((d) => d.status !== 'INACTIVE')) return undefined;
  const routes: TrafficRoute[] = [];
  for (const lb of service.loadBalancers ?? []) {
    const advanced = lb.advancedConfiguration;
    if (advanced === undefined) continue;
    const from = service.servingTargetGroups?.[lb.targetGroupArn] ?? lb.targetGroupArn;
    const to = from === lb.targetGroupArn ? advanced.alternateTargetGroupArn : lb.targetGroupArn;
    routes.push({
      targetGroupArn: lb.targetGroupArn,
      from,
      to,
      ...(advanced.productionListenerRule ? { productionListenerRule: advanced.productionListenerRule } : {}),
      ...(advanced.testListenerRule ? { testListenerRule: advanced.testListenerRule } : {}),
    });
  }
  if (routes.length === 0) return undefined;
  return {
    strategy,
    stage: 'SCALE_UP',
    stageStartedAt: at,
    productionPercent: 0,
    routes,
    bakeTimeInMinutes: config.bakeTimeInMinutes ?? 0,
    ...(strategy === 'CANARY'
      ? {
          canaryPercent: config.canaryConfiguration?.canaryPercent ?? DEFAULT_CANARY_PERCENT,
          canaryBakeTimeInMinutes:
            config.canaryConfiguration?.canaryBakeTimeInMinutes ?? DEFAULT_CANARY_BAKE_MINUTES,
        }
      : {}),
    ...(strategy === 'LINEAR'
      ? {
          stepPercent: config.linearConfiguration?.stepPercent ?? DEFAULT_STEP_PERCENT,
          stepBakeTimeInMinutes:
            config.linearConfiguration?.stepBakeTimeInMinutes ?? DEFAULT_STEP_BAKE_MINUTES,
        }
      : {}),
    ...(config.alarms?.enable && config.alarms.alarmNames.length > 0 ? { alarms: config.alarms } : {}),
    ...(config.approval ? { approval: { ...config.approval } } : {}),
    ...(config.lifecycleHooks?.length
      ? {
          lifecycleHooks: config.lifecycleHooks.map((hook) => ({ ...hook })),
          // ECS: RECONCILE_SERVICE only when more than one service revision is ACTIVE as it starts.
          ...(service.deployments.filter((d) => d.status !== 'INACTIVE').length > 1
            ? { reconcileService: true }
            : {}),
        }
      : {}),
  };
};

/** Where a load-balanced service's tasks register: the targets the planner expects each task to have. */
import { type Service, servingTargetGroup, type TaskTarget } from '../../domain';
import type { ObservedTask } from './types';

export const isLoadBalanced = (service: Service): boolean => (service.loadBalancers?.length ?? 0) > 0;

/**
 * The targets a task should have: those recorded registering it, else the service's load balancers, in
 * the group its deployment registers in (a traffic shift's `to`, else the group serving now).
 */
export const expectedTargets = (
  service: Service,
  task: Pick<ObservedTask, 'deploymentId' | 'targets'>,
): TaskTarget[] => {
  const recorded = task.targets?.registered ?? [];
  if (recorded.length > 0) return recorded;
  const shift = service.deployments.find((d) => d.id === task.deploymentId)?.trafficShift;
  return (service.loadBalancers ?? []).map((lb) => ({
    targetGroupArn:
      shift?.routes.find((route) => route.targetGroupArn === lb.targetGroupArn)?.to ??
      servingTargetGroup(service, lb),
    port: lb.containerPort,
  }));
};

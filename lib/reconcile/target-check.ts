/**
 * The scheduler's level check of load-balanced services that the stored state calls steady: one
 * DescribeTargetHealth per target group (shared by every service behind it), and a service needs a
 * pass when one of its running tasks has a target that is not `healthy`, one is draining, or a target
 * group holds a stray on its ports (a target of one of its tasks that is no longer to run; any other
 * target is not Tugboat's). At steady state this is the only ELB call a scheduler run makes.
 */
import { TargetGroupNotFoundException } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Service, TaskRecord } from '../domain';
import type { ElbGateway } from '../elb/gateway';

export interface TargetCheckResult {
  /** Service name -> why it needs a pass. */
  needsPass: Map<string, string>;
  targetGroupsRead: number;
}

export const checkTargets = async (
  elb: ElbGateway,
  services: Service[],
  alive: TaskRecord[],
): Promise<TargetCheckResult> => {
  const needsPass = new Map<string, string>();
  const balanced = services.filter((service) => (service.loadBalancers?.length ?? 0) > 0);
  const arns = new Set(
    balanced.flatMap((service) => service.loadBalancers?.map((lb) => lb.targetGroupArn) ?? []),
  );
  const health = new Map<string, Map<string, string>>();
  for (const arn of arns) {
    try {
      const descriptions = await elb.describeTargetHealth(arn);
      health.set(
        arn,
        new Map(
          descriptions.map((d) => [`${d.Target?.Id}:${d.Target?.Port}`, d.TargetHealth?.State ?? 'unknown']),
        ),
      );
    } catch (error) {
      if (!(error instanceof TargetGroupNotFoundException)) throw error;
      health.set(arn, new Map());
    }
  }
  const addresses = (records: TaskRecord[]) =>
    new Set(records.flatMap((record) => (record.privateIpv4Address ? [record.privateIpv4Address] : [])));
  for (const service of balanced) {
    const own = alive.filter((record) => record.serviceName === service.serviceName);
    const tasks = own.filter((record) => record.desiredStatus === 'RUNNING');
    const ips = addresses(tasks);
    // Only a target of the service's own tasks can be a stray (the sweep leaves any other alone).
    const leaving = addresses(own.filter((record) => record.desiredStatus !== 'RUNNING'));
    const reason = ((): string | undefined => {
      for (const lb of service.loadBalancers ?? []) {
        const group = health.get(lb.targetGroupArn) ?? new Map<string, string>();
        for (const record of tasks) {
          if (record.loadBalancing?.deregisteredAt !== undefined) return `task ${record.taskId} is draining`;
          const state = group.get(`${record.privateIpv4Address}:${lb.containerPort}`);
          if (state !== 'healthy')
            return `task ${record.taskId} has a target that is ${state ?? 'not registered'}`;
        }
        for (const [target, state] of group) {
          const [id, port] = [
            target.slice(0, target.lastIndexOf(':')),
            Number(target.slice(target.lastIndexOf(':') + 1)),
          ];
          if (state !== 'draining' && port === lb.containerPort && leaving.has(id) && !ips.has(id)) {
            return `target ${target} of ${lb.targetGroupArn} belongs to no running task`;
          }
        }
      }
      return undefined;
    })();
    if (reason) needsPass.set(service.serviceName, reason);
  }
  return { needsPass, targetGroupsRead: arns.size };
};

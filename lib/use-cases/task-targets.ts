/**
 * GET task's `targets`: the task's targets (those Tugboat registered) with their state now, read with
 * one DescribeTargetHealth per target group naming only the task's targets.
 */
import type { TaskRecord } from '../domain';
import type { ElbGateway } from '../elb/gateway';

export interface TaskTargetView {
  targetGroupArn: string;
  /** The task's private IPv4 address. */
  id: string;
  port: number;
  /** ELB's TargetHealth state (`initial`, `healthy`, `unhealthy`, `unused`, `draining`, ...). */
  state: string;
  reason?: string;
  description?: string;
}

export const taskTargets = async (
  elb: ElbGateway | undefined,
  task: TaskRecord,
): Promise<TaskTargetView[] | undefined> => {
  const id = task.privateIpv4Address;
  const targets = task.loadBalancing?.targets ?? [];
  if (id === undefined || targets.length === 0) return undefined;
  const views: TaskTargetView[] = [];
  for (const target of targets) {
    const view: TaskTargetView = {
      targetGroupArn: target.targetGroupArn,
      id,
      port: target.port,
      state: 'unknown',
    };
    if (elb) {
      try {
        const [health] = await elb.describeTargetHealth(target.targetGroupArn, [{ id, port: target.port }]);
        view.state = health?.TargetHealth?.State ?? 'unused';
        if (health?.TargetHealth?.Reason) view.reason = health.TargetHealth.Reason;
        if (health?.TargetHealth?.Description) view.description = health.TargetHealth.Description;
      } catch (error) {
        // The target group is gone (or ELB refuses): say so rather than fail the whole GET.
        view.description = `DescribeTargetHealth failed: ${(error as Error).name}`;
      }
    }
    views.push(view);
  }
  return views;
};

/**
 * The executor's half of load balancing (the planner's is targets.ts): it reads what the planner needs
 * (one DescribeTargetHealth per target group of the service; deregistration delays only for a pass that
 * drains a task) and carries out the planned target actions, registrations and deregistrations each batched
 * into one call per target group, then records them on the tasks' inventory items. Recording after
 * the call makes a crash in between harmless: the next pass sees the target group and plans again.
 */
import { TargetGroupNotFoundException } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Service, TaskLoadBalancing, TaskRecord, TaskTarget } from '../domain';
import type { ElbGateway } from '../elb/gateway';
import type { TugboatStore } from '../store/port';
import { isoOf } from '../time';
import { isLoadBalanced } from './targets';
import type { Action, LoadBalancingInput, ObservedTarget, TargetRef, TargetState } from './types';

export interface TargetExecutorDeps {
  elb: ElbGateway;
  store: TugboatStore;
  now: () => number;
  called: (call: string) => void;
}

/** Target groups a pass reads: the service's, and those its tasks not yet stopped were registered with. */
export const targetGroupsToRead = (service: Service, records: TaskRecord[]): string[] => {
  const arns = new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn));
  for (const record of records) {
    for (const target of record.loadBalancing?.targets ?? []) arns.add(target.targetGroupArn);
  }
  return [...arns];
};

/** Whether the pass needs the target groups at all (a service that never had load balancers does not). */
export const needsTargetGroups = (service: Service, records: TaskRecord[]): boolean =>
  isLoadBalanced(service) || records.some((record) => (record.loadBalancing?.targets.length ?? 0) > 0);

/**
 * The planner's load-balancing input, without deregistration delays (see withDeregistrationDelays). A
 * target group that no longer exists is left out: its targets read as not registered (never healthy),
 * and nothing is deregistered from it.
 */
export const readLoadBalancing = async (
  deps: TargetExecutorDeps,
  targetGroupArns: string[],
): Promise<LoadBalancingInput> => {
  const input: LoadBalancingInput = { targetHealth: {}, deregistrationDelaySeconds: {} };
  for (const arn of targetGroupArns) {
    try {
      const descriptions = await deps.elb.describeTargetHealth(arn);
      deps.called('elb:DescribeTargetHealth');
      input.targetHealth[arn] = descriptions.flatMap((description): ObservedTarget[] => {
        const id = description.Target?.Id;
        const port = description.Target?.Port;
        const state = description.TargetHealth?.State as TargetState | undefined;
        return id === undefined || port === undefined || state === undefined ? [] : [{ id, port, state }];
      });
    } catch (error) {
      if (!(error instanceof TargetGroupNotFoundException)) throw error;
    }
  }
  return input;
};

/** Target groups the plan deregisters a task from before stopping it: their delays set when StopTask is due. */
export const drainedTargetGroups = (actions: Action[]): string[] => [
  ...new Set(
    actions.flatMap((action) =>
      action.type === 'deregister-targets' && action.drain !== undefined
        ? action.targets.map((target) => target.targetGroupArn)
        : [],
    ),
  ),
];

/**
 * The input with the deregistration delays of these target groups (DescribeTargetGroupAttributes, through
 * the gateway's cache): read only when a pass drains a task, since nothing else depends on them.
 */
export const withDeregistrationDelays = async (
  deps: TargetExecutorDeps,
  input: LoadBalancingInput,
  targetGroupArns: string[],
): Promise<LoadBalancingInput> => {
  const delays = { ...input.deregistrationDelaySeconds };
  for (const arn of targetGroupArns) {
    try {
      delays[arn] = await deps.elb.deregistrationDelaySeconds(arn);
      deps.called('elb:DescribeTargetGroupAttributes');
    } catch (error) {
      if (!(error instanceof TargetGroupNotFoundException)) throw error;
    }
  }
  return { ...input, deregistrationDelaySeconds: delays };
};

const targetOf = (ref: TargetRef): TaskTarget => ({ targetGroupArn: ref.targetGroupArn, port: ref.port });
const withTargets = (existing: TaskTarget[], added: TargetRef[]): TaskTarget[] => {
  const merged = [...existing];
  for (const ref of added) {
    if (!merged.some((t) => t.targetGroupArn === ref.targetGroupArn && t.port === ref.port)) {
      merged.push(targetOf(ref));
    }
  }
  return merged;
};

/** Carries out the plan's target actions; StopTask for drained tasks is a plain stop action of a later pass. */
export const applyTargetActions = async (
  deps: TargetExecutorDeps,
  records: TaskRecord[],
  actions: Action[],
): Promise<{ registered: number; deregistered: number }> => {
  const byArn = new Map(records.map((record) => [record.taskArn, record]));
  const updates = new Map<string, TaskLoadBalancing>();
  const current = (taskArn: string): TaskLoadBalancing | undefined => {
    const record = byArn.get(taskArn);
    if (!record) return undefined;
    return updates.get(taskArn) ?? record.loadBalancing ?? { targets: [] };
  };
  const nowIso = isoOf(deps.now());

  const registrations = actions.flatMap((a) => (a.type === 'register-targets' ? [a] : []));
  const registered = registrations.flatMap((a) => a.targets);
  if (registered.length > 0) {
    await deps.elb.registerTargets(
      registered.map((ref) => ({ targetGroupArn: ref.targetGroupArn, target: ref })),
    );
    deps.called('elb:RegisterTargets');
  }
  for (const action of registrations) {
    const lb = current(action.taskArn);
    if (lb) updates.set(action.taskArn, { ...lb, targets: withTargets(lb.targets, action.targets) });
  }
  for (const action of actions) {
    if (action.type !== 'mark-targets-healthy') continue;
    const lb = current(action.taskArn);
    if (lb && lb.healthyAt === undefined) updates.set(action.taskArn, { ...lb, healthyAt: nowIso });
  }

  const deregistrations = actions.flatMap((a) => (a.type === 'deregister-targets' ? [a] : []));
  const deregistered = deregistrations.flatMap((a) => a.targets);
  if (deregistered.length > 0) {
    await deregisterIgnoringMissingGroups(deps, deregistered);
    deps.called('elb:DeregisterTargets');
  }
  // The delay runs from the deregistration, which is now, not from when the pass planned it.
  const deregisteredAt = deps.now();
  for (const action of deregistrations) {
    if (action.taskArn === undefined || action.drain === undefined) continue;
    const lb = current(action.taskArn);
    if (!lb) continue;
    updates.set(action.taskArn, {
      ...lb,
      targets: withTargets(lb.targets, action.targets),
      deregisteredAt: isoOf(deregisteredAt),
      stopDueAt: isoOf(Math.max(action.drain.stopDueAt, deregisteredAt + action.drain.delaySeconds * 1000)),
      stopCause: action.drain.cause,
      stopReason: action.drain.reason,
    });
  }

  for (const [taskArn, loadBalancing] of updates) {
    const record = byArn.get(taskArn);
    if (record) await deps.store.setTaskLoadBalancing(record, loadBalancing);
  }
  if (updates.size > 0) deps.called('dynamodb:SetTaskLoadBalancing');
  return { registered: registered.length, deregistered: deregistered.length };
};

/** A target group deleted meanwhile holds nothing to deregister. */
const deregisterIgnoringMissingGroups = async (
  deps: TargetExecutorDeps,
  refs: TargetRef[],
): Promise<void> => {
  const groups = new Map<string, TargetRef[]>();
  for (const ref of refs) groups.set(ref.targetGroupArn, [...(groups.get(ref.targetGroupArn) ?? []), ref]);
  for (const [targetGroupArn, targets] of groups) {
    try {
      await deps.elb.deregisterTargets(targets.map((target) => ({ targetGroupArn, target })));
    } catch (error) {
      if (!(error instanceof TargetGroupNotFoundException)) throw error;
    }
  }
};

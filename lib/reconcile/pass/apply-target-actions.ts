/**
 * The executor's half of load balancing (the planner's is targets.ts): it reads what the planner needs
 * (one DescribeTargetHealth per target group of the service; deregistration delays only for a pass that
 * drains a task; health check timings only for groups with a target still `initial`) and carries out the planned target actions, registrations and deregistrations each batched
 * into one call per target group, then records them on the tasks' inventory items. Recording after
 * the call makes a crash in between harmless: the next pass sees the target group and plans again.
 */
import { TargetGroupNotFoundException } from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  Service,
  TargetGroupHealthCheckRead,
  TaskLoadBalancing,
  TaskRecord,
  TaskTarget,
} from '../../domain';
import type { ElbGateway, TargetRegistration } from '../../elb/gateway';
import type { TugboatStore } from '../../store/port';
import { isoOf } from '../../time';
import { targetGroupsInPlay } from '../plan/target-groups';
import type { Action, LoadBalancingInput, ObservedTarget, TargetRef, TargetState } from '../plan/types';

export interface TargetExecutorDeps {
  elb: ElbGateway;
  store: TugboatStore;
  now: () => number;
  called: (call: string) => void;
  /** The pass's deadline: no wait for room in ELB's Describe* budget ends after it (PacingDeadlineError). */
  deadline?: number;
  /** Reads only with room at once in that budget, else PacingDeadlineError (refreshes: target-reads.ts). */
  ifRoomNow?: boolean;
}

const byDeadline = (deps: TargetExecutorDeps) => ({
  ...(deps.deadline === undefined ? {} : { deadline: deps.deadline }),
  ...(deps.ifRoomNow ? { ifRoomNow: true } : {}),
});

/** Target groups a pass reads: the service's, and those its tasks in play were registered with (targets.ts). */
export const targetGroupsToRead = (service: Service, records: TaskRecord[]): string[] =>
  targetGroupsInPlay(
    service,
    records.map((record) => ({ ...record, registered: record.loadBalancing?.targets ?? [] })),
  );

/** Whether the pass needs the target groups at all (a service that never had load balancers does not). */
export const needsTargetGroups = (service: Service, records: TaskRecord[]): boolean =>
  targetGroupsToRead(service, records).length > 0;

/** ELB's answer that the target group does not exist (it was deleted under the service). */
const isTargetGroupNotFound = (error: unknown): boolean => error instanceof TargetGroupNotFoundException;

/**
 * The planner's load-balancing input, without deregistration delays (see withDeregistrationDelays). A
 * target group that no longer exists is listed as not found: its targets read as not registered (never
 * healthy), nothing is registered with or deregistered from it, and it holds no drain.
 */
export const readLoadBalancing = async (
  deps: TargetExecutorDeps,
  targetGroupArns: string[],
): Promise<LoadBalancingInput> => {
  const input: LoadBalancingInput = { targetHealth: {}, deregistrationDelaySeconds: {}, notFound: [] };
  for (const arn of targetGroupArns) {
    try {
      const descriptions = await deps.elb.describeTargetHealth(arn, undefined, byDeadline(deps));
      deps.called('elb:DescribeTargetHealth');
      input.targetHealth[arn] = descriptions.flatMap((description): ObservedTarget[] => {
        const id = description.Target?.Id;
        const port = description.Target?.Port;
        const health = description.TargetHealth;
        const state = health?.State as TargetState | undefined;
        if (id === undefined || port === undefined || state === undefined) return [];
        return [
          {
            id,
            port,
            state,
            ...(health?.Reason ? { reason: health.Reason } : {}),
            ...(health?.Description ? { description: health.Description } : {}),
          },
        ];
      });
    } catch (error) {
      if (!isTargetGroupNotFound(error)) throw error;
      input.notFound?.push(arn);
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
  const notFound = [...(input.notFound ?? [])];
  for (const arn of targetGroupArns) {
    try {
      delays[arn] = await deps.elb.deregistrationDelaySeconds(arn, byDeadline(deps));
      deps.called('elb:DescribeTargetGroupAttributes');
    } catch (error) {
      // Deleted since it was read: it holds no drain (rather than the reference's 300 s default).
      if (!isTargetGroupNotFound(error)) throw error;
      notFound.push(arn);
    }
  }
  return { ...input, deregistrationDelaySeconds: delays, notFound };
};

/** How long a health check timing kept on the service is trusted before it is read again. */
export const HEALTH_CHECK_TIMING_TTL_MS = 15 * 60_000;

/**
 * The input with the health check timing of each target group that has a target still `initial`: how long
 * its new tasks cannot be healthy, so the pass need not look again before then (plan/first-checks.ts).
 * Taken from the service's record of them while fresh, else read (DescribeTargetGroups, through the
 * gateway's cache); `read` is what was read, for the pass to keep on the service.
 */
export const withHealthChecks = async (
  deps: TargetExecutorDeps,
  input: LoadBalancingInput,
  kept: Service['targetGroupHealthChecks'] = {},
): Promise<{ input: LoadBalancingInput; read: Record<string, TargetGroupHealthCheckRead> }> => {
  const initial = Object.entries(input.targetHealth)
    .filter(([, targets]) => targets.some((target) => target.state === 'initial'))
    .map(([arn]) => arn);
  const read: Record<string, TargetGroupHealthCheckRead> = {};
  if (initial.length === 0) return { input, read };
  const healthChecks = { ...input.healthChecks };
  for (const arn of initial) {
    const known = kept[arn];
    if (known && deps.now() - Date.parse(known.readAt) < HEALTH_CHECK_TIMING_TTL_MS) {
      healthChecks[arn] = {
        intervalSeconds: known.intervalSeconds,
        healthyThreshold: known.healthyThreshold,
      };
      continue;
    }
    try {
      healthChecks[arn] = await deps.elb.healthCheckTiming(arn, byDeadline(deps));
      deps.called('elb:DescribeTargetGroups');
      read[arn] = { ...healthChecks[arn], readAt: isoOf(deps.now()) };
    } catch (error) {
      // Deleted since it was read: its targets are not registered, and the pass plans without it.
      if (!isTargetGroupNotFound(error)) throw error;
    }
  }
  return { input: { ...input, healthChecks }, read };
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

/**
 * Carries out the plan's target actions; StopTask for drained tasks is a plain stop action of a later
 * pass. `notFound`: target groups RegisterTargets found deleted (their registrations are not recorded).
 */
export const applyTargetActions = async (
  deps: TargetExecutorDeps,
  records: TaskRecord[],
  actions: Action[],
): Promise<{ registered: number; deregistered: number; notFound: string[] }> => {
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
  const notFound: string[] = [];
  if (registered.length > 0) {
    notFound.push(...(await perTargetGroup(registered, (calls) => deps.elb.registerTargets(calls))));
    deps.called('elb:RegisterTargets');
  }
  for (const action of registrations) {
    const lb = current(action.taskArn);
    const made = action.targets.filter((target) => !notFound.includes(target.targetGroupArn));
    if (lb && made.length > 0) updates.set(action.taskArn, { ...lb, targets: withTargets(lb.targets, made) });
  }
  for (const action of actions) {
    if (action.type !== 'mark-targets-healthy') continue;
    const lb = current(action.taskArn);
    if (lb && lb.healthyAt === undefined) updates.set(action.taskArn, { ...lb, healthyAt: nowIso });
  }

  const deregistrations = actions.flatMap((a) => (a.type === 'deregister-targets' ? [a] : []));
  const deregistered = deregistrations.flatMap((a) => a.targets);
  if (deregistered.length > 0) {
    // A target group deleted meanwhile holds nothing to deregister.
    await perTargetGroup(deregistered, (calls) => deps.elb.deregisterTargets(calls));
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
  return { registered: registered.length, deregistered: deregistered.length, notFound };
};

/**
 * One call per target group (registrations or deregistrations), each on its own: a target group that
 * ELB answers TargetGroupNotFound for is skipped and returned, and the others are still called.
 */
const perTargetGroup = async (
  refs: TargetRef[],
  call: (registrations: TargetRegistration[]) => Promise<void>,
): Promise<string[]> => {
  const groups = new Map<string, TargetRef[]>();
  for (const ref of refs) groups.set(ref.targetGroupArn, [...(groups.get(ref.targetGroupArn) ?? []), ref]);
  const notFound: string[] = [];
  for (const [targetGroupArn, targets] of groups) {
    try {
      await call(targets.map((target) => ({ targetGroupArn, target })));
    } catch (error) {
      if (!isTargetGroupNotFound(error)) throw error;
      notFound.push(targetGroupArn);
    }
  }
  return notFound;
};

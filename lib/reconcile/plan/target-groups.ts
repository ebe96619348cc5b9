/**
 * The planner's load-balancing phases (ECS semantics for services behind ELB target groups), pure like
 * plan() itself: target health and deregistration delays come in as input, and registering,
 * deregistering and drain-then-stop go out as actions the executor carries out (load-balancing.ts).
 *
 * - observeTargets: each task with its targets' view (all `healthy`; `unhealthy` after the grace period).
 * - drainOrStop: stopping a task that has targets deregisters them first; StopTask waits for the delay.
 * - dueDrains: draining tasks whose delay is over are stopped, the others hold until then.
 * - planRegistrations: RUNNING tasks get their targets registered.
 * - planStrays: targets Tugboat registered for tasks of the service that are no live task are deregistered.
 * - planMarkHealthy / setTargetCounts: bookkeeping for the circuit breaker and GET service.
 *
 * A task's expected targets are those recorded registering it (TaskLoadBalancing.targets) or, never
 * registered, the service's load balancers; so tasks of an older deployment keep the target groups they
 * were registered with when a deployment changes them. A target group serves one service (the API
 * refuses a second one), and the sweep still touches only targets Tugboat registered for this service's
 * tasks, never another target of the group.
 */
import { type Deployment, type Service, type TaskTarget, targetGroupsInUse } from '../../domain';
import { defaultDeregistrationDelaySeconds } from '../../elb/gateway';
import { idOfArn } from '../../inventory/naming';
import { isoOf } from '../../time';
import { expectedTargets, isLoadBalanced } from './expected-targets';
import { isLive, isRunning } from './tasks';
import type {
  Action,
  DeregisterTargetsAction,
  HoldAction,
  LoadBalancingInput,
  MarkTargetsHealthyAction,
  ObservedTarget,
  ObservedTask,
  RegisterTargetsAction,
  StopAction,
  StopCause,
  TargetAction,
  TargetRef,
  TargetState,
} from './types';

export { expectedTargets, isLoadBalanced };

const NO_INPUT: LoadBalancingInput = { targetHealth: {}, deregistrationDelaySeconds: {} };

const key = (targetGroupArn: string, id: string, port: number) => `${targetGroupArn} ${id}:${port}`;
const sameTarget = (a: TaskTarget, b: TaskTarget) =>
  a.targetGroupArn === b.targetGroupArn && a.port === b.port;

const stateIn = (
  lb: LoadBalancingInput,
  target: TaskTarget,
  id: string | undefined,
): TargetState | undefined => {
  if (id === undefined) return undefined;
  return lb.targetHealth[target.targetGroupArn]?.find((t) => t.id === id && t.port === target.port)?.state;
};

/** The task's first `unhealthy` target, with ELB's reason: what a stop for failing ELB health checks names. */
export const unhealthyTarget = (
  service: Service,
  task: ObservedTask,
  lb: LoadBalancingInput | undefined,
): (TaskTarget & Pick<ObservedTarget, 'reason' | 'description'>) | undefined => {
  const id = task.privateIpv4Address;
  for (const target of expectedTargets(service, task)) {
    const seen = lb?.targetHealth[target.targetGroupArn]?.find((t) => t.id === id && t.port === target.port);
    if (seen?.state !== 'unhealthy') continue;
    return {
      ...target,
      ...(seen.reason ? { reason: seen.reason } : {}),
      ...(seen.description ? { description: seen.description } : {}),
    };
  }
  return undefined;
};

export const isDraining = (task: ObservedTask): boolean => task.targets?.drain !== undefined;

/**
 * Phase: each task with its targets' view. Tasks of a service without load balancers and with nothing
 * recorded come back unchanged.
 */
export function observeTargets(
  service: Service,
  tasks: ObservedTask[],
  lb: LoadBalancingInput | undefined,
  now: number,
): ObservedTask[] {
  const input = lb ?? NO_INPUT;
  const graceMs = service.healthCheckGracePeriodSeconds * 1000;
  return tasks.map((task) => {
    if (!isLoadBalanced(service) && (task.targets?.registered.length ?? 0) === 0) return task;
    const expected = expectedTargets(service, task);
    const states = expected.map((target) => stateIn(input, target, task.privateIpv4Address));
    const pastGrace = now - (task.startedAt ?? task.createdAt) >= graceMs;
    return {
      ...task,
      targets: {
        registered: task.targets?.registered ?? [],
        ...task.targets,
        allHealthy: expected.length > 0 && states.every((state) => state === 'healthy'),
        unhealthyAfterGrace: isRunning(task) && pastGrace && states.some((state) => state === 'unhealthy'),
      },
    };
  });
}

/** Whether ELB answered that the target group does not exist (deleted under the service). */
const notFound = (lb: LoadBalancingInput, targetGroupArn: string): boolean =>
  lb.notFound?.includes(targetGroupArn) ?? false;

/**
 * What is registered for the task now: recorded, plus any expected target a target group shows (not
 * draining); none in a target group that no longer exists.
 */
const registeredNow = (service: Service, task: ObservedTask, lb: LoadBalancingInput): TargetRef[] => {
  const id = task.privateIpv4Address;
  if (id === undefined) return [];
  const refs = new Map<string, TargetRef>();
  for (const target of task.targets?.registered ?? []) {
    if (notFound(lb, target.targetGroupArn)) continue;
    refs.set(key(target.targetGroupArn, id, target.port), { ...target, id });
  }
  for (const target of expectedTargets(service, task)) {
    const state = stateIn(lb, target, id);
    if (state !== undefined && state !== 'draining') {
      refs.set(key(target.targetGroupArn, id, target.port), { ...target, id });
    }
  }
  return [...refs.values()];
};

/**
 * Stopping a task: a plain StopTask when it has no targets, else its deregistration, with StopTask due
 * after the longest deregistration delay of its target groups.
 */
export function drainOrStop(
  service: Service,
  task: ObservedTask,
  cause: StopCause,
  reason: string,
  lb: LoadBalancingInput | undefined,
  now: number,
): StopAction | DeregisterTargetsAction {
  const input = lb ?? NO_INPUT;
  const targets = registeredNow(service, task, input);
  if (targets.length === 0) {
    return { type: 'stop', taskArn: task.taskArn, deploymentId: task.deploymentId, cause, reason };
  }
  const delaySeconds = Math.max(
    ...targets.map(
      (t) => input.deregistrationDelaySeconds[t.targetGroupArn] ?? defaultDeregistrationDelaySeconds,
    ),
  );
  return {
    type: 'deregister-targets',
    taskArn: task.taskArn,
    targets,
    drain: { stopDueAt: now + delaySeconds * 1000, delaySeconds, cause, reason },
    reason: `draining task ${taskId(task)} before stopping it (${delaySeconds}s deregistration delay): ${reason}`,
  };
}

const taskId = (task: ObservedTask) => idOfArn(task.taskArn);

/** Phase: draining tasks whose delay is over are stopped (with the reason recorded at deregistration). */
export function dueDrains(
  tasks: ObservedTask[],
  now: number,
): { stops: StopAction[]; holds: HoldAction[]; draining: ObservedTask[] } {
  const stops: StopAction[] = [];
  const holds: HoldAction[] = [];
  const draining: ObservedTask[] = [];
  for (const task of tasks) {
    const drain = task.targets?.drain;
    if (drain === undefined || task.desiredStatus !== 'RUNNING' || task.lastStatus === 'STOPPED') continue;
    draining.push(task);
    if (now >= drain.stopDueAt) {
      stops.push({
        type: 'stop',
        taskArn: task.taskArn,
        deploymentId: task.deploymentId,
        cause: drain.cause,
        reason: drain.reason,
      });
    } else {
      holds.push({
        type: 'hold',
        deploymentId: task.deploymentId,
        until: drain.stopDueAt,
        reason: `task ${taskId(task)} is draining; StopTask at ${isoOf(drain.stopDueAt)}`,
      });
    }
  }
  return { stops, holds, draining };
}

/** Phase: RUNNING tasks (not being stopped) get the expected targets they lack registered. */
export function planRegistrations(
  service: Service,
  tasks: ObservedTask[],
  leaving: ReadonlySet<string>,
  lb: LoadBalancingInput | undefined,
): RegisterTargetsAction[] {
  if (!isLoadBalanced(service)) return [];
  const input = lb ?? NO_INPUT;
  const actions: RegisterTargetsAction[] = [];
  for (const task of tasks) {
    const id = task.privateIpv4Address;
    if (!isRunning(task) || leaving.has(task.taskArn) || isDraining(task) || id === undefined) continue;
    const recorded = task.targets?.registered ?? [];
    const missing = expectedTargets(service, task).filter((target) => {
      if (notFound(input, target.targetGroupArn)) return false;
      if (!recorded.some((r) => sameTarget(r, target))) return true;
      // Recorded, but the target group (when read) no longer has it: someone deregistered it.
      const group = input.targetHealth[target.targetGroupArn];
      if (group === undefined) return false;
      const state = stateIn(input, target, id);
      return state === undefined || state === 'draining';
    });
    if (missing.length === 0) continue;
    actions.push({
      type: 'register-targets',
      taskArn: task.taskArn,
      targets: missing.map((target) => ({ ...target, id })),
      reason: `task ${taskId(task)} is RUNNING at ${id}: registering it with ${missing.length} target group(s)`,
    });
  }
  return actions;
}

/**
 * Whether a task's recorded targets still concern the service: the task is not STOPPED, or its
 * deployment is not INACTIVE yet (so the pass that sees a deployment's last task stopped still sweeps
 * what that task left). A service that moved off a target group stops touching it once its tasks there
 * are gone, however long the inventory keeps the STOPPED ones.
 */
export const targetsInPlay = (
  service: Service,
  task: { lastStatus: string; deploymentId?: string | undefined },
): boolean =>
  task.lastStatus !== 'STOPPED' ||
  service.deployments.some((d) => d.id === task.deploymentId && d.status !== 'INACTIVE');

/** The target groups a pass looks after: the service's own, and those its tasks in play were registered with. */
export const targetGroupsInPlay = (
  service: Service,
  tasks: Array<{ lastStatus: string; deploymentId?: string | undefined; registered: TaskTarget[] }>,
): string[] => {
  const arns = new Set(targetGroupsInUse({ ...service, status: 'ACTIVE' }));
  for (const task of tasks) {
    if (!targetsInPlay(service, task)) continue;
    for (const target of task.registered) arns.add(target.targetGroupArn);
  }
  return [...arns];
};

/**
 * Phase: targets Tugboat registered for the service's tasks (a task's address on a port it registers),
 * in the target groups the service looks after, that are no live task of the service staying (a task
 * that stopped on its own, a crash between StopTask and DeregisterTargets): deregistered at once, in
 * one action. Any other target of a target group is left alone, whoever registered it.
 */
export function planStrays(
  service: Service,
  tasks: ObservedTask[],
  leaving: ReadonlySet<string>,
  lb: LoadBalancingInput | undefined,
  alreadyDeregistered: TargetRef[] = [],
): DeregisterTargetsAction[] {
  if (lb === undefined) return [];
  const planned = new Set(alreadyDeregistered.map((t) => key(t.targetGroupArn, t.id, t.port)));
  const inPlay = new Set(
    targetGroupsInPlay(
      service,
      tasks.map((t) => ({ ...t, registered: t.targets?.registered ?? [] })),
    ),
  );
  const tugboats = new Set<string>();
  for (const task of tasks) {
    const id = task.privateIpv4Address;
    if (id === undefined) continue;
    for (const target of expectedTargets(service, task)) {
      if (inPlay.has(target.targetGroupArn)) tugboats.add(key(target.targetGroupArn, id, target.port));
    }
  }
  const staying = new Set(
    tasks
      .filter((t) => isLive(t) && !leaving.has(t.taskArn) && !isDraining(t))
      .flatMap((t) => (t.privateIpv4Address ? [t.privateIpv4Address] : [])),
  );
  const strays: TargetRef[] = [];
  for (const [targetGroupArn, registered] of Object.entries(lb.targetHealth)) {
    for (const target of registered as ObservedTarget[]) {
      const ref = key(targetGroupArn, target.id, target.port);
      if (target.state === 'draining' || staying.has(target.id) || !tugboats.has(ref) || planned.has(ref))
        continue;
      strays.push({ targetGroupArn, id: target.id, port: target.port });
    }
  }
  if (strays.length === 0) return [];
  return [
    {
      type: 'deregister-targets',
      targets: strays,
      reason: `${strays.length} registered target(s) belong to no running task of service ${service.serviceName}`,
    },
  ];
}

/** Phase: tasks whose targets are all healthy for the first time get it recorded (they have been healthy). */
export function planMarkHealthy(
  tasks: ObservedTask[],
  leaving: ReadonlySet<string>,
): MarkTargetsHealthyAction[] {
  return tasks
    .filter(
      (t) =>
        t.targets?.allHealthy === true &&
        t.targets.healthyAt === undefined &&
        isRunning(t) &&
        !leaving.has(t.taskArn),
    )
    .map((t) => ({
      type: 'mark-targets-healthy',
      taskArn: t.taskArn,
      reason: `every target of task ${taskId(t)} is healthy`,
    }));
}

/** The target phases that follow the stops: registrations, strays, first-healthy marks. */
export function planTargetUpkeep(
  service: Service,
  tasks: ObservedTask[],
  leaving: ReadonlySet<string>,
  lb: LoadBalancingInput | undefined,
  planned: Action[],
): Array<TargetAction | HoldAction> {
  const drained = planned.flatMap((action) => (action.type === 'deregister-targets' ? action.targets : []));
  // The pass that stops a task drained now is due when its delay is over.
  const wakeUps = planned.flatMap((action): HoldAction[] =>
    action.type === 'deregister-targets' && action.drain && action.taskArn
      ? [
          {
            type: 'hold',
            until: action.drain.stopDueAt,
            reason: `task ${idOfArn(action.taskArn)} is draining; StopTask at ${isoOf(action.drain.stopDueAt)}`,
          },
        ]
      : [],
  );
  return [
    ...wakeUps,
    ...planRegistrations(service, tasks, leaving, lb),
    ...planStrays(service, tasks, leaving, lb, drained),
    ...planMarkHealthy(tasks, leaving),
  ];
}

/** Phase: per deployment, its live tasks' `healthy` targets and its tasks' `draining` ones (GET service). */
export function setTargetCounts(
  service: Service,
  deployments: Deployment[],
  tasks: ObservedTask[],
  leaving: ReadonlySet<string>,
  lb: LoadBalancingInput | undefined,
): void {
  if (!isLoadBalanced(service) && !tasks.some((t) => (t.targets?.registered.length ?? 0) > 0)) return;
  const input = lb ?? NO_INPUT;
  for (const deployment of deployments) {
    let healthy = 0;
    let draining = 0;
    for (const task of tasks) {
      if (task.deploymentId !== deployment.id) continue;
      for (const target of expectedTargets(service, task)) {
        const state = stateIn(input, target, task.privateIpv4Address);
        if (state === 'draining') draining++;
        else if (state === 'healthy' && isLive(task) && !leaving.has(task.taskArn)) healthy++;
      }
    }
    deployment.healthyTargets = healthy;
    deployment.drainingTargets = draining;
  }
}

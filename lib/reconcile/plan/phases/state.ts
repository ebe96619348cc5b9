/**
 * The state one planning pass threads through its phases (plan.ts composes them): the service's
 * deployments as they will be written back, the observed tasks, the tasks chosen to stop, and the
 * actions and events decided so far. Phases mutate it in order; nothing here does I/O.
 */

import type { Deployment, Service } from '../../../domain';
import { epochOf, isoOf } from '../../../time';
import { withAdoptedTasks } from '../adoption';
import { drainOrStop, isLoadBalanced, observeTargets } from '../target-groups';
import { byCreatedThenArn, type HealthRules, isHealthy, isLive, scaleInRank } from '../tasks';
import {
  type Action,
  DEFAULT_MIN_READY_SECONDS,
  type LoadBalancingInput,
  type ObservedTask,
  type PlanInput,
  type StopCause,
} from '../types';

const newestFirst = (a: Deployment, b: Deployment): number =>
  (epochOf(b.createdAt) ?? 0) - (epochOf(a.createdAt) ?? 0) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export interface PlanState {
  input: PlanInput;
  service: Service;
  now: number;
  nowIso: string;
  actions: Action[];
  events: string[];
  /** The deployments as stored, to tell which ones this pass changed. */
  original: Map<string, Deployment>;
  /** Copies, newest first, changed in place by the phases. */
  deployments: Deployment[];
  byId: Map<string, Deployment>;
  primary: Deployment | undefined;
  lb: LoadBalancingInput | undefined;
  /** Observed tasks (with their targets), oldest first. */
  tasks: ObservedTask[];
  /** Tasks being stopped or drained: never chosen again in this pass. */
  stopped: Set<string>;
  /** Tasks this pass deregisters from their target groups (stopped by a later pass). */
  drainedNow: Set<string>;
  /** Tasks draining from an earlier pass whose delay is not over yet. */
  stillDraining: ObservedTask[];
  /** Live tasks no scale-in stops this pass (a return to Spot's replacements, spot-return.ts). */
  keep: Set<string>;
  /** Old tasks serving production while a traffic shift is under way: no replacement stops them. */
  shielded: Set<string>;
  /** Set when the groups serving production change (recordServing): the groups serving from now on. */
  servingTargetGroups?: Record<string, string>;
  /**
   * Tasks taken out for failing their health checks (stopped by this pass, or deregistered by an earlier
   * one and not yet reported stopped), with the instant they were: failures before ECS reports the stop.
   */
  failingHealth: Map<string, number>;
  /** Set when a listener rule is kept off its serving group until targets there are healthy (traffic-shift.ts). */
  trafficAwaitsHealth?: boolean;
}

/** A pass past the point where the service has a PRIMARY (repaired if it was stored without one). */
export type RolloutState = PlanState & { primary: Deployment };

export function planState(input: PlanInput): PlanState {
  const { service, now } = input;
  const deployments = service.deployments.map((d) => ({ ...d })).sort(newestFirst);
  // One PRIMARY: the newest. An older one left PRIMARY by a racing writer is demoted.
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  for (const d of deployments) if (d.status === 'PRIMARY' && d !== primary) d.status = 'ACTIVE';
  const lb = input.loadBalancing;
  return {
    input,
    service,
    now,
    nowIso: isoOf(now),
    actions: [],
    events: [],
    original: new Map(service.deployments.map((d) => [d.id, d])),
    deployments,
    byId: new Map(deployments.map((d) => [d.id, d])),
    primary,
    lb,
    tasks: withAdoptedTasks(service, deployments, observeTargets(service, input.observedTasks, lb, now)).sort(
      byCreatedThenArn,
    ),
    stopped: new Set(),
    drainedNow: new Set(),
    stillDraining: [],
    keep: new Set(),
    shielded: new Set(),
    failingHealth: new Map(),
  };
}

export function rulesFor(state: PlanState, deploymentId: string): HealthRules {
  const config = state.service.deploymentConfiguration;
  const taskDefinition = state.byId.get(deploymentId)?.taskDefinition;
  const facts = taskDefinition === undefined ? undefined : state.input.taskDefinitions[taskDefinition];
  return {
    hasHealthCheck: facts?.hasHealthCheck ?? false,
    minReadyMs: (config.minReadySeconds ?? DEFAULT_MIN_READY_SECONDS) * 1000,
    loadBalanced: isLoadBalanced(state.service),
  };
}

export const healthy = (state: PlanState, task: ObservedTask): boolean =>
  isHealthy(task, rulesFor(state, task.deploymentId), state.now);

export const tasksOf = (state: PlanState, deploymentId: string): ObservedTask[] =>
  state.tasks.filter((t) => t.deploymentId === deploymentId);

/** RUNNING or PENDING tasks not being stopped. */
export const live = (state: PlanState): ObservedTask[] =>
  state.tasks.filter((t) => isLive(t) && !state.stopped.has(t.taskArn));

/** Draining tasks still count toward maximumPercent (not toward minimumHealthyPercent). */
export const drainingCount = (state: PlanState): number => state.stillDraining.length + state.drainedNow.size;

/** The order in which tasks go when some must: unhealthy and pending first, then newest first. */
export const scaleInOrder = (state: PlanState, list: ObservedTask[]): ObservedTask[] =>
  [...list].sort(
    (a, b) =>
      scaleInRank(a, rulesFor(state, a.deploymentId), state.now) -
        scaleInRank(b, rulesFor(state, b.deploymentId), state.now) || -byCreatedThenArn(a, b),
  );

/** Gives the adoptable tasks to a deployment made in this pass (a rollback, adoption.ts). */
export function adoptTasks(state: PlanState): void {
  state.tasks = withAdoptedTasks(state.service, state.deployments, state.tasks);
}

/** Stops a task once per pass; a task with targets is deregistered first (targets.ts). */
export function stop(state: PlanState, task: ObservedTask, cause: StopCause, reason: string): void {
  if (state.stopped.has(task.taskArn)) return;
  state.stopped.add(task.taskArn);
  if (cause === 'unhealthy') state.failingHealth.set(task.taskArn, state.now);
  const action = drainOrStop(state.service, task, cause, reason, state.lb, state.now);
  if (action.type === 'deregister-targets') state.drainedNow.add(task.taskArn);
  state.actions.push(action);
}

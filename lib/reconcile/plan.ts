/**
 * The reconciler's pure core: from a service's desired state, its deployments and the tasks ECS
 * reports, decide which tasks to stop and launch, and what the deployments look like next.
 * Level-triggered: it looks only at the current state, so running it twice on the same input gives
 * the same answer, and a lost or repeated pass is harmless. See types.ts for the contract.
 */
import { type Deployment, freshDeployment, type Service, type ServiceStatus } from '../domain';
import { type RunningByProvider, splitLaunches } from './capacity';
import { stopBudget } from './floor';
import { refusalsSince, refusedTaskCount } from './refusals';
import {
  drainOrStop,
  dueDrains,
  isLoadBalanced,
  observeTargets,
  planTargetUpkeep,
  setTargetCounts,
} from './targets';
import {
  becameHealthyAt,
  byCreatedThenArn,
  type HealthRules,
  isFailedLaunch,
  isHealthy,
  isLive,
  isPending,
  isRunning,
  isStopped,
  isUnhealthy,
  isUp,
  scaleInRank,
} from './tasks';
import { clientToken, deriveDeploymentId, startedBy, taskGroup } from './tokens';
import {
  type Action,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_MIN_READY_SECONDS,
  DEFAULT_PROGRESS_DEADLINE_SECONDS,
  MAX_TASKS_PER_RUN_TASK,
  type ObservedTask,
  type PlanInput,
  type PlanResult,
  type RunTaskCall,
  type StopCause,
  UNHEALTHY_STOP_REASON,
} from './types';

/** maximumPercent caps RUNNING + PENDING tasks of all deployments at this (rounded down). */
export const maxTaskCap = (desiredCount: number, maximumPercent: number): number =>
  Math.floor((desiredCount * maximumPercent) / 100);

/** minimumHealthyPercent keeps this many healthy, and RUNNING, tasks (rounded up) while stopping. */
export const minHealthyFloor = (desiredCount: number, minimumHealthyPercent: number): number =>
  Math.ceil((desiredCount * minimumHealthyPercent) / 100);

/** ECS's default: ceil(0.5 x desired) clamped to 3..200, unless the service sets one. */
export const circuitBreakerThreshold = (desiredCount: number, configured?: number): number =>
  configured ?? Math.min(200, Math.max(3, Math.ceil(0.5 * desiredCount)));

/**
 * Wait before the next launch after `consecutiveFailures` failed launches in a row: none after the
 * first (a one-off crash is replaced at once), then base, 2 x base, 4 x base ... up to max.
 */
export const backoffDelayMs = (consecutiveFailures: number, baseMs: number, maxMs: number): number =>
  consecutiveFailures < 2 ? 0 : Math.min(maxMs, baseMs * 2 ** (consecutiveFailures - 2));

const iso = (epochMs: number): string => new Date(epochMs).toISOString();
const epoch = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
};
const newestFirst = (a: Deployment, b: Deployment): number =>
  (epoch(b.createdAt) ?? 0) - (epoch(a.createdAt) ?? 0) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

const setOptional = <K extends keyof Deployment>(
  deployment: Deployment,
  key: K,
  value: Deployment[K],
): void => {
  if (value === undefined) delete deployment[key];
  else deployment[key] = value;
};

const sameExceptUpdatedAt = (a: Deployment, b: Deployment): boolean => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('updatedAt');
  for (const key of keys) {
    if (a[key as keyof Deployment] !== b[key as keyof Deployment]) return false;
  }
  return true;
};

interface Backoff {
  consecutiveFailures: number;
  /** Epoch ms; set once there have been two failures in a row. */
  until?: number;
}

export function plan(input: PlanInput): PlanResult {
  const { service, now } = input;
  const config = service.deploymentConfiguration;
  const backoffBaseMs = input.options?.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const backoffMaxMs = input.options?.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const minReadyMs = (config.minReadySeconds ?? DEFAULT_MIN_READY_SECONDS) * 1000;
  const nowIso = iso(now);
  const name = service.serviceName;
  const actions: Action[] = [];
  const events: string[] = [];

  const original = new Map(service.deployments.map((d) => [d.id, d]));
  const deployments = service.deployments.map((d) => ({ ...d })).sort(newestFirst);
  const byId = new Map(deployments.map((d) => [d.id, d]));
  // One PRIMARY: the newest. An older one left PRIMARY by a racing writer is demoted.
  let primary = deployments.find((d) => d.status === 'PRIMARY');
  for (const d of deployments) if (d.status === 'PRIMARY' && d !== primary) d.status = 'ACTIVE';

  const rulesFor = (deploymentId: string): HealthRules => {
    const taskDefinition = byId.get(deploymentId)?.taskDefinition;
    const facts = taskDefinition === undefined ? undefined : input.taskDefinitions[taskDefinition];
    return {
      hasHealthCheck: facts?.hasHealthCheck ?? false,
      minReadyMs,
      loadBalanced: isLoadBalanced(service),
    };
  };
  const lb = input.loadBalancing;
  const tasks = observeTargets(service, input.observedTasks, lb, now).sort(byCreatedThenArn);
  const tasksOf = (deploymentId: string) => tasks.filter((t) => t.deploymentId === deploymentId);
  const healthy = (t: ObservedTask) => isHealthy(t, rulesFor(t.deploymentId), now);

  const stopped = new Set<string>();
  const stop = (task: ObservedTask, cause: StopCause, reason: string): void => {
    if (stopped.has(task.taskArn)) return;
    stopped.add(task.taskArn);
    // A task with targets is deregistered first and stopped by a later pass (targets.ts).
    const action = drainOrStop(service, task, cause, reason, lb, now);
    if (action.type === 'deregister-targets') drainedNow.add(task.taskArn);
    actions.push(action);
  };
  // Draining tasks are on their way out: never chosen again, stopped once their delay is over.
  const drainedNow = new Set<string>();
  const drains = dueDrains(tasks, now);
  for (const t of drains.draining) stopped.add(t.taskArn);
  actions.push(...drains.stops, ...drains.holds);
  const dueNow = new Set(drains.stops.map((stop) => stop.taskArn));
  const stillDraining = drains.draining.filter((t) => !dueNow.has(t.taskArn));
  /** Draining tasks still count toward maximumPercent (not toward minimumHealthyPercent). */
  const drainingCount = () => stillDraining.length + drainedNow.size;
  const live = () => tasks.filter((t) => isLive(t) && !stopped.has(t.taskArn));
  const scaleInOrder = (list: ObservedTask[]) =>
    [...list].sort(
      (a, b) =>
        scaleInRank(a, rulesFor(a.deploymentId), now) - scaleInRank(b, rulesFor(b.deploymentId), now) ||
        -byCreatedThenArn(a, b),
    );

  const finish = (serviceStatus: ServiceStatus): PlanResult => {
    const remaining = live();
    actions.push(...planTargetUpkeep(service, tasks, stopped, lb, actions));
    setTargetCounts(service, deployments, tasks, stopped, lb);
    for (const d of deployments) {
      const mine = remaining.filter((t) => t.deploymentId === d.id);
      d.runningCount = mine.filter(isRunning).length;
      d.pendingCount = mine.filter(isPending).length;
      // True after every pass, for every deployment (not only the PRIMARY at the start of the pass).
      d.healthyCount = mine.filter(healthy).length;
      if (serviceStatus === 'INACTIVE') {
        d.status = 'INACTIVE';
        d.desiredCount = 0;
        if (d.rolloutState === 'IN_PROGRESS') {
          d.rolloutState = 'STOPPED';
          d.rolloutStateReason = `service ${name} was deleted`;
        }
      } else if (d === primary) {
        d.status = 'PRIMARY';
        d.desiredCount = serviceStatus === 'ACTIVE' ? service.desiredCount : 0;
      } else {
        const notStopped = tasksOf(d.id).filter((t) => !isStopped(t)).length;
        d.status = notStopped > 0 ? 'ACTIVE' : 'INACTIVE';
        d.desiredCount = mine.length;
      }
      const before = original.get(d.id);
      if (before === undefined || !sameExceptUpdatedAt(before, d)) d.updatedAt = nowIso;
    }
    return {
      actions,
      deployments,
      serviceStatus,
      taskDefinition: primary?.taskDefinition ?? service.taskDefinition,
      runningCount: remaining.filter(isRunning).length,
      pendingCount: remaining.filter(isPending).length,
      events,
    };
  };

  if (service.status !== 'ACTIVE') {
    const why = service.status === 'DRAINING' ? `service ${name} is draining` : `service ${name} is inactive`;
    for (const t of tasks) if (isLive(t)) stop(t, 'draining', why);
    const notStopped = tasks.filter((t) => !isStopped(t));
    if (service.status === 'DRAINING' && notStopped.length === 0) {
      events.push(`service ${name} has stopped all its tasks and is now INACTIVE.`);
      return finish('INACTIVE');
    }
    if (notStopped.length > stopped.size) {
      actions.push({ type: 'hold', reason: `${why}: waiting for ${notStopped.length} tasks to stop` });
    }
    return finish(service.status);
  }

  if (primary === undefined) {
    // The API creates a PRIMARY with the service; this only repairs a service stored without one.
    primary = freshDeployment(
      deriveDeploymentId(`initial\n${service.serviceArn}\n${service.taskDefinition}\n${service.createdAt}`),
      service.taskDefinition,
      service.desiredCount,
      nowIso,
      'ECS deployment in progress.',
    );
    deployments.unshift(primary);
    byId.set(primary.id, primary);
    events.push(
      `service ${name} has started deployment ${primary.id} of task definition ${primary.taskDefinition}.`,
    );
  }

  // Failed launches, kept as a high-water mark: the inventory may forget old stopped tasks.
  for (const d of deployments) {
    const rules = rulesFor(d.id);
    const failed = tasksOf(d.id).filter((t) => isFailedLaunch(t, rules, now)).length;
    d.failedTasks = Math.max(d.failedTasks, failed + refusedTaskCount(d));
  }

  const backoffOf = (d: Deployment): Backoff => {
    const rules = rulesFor(d.id);
    const mine = tasksOf(d.id);
    let lastSuccess = Number.NEGATIVE_INFINITY;
    for (const t of mine) lastSuccess = Math.max(lastSuccess, becameHealthyAt(t, rules, now) ?? lastSuccess);
    const failures = mine.filter(
      (t) => isFailedLaunch(t, rules, now) && (t.stoppedAt ?? t.createdAt) > lastSuccess,
    );
    // Tasks ECS refused to launch failed at the refusal.
    const refused = refusalsSince(d, lastSuccess);
    const consecutive = failures.length + refused.count;
    if (consecutive < 2) return { consecutiveFailures: consecutive };
    const lastFailure = Math.max(
      ...failures.map((t) => t.stoppedAt ?? t.createdAt),
      refused.lastAt ?? Number.NEGATIVE_INFINITY,
    );
    return {
      consecutiveFailures: consecutive,
      until: lastFailure + backoffDelayMs(consecutive, backoffBaseMs, backoffMaxMs),
    };
  };

  const desired = service.desiredCount;
  const primaryId = primary.id;
  const healthyBeforeStops = live().filter((t) => t.deploymentId === primaryId && healthy(t)).length;
  // The deadline runs from the first pass that sees the deployment: at scale a reconcile request can
  // wait in the queue behind the launch-rate limit for longer than the deadline, and that wait is
  // Tugboat's, not the deployment's.
  if (primary.lastProgressAt === undefined || healthyBeforeStops > (primary.healthyCount ?? 0)) {
    primary.lastProgressAt = nowIso;
  }
  primary.healthyCount = healthyBeforeStops;

  // Circuit breaker and progress deadline: only a deployment still rolling out can fail.
  if (primary.rolloutState === 'IN_PROGRESS') {
    const breaker = config.deploymentCircuitBreaker;
    const threshold = circuitBreakerThreshold(desired, breaker.failureThreshold);
    const deadlineSeconds = config.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
    const progressAt = epoch(primary.lastProgressAt) ?? now;
    let failure: string | undefined;
    if (breaker.enable && primary.failedTasks >= threshold) {
      failure = `ECS deployment circuit breaker: ${primary.failedTasks} tasks failed to launch or become healthy (threshold ${threshold})`;
    } else if (now - progressAt >= deadlineSeconds * 1000) {
      failure = `no progress for ${deadlineSeconds} seconds (progressDeadlineSeconds) since ${iso(progressAt)}`;
    }
    if (failure !== undefined) {
      const failed = primary;
      failed.rolloutState = 'FAILED';
      failed.rolloutStateReason = `${failure}.`;
      actions.push({
        type: 'fail-deployment',
        deploymentId: failed.id,
        reason: `deployment ${failed.id} failed: ${failure}`,
      });
      events.push(`service ${name} deployment ${failed.id} failed: ${failure}.`);
      if (breaker.enable && breaker.rollback) {
        const target = deployments.find((d) => d.id !== failed.id && d.rolloutState === 'COMPLETED');
        const rollbackId = deriveDeploymentId(`rollback\n${failed.id}`);
        if (failed.rollbackOf !== undefined) {
          events.push(
            `service ${name} deployment ${failed.id} was itself a rollback; it is not rolled back again.`,
          );
        } else if (target === undefined) {
          events.push(
            `service ${name} has no COMPLETED deployment to roll back to; deployment ${failed.id} stays.`,
          );
        } else if (!byId.has(rollbackId)) {
          const reason = `rolling back to task definition ${target.taskDefinition} of deployment ${target.id} after deployment ${failed.id} failed`;
          const rollback = freshDeployment(rollbackId, target.taskDefinition, desired, nowIso, `${reason}.`);
          rollback.rollbackOf = failed.id;
          rollback.lastProgressAt = nowIso;
          failed.status = 'ACTIVE';
          deployments.unshift(rollback);
          byId.set(rollback.id, rollback);
          primary = rollback;
          actions.push({
            type: 'rollback',
            failedDeploymentId: failed.id,
            newDeploymentId: rollback.id,
            targetDeploymentId: target.id,
            taskDefinition: target.taskDefinition,
            reason,
          });
          events.push(
            `service ${name} deployment ${failed.id} failed; rolling back to task definition ${target.taskDefinition} of deployment ${target.id} with new deployment ${rollback.id}.`,
          );
        }
      }
    }
  }
  const current = primary;

  // UNHEALTHY tasks go once the grace period since their start has passed; they count as unhealthy
  // for the floor already, so stopping them never lowers the healthy count.
  const graceMs = service.healthCheckGracePeriodSeconds * 1000;
  for (const t of tasks) {
    if (isUnhealthy(t, rulesFor(t.deploymentId)) && now - (t.startedAt ?? t.createdAt) >= graceMs) {
      stop(
        t,
        'unhealthy',
        `${UNHEALTHY_STOP_REASON}: UNHEALTHY after the ${service.healthCheckGracePeriodSeconds}s grace period`,
      );
    }
  }

  const backoff = backoffOf(current);
  current.consecutiveFailures = backoff.consecutiveFailures;
  setOptional(current, 'backoffUntil', backoff.until === undefined ? undefined : iso(backoff.until));
  const backingOff = backoff.until !== undefined && now < backoff.until;
  const canLaunch = current.rolloutState !== 'FAILED' && !backingOff;

  const cap = maxTaskCap(desired, config.maximumPercent);
  const floor = minHealthyFloor(desired, config.minimumHealthyPercent);
  const limits = `maximumPercent ${config.maximumPercent} allows ${cap} running or pending tasks, minimumHealthyPercent ${config.minimumHealthyPercent} requires ${floor} healthy`;
  const liveBefore = live();
  const budget = stopBudget({
    liveTasks: liveBefore,
    primaryId: current.id,
    floor,
    isHealthy: healthy,
    isUp: (t) => isUp(t, rulesFor(t.deploymentId)),
  });
  const primaryLive = liveBefore.filter((t) => t.deploymentId === current.id);
  const oldLive = liveBefore.filter((t) => t.deploymentId !== current.id);

  // Old tasks go as the floor allows (floor.ts), unhealthy and pending ones first. While the PRIMARY
  // cannot launch (failed or backing off) they keep serving, and only a surplus over desired is stopped.
  const oldToStop =
    canLaunch || primaryLive.length >= desired
      ? oldLive.length
      : primaryLive.length + oldLive.length - desired;
  let oldStopped = 0;
  for (const t of scaleInOrder(oldLive)) {
    if (oldStopped >= oldToStop) break;
    if (!budget.take(t)) continue;
    oldStopped += 1;
    if (byId.has(t.deploymentId)) {
      stop(
        t,
        'replaced',
        `deployment ${t.deploymentId} is replaced by deployment ${current.id} (${current.taskDefinition})`,
      );
    } else {
      stop(t, 'orphan', `task belongs to no deployment of service ${name}`);
    }
  }

  const excess = primaryLive.length - desired;
  for (const t of scaleInOrder(primaryLive).slice(0, Math.max(0, excess))) {
    if (!budget.take(t)) continue;
    stop(t, 'scale-in', `service ${name} has ${primaryLive.length} tasks and desires ${desired}`);
  }

  const liveAfterStops = live();
  const primaryCount = liveAfterStops.filter((t) => t.deploymentId === current.id).length;
  const need = desired - primaryCount;
  const room = cap - liveAfterStops.length - drainingCount();
  let launched = 0;
  if (need > 0) {
    if (current.rolloutState === 'FAILED') {
      actions.push({
        type: 'hold',
        deploymentId: current.id,
        reason: `deployment ${current.id} has FAILED and launches no tasks`,
      });
    } else if (backingOff && backoff.until !== undefined) {
      const reason = `deployment ${current.id} is backing off after ${backoff.consecutiveFailures} consecutive failed launches; next launch at ${iso(backoff.until)}`;
      actions.push({ type: 'hold', deploymentId: current.id, until: backoff.until, reason });
      events.push(`service ${name} ${reason}.`);
    } else if (room > 0) {
      launched = Math.min(need, room);
      const reason =
        `deployment ${current.id} has ${primaryCount} of ${desired} desired tasks` +
        (launched < need ? `; ${limits}, so ${launched} now` : '');
      actions.push(
        launchAction(input.service, current, launched, liveAfterStops, reason, input.options?.installation),
      );
      current.launchAttempts = (current.launchAttempts ?? 0) + 1;
    } else {
      const settling = stopped.size > 0 || tasks.some((t) => !isStopped(t) && (!isLive(t) || !healthy(t)));
      if (settling) {
        actions.push({
          type: 'hold',
          deploymentId: current.id,
          reason: `deployment ${current.id} waits for tasks to become healthy or stop: ${limits}, and ${liveAfterStops.length} tasks are running or pending`,
        });
      } else {
        const reason = `deployment ${current.id} cannot make progress: ${limits}; ${liveAfterStops.length} tasks are running or pending and all are needed to stay at ${floor} healthy, so no task can be stopped or started`;
        actions.push({ type: 'hold', deploymentId: current.id, reason });
        events.push(`service ${name} ${reason}.`);
      }
    }
  }

  // Settled: exactly the desired tasks remain, all of the PRIMARY, all healthy, none being stopped.
  const notStopped = tasks.filter((t) => !isStopped(t));
  const settled =
    launched === 0 &&
    notStopped.length === desired &&
    notStopped.every(
      (t) => t.deploymentId === current.id && isLive(t) && !stopped.has(t.taskArn) && healthy(t),
    );
  if (settled && current.rolloutState === 'IN_PROGRESS') {
    current.rolloutState = 'COMPLETED';
    current.rolloutStateReason = `ECS deployment ${current.id} completed.`;
    events.push(`service ${name} deployment ${current.id} completed.`);
  }
  const before = original.get(current.id);
  const steadyBefore =
    before?.status === 'PRIMARY' &&
    before.rolloutState === 'COMPLETED' &&
    before.healthyCount === desired &&
    service.runningCount === desired &&
    service.pendingCount === 0;
  if (settled && current.rolloutState === 'COMPLETED' && !steadyBefore) {
    events.push(`service ${name} has reached a steady state.`);
  }

  return finish('ACTIVE');
}

function launchAction(
  service: Service,
  deployment: Deployment,
  count: number,
  liveTasks: ObservedTask[],
  reason: string,
  installation?: string,
): Action {
  const running: RunningByProvider = {};
  for (const t of liveTasks) {
    const provider = t.capacityProvider ?? 'FARGATE';
    running[provider] = (running[provider] ?? 0) + 1;
  }
  const attempt = deployment.launchAttempts ?? 0;
  const calls: RunTaskCall[] = [];
  for (const placement of splitLaunches(service.capacityProviderStrategy, running, count)) {
    for (let left = placement.count; left > 0; left -= MAX_TASKS_PER_RUN_TASK) {
      const token = clientToken({
        serviceArn: service.serviceArn,
        deploymentId: deployment.id,
        launchSlot: calls.length,
        attempt,
      });
      const callCount = Math.min(MAX_TASKS_PER_RUN_TASK, left);
      calls.push(
        placement.capacityProvider === undefined
          ? { count: callCount, launchType: 'FARGATE', clientToken: token }
          : {
              count: callCount,
              capacityProviderStrategy: [
                { capacityProvider: placement.capacityProvider, base: 0, weight: 1 },
              ],
              clientToken: token,
            },
      );
    }
  }
  return {
    type: 'launch',
    deploymentId: deployment.id,
    taskDefinition: deployment.taskDefinition,
    count,
    startedBy: startedBy(service.serviceArn, deployment.id, installation),
    group: taskGroup(service.serviceName),
    runTaskCalls: calls,
    reason,
  };
}

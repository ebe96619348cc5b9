/**
 * Phase: launch or hold. The PRIMARY gets the tasks it lacks, as many as maximumPercent leaves room
 * for; a FAILED or backing-off PRIMARY, or one with no room, holds and says why.
 */

import { type Deployment, MAX_TASKS_PER_RUN_TASK, type Service } from '../../../domain';
import { startedBy, taskGroup } from '../../../inventory/naming';
import { isoOf } from '../../../time';
import { type Placement, type RunningByProvider, splitLaunches } from '../capacity';
import { isLive, isStopped } from '../tasks';
import { clientToken } from '../tokens';
import type { Action, ObservedTask, RunTaskCall } from '../types';
import { type CrashLoopBackoff, isBackingOff } from './backoff';
import { BEFORE_SCALE_UP, hooksPending } from './lifecycle-hooks';
import { maxTaskCap, minHealthyFloor } from './limits';
import { isShifting } from './serving';
import { holdBackSpot } from './spot-retry';
import { drainingCount, healthy, live, type RolloutState } from './state';

/** Places `count` new tasks given the live ones per provider (default: the strategy's base and weight). */
export type Placer = (count: number, running: RunningByProvider) => Placement[];

/** Returns the number of tasks launched. */
export function launchOrHold(state: RolloutState, backoff: CrashLoopBackoff, place?: Placer): number {
  const { service, primary: current, actions, events } = state;
  const name = service.serviceName;
  const config = service.deploymentConfiguration;
  const desired = service.desiredCount;
  const cap = maxTaskCap(desired, config.maximumPercent);
  const floor = minHealthyFloor(desired, config.minimumHealthyPercent);
  const limits = `maximumPercent ${config.maximumPercent} allows ${cap} running or pending tasks, minimumHealthyPercent ${config.minimumHealthyPercent} requires ${floor} healthy`;
  const liveAfterStops = live(state);
  const primaryCount = liveAfterStops.filter((t) => t.deploymentId === current.id).length;
  const need = desired - primaryCount;
  // A traffic shift starts the full desired count beside the serving tasks, as ECS blue/green does.
  const room = isShifting(current) ? need : cap - liveAfterStops.length - drainingCount(state);
  if (need <= 0) return 0;
  if (current.rolloutState === 'FAILED') {
    const reason = `deployment ${current.id} has FAILED and launches no tasks`;
    actions.push({ type: 'hold', deploymentId: current.id, reason });
    return 0;
  }
  // ECS PRE_SCALE_UP: the new revision has not started; its hooks come first (lifecycle-hooks.ts holds).
  if (isShifting(current) && current.trafficShift?.stage === 'SCALE_UP')
    if (hooksPending(current.trafficShift, BEFORE_SCALE_UP)) return 0;
  if (isBackingOff(state, backoff) && backoff.until !== undefined) {
    const reason = `deployment ${current.id} is backing off after ${backoff.consecutiveFailures} tasks in a row stopped on their own or failed to launch; next launch at ${isoOf(backoff.until)}`;
    actions.push({ type: 'hold', deploymentId: current.id, until: backoff.until, reason });
    events.push(`service ${name} ${reason}.`);
    return 0;
  }
  if (room > 0) {
    const wanted = Math.min(need, room);
    const spot = holdBackSpot(state, current, placementsOf(service, wanted, liveAfterStops, place));
    if (spot.hold) actions.push({ type: 'hold', deploymentId: current.id, ...spot.hold });
    const launched = wanted - spot.held;
    if (launched === 0) return 0;
    const reason =
      `deployment ${current.id} has ${primaryCount} of ${desired} desired tasks` +
      (launched < need ? `; ${spot.held > 0 ? 'FARGATE_SPOT backs off' : limits}, so ${launched} now` : '');
    actions.push(
      launchAction(
        service,
        current,
        launched,
        liveAfterStops,
        reason,
        state.input.options?.installation,
        () => spot.placements,
      ),
    );
    current.launchAttempts = (current.launchAttempts ?? 0) + 1;
    return launched;
  }
  const settling =
    state.stopped.size > 0 || state.tasks.some((t) => !isStopped(t) && (!isLive(t) || !healthy(state, t)));
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
  return 0;
}

const runningByProvider = (liveTasks: ObservedTask[]): RunningByProvider => {
  const running: RunningByProvider = {};
  for (const t of liveTasks) {
    const provider = t.capacityProvider ?? 'FARGATE';
    running[provider] = (running[provider] ?? 0) + 1;
  }
  return running;
};

/** Where `count` new tasks go: the placer's choice, else the strategy's split over the live tasks. */
const placementsOf = (service: Service, count: number, liveTasks: ObservedTask[], place?: Placer) => {
  const running = runningByProvider(liveTasks);
  return place ? place(count, running) : splitLaunches(service.capacityProviderStrategy, running, count);
};

/** One launch action, split over capacity providers and RunTask's ten-task limit. */
export function launchAction(
  service: Service,
  deployment: Deployment,
  count: number,
  liveTasks: ObservedTask[],
  reason: string,
  installation?: string,
  place?: Placer,
): Action {
  const attempt = deployment.launchAttempts ?? 0;
  const calls: RunTaskCall[] = [];
  const placements = placementsOf(service, count, liveTasks, place);
  for (const placement of placements) {
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

/**
 * Phase: return to Spot. After returnAfterSeconds without a Spot failure, the FARGATE tasks that stood
 * in for Spot ones move back one batch at a time, the first of one task when no Spot launch was tried
 * since the last failure (a probe, needsProbe): Spot tasks first (as maximumPercent
 * leaves room), and a FARGATE task stops only once a Spot task beyond the desired count is healthy, so
 * the healthy count never dips below desired. When maximumPercent leaves no room above desired and
 * minimumHealthyPercent lets one task go, one FARGATE task at a time is stopped first and replaced on
 * FARGATE_SPOT, the next only once every task is healthy again. A new Spot failure aborts the
 * return (spot-fallback.ts); the surplus Spot tasks are then scaled in as usual. A deploy or a rollback
 * under way pauses it: its own launches go to FARGATE_SPOT (returnPlacer).
 */

import { isoOf } from '../../../time';
import { isRunning } from '../tasks';
import type { ObservedTask } from '../types';
import { launchAction } from './launch';
import { maxTaskCap } from './limits';
import {
  fallbackShare,
  needsProbe,
  providerOf,
  returnMove,
  rolloutUnderWay,
  type SpotMode,
  spotFallbackConfig,
} from './spot-fallback';
import { spotRetryOf } from './spot-retry';
import { drainingCount, healthy, live, type RolloutState, scaleInOrder, stop } from './state';

/**
 * Before the stops to make room: FARGATE tasks go as healthy Spot tasks stand in for them (or, without
 * room above desired, one goes first: stopOneFirst), and the batch's Spot tasks that are not healthy yet
 * are kept from scale-in. Finishes the return when no FARGATE task is left to move.
 */
export function stopReturnedOnDemand(state: RolloutState, mode: SpotMode, canLaunch: boolean): SpotMode {
  if (mode !== 'returning') return mode;
  const { service, primary, nowIso } = state;
  const desired = service.desiredCount;
  const liveNow = live(state);
  const share = fallbackShare(state, liveNow);
  if (share === 0) {
    const config = spotFallbackConfig(state);
    const before = primary.spotFallback;
    primary.spotFallback = {
      active: false,
      // Spot refusals in a row outlive the return: only a Spot task that launches ends them (spot-retry.ts).
      ...(before?.spotRefusalsInRow
        ? {
            spotRefusalsInRow: before.spotRefusalsInRow,
            ...(before.lastSpotFailureAt ? { lastSpotFailureAt: before.lastSpotFailureAt } : {}),
            ...(before.lastSpotFailure ? { lastSpotFailure: before.lastSpotFailure } : {}),
          }
        : {}),
      since: nowIso,
      reason: config
        ? `back on FARGATE_SPOT after ${config.returnAfterSeconds} seconds without a Spot failure`
        : 'back on FARGATE_SPOT: spotFallback is disabled',
    };
    state.events.push(
      `service ${service.serviceName} is back on FARGATE_SPOT: its FARGATE tasks have moved back.`,
    );
    return 'spot';
  }
  if (rolloutUnderWay(state)) return mode;
  if (canLaunch) stopOneFirst(state, liveNow);
  let healthyOver = liveNow.filter((t) => healthy(state, t)).length - desired;
  let over = liveNow.length - desired;
  let stopped = 0;
  const onDemand = scaleInOrder(
    state,
    liveNow.filter((t) => providerOf(t) === 'FARGATE'),
  );
  for (const t of onDemand) {
    if (stopped >= share || over <= 0) break;
    const wasHealthy = healthy(state, t);
    if (wasHealthy && healthyOver <= 0) continue;
    stop(
      state,
      t,
      'replaced',
      `a healthy FARGATE_SPOT task replaces it: service ${service.serviceName} moves its FARGATE tasks back to FARGATE_SPOT`,
    );
    stopped += 1;
    over -= 1;
    if (wasHealthy) healthyOver -= 1;
  }
  for (const t of liveNow) {
    if (providerOf(t) === 'FARGATE_SPOT' && t.deploymentId === primary.id && !healthy(state, t)) {
      state.keep.add(t.taskArn);
    }
  }
  return mode;
}

/**
 * Without room above desired (returnMove 'stop-first'): once the service is whole, every task healthy
 * and none draining, one FARGATE task stops; launchOrHold then replaces it on FARGATE_SPOT (returnPlacer).
 */
function stopOneFirst(state: RolloutState, liveNow: ObservedTask[]): void {
  const { service } = state;
  if (returnMove(state) !== 'stop-first' || liveNow.length !== service.desiredCount) return;
  if (drainingCount(state) > 0 || !liveNow.every((t) => healthy(state, t))) return;
  const [first] = scaleInOrder(
    state,
    liveNow.filter((t) => providerOf(t) === 'FARGATE'),
  );
  if (!first) return;
  stop(
    state,
    first,
    'replaced',
    `a FARGATE_SPOT task replaces it: service ${service.serviceName} moves its FARGATE tasks back to FARGATE_SPOT one at a time (maximumPercent ${service.deploymentConfiguration.maximumPercent} leaves no room to launch first)`,
  );
}

/**
 * After the PRIMARY's own launches: when nothing is missing and no batch is in flight, launches the
 * next batch on FARGATE_SPOT, as many as the FARGATE share and maximumPercent allow. Returns the count.
 */
export function launchReturnBatch(state: RolloutState, mode: SpotMode, launched: number): number {
  if (mode !== 'returning' || rolloutUnderWay(state)) return 0;
  const { service, primary } = state;
  const desired = service.desiredCount;
  const config = service.deploymentConfiguration;
  // A refused launch brings no task event: look again, to abort the return if Spot failed.
  const pollMs = Math.min((config.minReadySeconds ?? 40) * 1000, 30_000);
  const lookAgain = (what: string) =>
    state.actions.push({
      type: 'hold',
      deploymentId: primary.id,
      until: state.now + Math.max(1_000, pollMs),
      reason: `deployment ${primary.id} looks again at ${what} in case FARGATE_SPOT refuses it`,
    });
  const stopFirst = returnMove(state) === 'stop-first';
  if (launched > 0) {
    if (stopFirst) lookAgain('its FARGATE_SPOT replacement');
    return 0;
  }
  const liveNow = live(state);
  const share = fallbackShare(state, liveNow);
  if (share === 0 || liveNow.length > desired || stopFirst) {
    wakeForBatch(state);
    return 0;
  }
  const room = maxTaskCap(desired, config.maximumPercent) - liveNow.length - drainingCount(state);
  if (room <= 0) {
    state.actions.push({
      type: 'hold',
      deploymentId: primary.id,
      reason: `deployment ${primary.id} waits for draining tasks to stop before it launches a FARGATE_SPOT task for one of its ${share} FARGATE tasks: maximumPercent ${config.maximumPercent} counts them`,
    });
    return 0;
  }
  const retry = spotRetryOf(state);
  if (retry.until !== undefined) {
    state.actions.push({
      type: 'hold',
      deploymentId: primary.id,
      until: retry.until,
      reason: `deployment ${primary.id} waits to move a FARGATE task back until ${isoOf(retry.until)}: FARGATE_SPOT refused ${retry.refusals} ${retry.refusals === 1 ? 'launch' : 'launches'} in a row for capacity`,
    });
    return 0;
  }
  const probe = primary.spotFallback !== undefined && needsProbe(state, primary.spotFallback);
  const batch = probe ? 1 : Math.min(share, room);
  state.actions.push(
    launchAction(
      service,
      primary,
      batch,
      liveNow,
      probe
        ? `deployment ${primary.id} probes FARGATE_SPOT with one task before moving its ${share} FARGATE tasks back`
        : `deployment ${primary.id} moves ${batch} of its ${share} FARGATE tasks back to FARGATE_SPOT (launching on FARGATE_SPOT first)`,
      state.input.options?.installation,
      () => [{ capacityProvider: 'FARGATE_SPOT', count: batch }],
    ),
  );
  primary.launchAttempts = (primary.launchAttempts ?? 0) + 1;
  lookAgain(`its FARGATE_SPOT batch of ${batch}`);
  return batch;
}

/** A batch in flight: look again when its first Spot task may be healthy (minReadySeconds after RUNNING). */
function wakeForBatch(state: RolloutState): void {
  const minReadyMs = (state.service.deploymentConfiguration.minReadySeconds ?? 40) * 1000;
  const kept = state.tasks.filter((t) => state.keep.has(t.taskArn));
  const readyAt = kept
    .filter((t) => isRunning(t) && t.startedAt !== undefined)
    .map((t) => (t.startedAt ?? state.now) + minReadyMs)
    .filter((at) => at > state.now);
  if (readyAt.length === 0) return;
  const until = Math.min(...readyAt);
  state.actions.push({
    type: 'hold',
    deploymentId: state.primary.id,
    until,
    reason: `deployment ${state.primary.id} waits for ${kept.length} FARGATE_SPOT ${kept.length === 1 ? 'task' : 'tasks'} to be healthy before stopping FARGATE ones`,
  });
}

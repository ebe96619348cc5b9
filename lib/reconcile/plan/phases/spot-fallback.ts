/**
 * Phase: Spot fallback. ECS's capacity provider strategy only splits by base and weight: when
 * FARGATE_SPOT has no capacity, the Spot share stays unlaunched. With `spotFallback` enabled, once the
 * service has been under its desired count for fallbackAfterSeconds while Spot failed (a capacity
 * refusal the executor recorded, or an interruption), the missing Spot share is launched on FARGATE,
 * within maxOnDemandPercent of desired. After returnAfterSeconds without a Spot failure the share moves
 * back (spot-return.ts). The state is kept on the PRIMARY (Deployment.spotFallback); each switch is an event.
 * The allowance is each deployment's own: a deploy or a rollback during an outage gets it too.
 * Disabling the fallback while it is active moves the FARGATE share back as the return does.
 */
import type { CapacityProviderName, SpotFallback, SpotFallbackState } from '../../../domain';
import { epochOf, isoOf } from '../../../time';
import { type Placement, type RunningByProvider, splitLaunches } from '../capacity';
import { isRunning } from '../tasks';
import type { ObservedTask } from '../types';
import type { Placer } from './launch';
import { maxTaskCap, minHealthyFloor } from './limits';
import { resetSpotRetries, withSpotRetryReset } from './spot-retry';
import { healthy, live, type PlanState, type RolloutState } from './state';

/** off: no fallback configured; spot: the strategy as ECS means it; fallback: Spot share on FARGATE; returning. */
export type SpotMode = 'off' | 'spot' | 'fallback' | 'returning';

export const providerOf = (task: ObservedTask): CapacityProviderName => task.capacityProvider ?? 'FARGATE';

/** The service's spotFallback when it applies: enabled, with FARGATE_SPOT in the strategy. */
export const spotFallbackConfig = (state: PlanState): SpotFallback | undefined => {
  const config = state.service.spotFallback;
  const strategy = state.service.capacityProviderStrategy ?? [];
  if (!config?.enabled || !strategy.some((item) => item.capacityProvider === 'FARGATE_SPOT'))
    return undefined;
  return config;
};

/** What the strategy alone places for the desired count: the FARGATE share and the FARGATE_SPOT share. */
export const idealShare = (state: PlanState): { onDemand: number; spot: number } => {
  const desired = state.service.desiredCount;
  const spot = splitLaunches(state.service.capacityProviderStrategy, {}, desired)
    .filter((placement) => placement.capacityProvider === 'FARGATE_SPOT')
    .reduce((sum, placement) => sum + placement.count, 0);
  return { onDemand: desired - spot, spot };
};

/** The most FARGATE tasks that may stand in for Spot ones: maxOnDemandPercent of desired (rounded down). */
export const fallbackAllowance = (state: PlanState, config: SpotFallback): number =>
  Math.min(
    idealShare(state).spot,
    Math.floor((state.service.desiredCount * config.maxOnDemandPercent) / 100),
  );

/** FARGATE tasks above the strategy's own FARGATE share: the fallback share now. */
export const fallbackShare = (state: PlanState, tasks: ObservedTask[]): number =>
  Math.max(0, tasks.filter((t) => providerOf(t) === 'FARGATE').length - idealShare(state).onDemand);

/** The PRIMARY's own live tasks per provider: old deployments' tasks are on their way out. */
const ownRunning = (state: RolloutState): RunningByProvider => {
  const running: RunningByProvider = {};
  for (const t of live(state)) {
    if (t.deploymentId !== state.primary.id) continue;
    running[providerOf(t)] = (running[providerOf(t)] ?? 0) + 1;
  }
  return running;
};

/** Placements from per-provider counts, FARGATE first, without zero counts. */
const placementsOf = (counts: Record<CapacityProviderName, number>): Placement[] =>
  (['FARGATE', 'FARGATE_SPOT'] as const)
    .filter((provider) => counts[provider] > 0)
    .map((provider) => ({ capacityProvider: provider, count: counts[provider] }));

/**
 * While falling back: the strategy's split of the PRIMARY's tasks, with its Spot part on FARGATE as far
 * as the PRIMARY's own allowance goes (the FARGATE tasks of a deployment it replaces do not use it up).
 */
export const fallbackPlacer =
  (state: RolloutState, config: SpotFallback): Placer =>
  (count) => {
    const running = ownRunning(state);
    const placements = splitLaunches(state.service.capacityProviderStrategy, running, count);
    const onDemandNow = Math.max(0, (running.FARGATE ?? 0) - idealShare(state).onDemand);
    let allowance = Math.max(0, fallbackAllowance(state, config) - onDemandNow);
    const counts: Record<CapacityProviderName, number> = { FARGATE: 0, FARGATE_SPOT: 0 };
    for (const placement of placements) {
      const provider = placement.capacityProvider ?? 'FARGATE';
      const moved = provider === 'FARGATE_SPOT' ? Math.min(allowance, placement.count) : 0;
      allowance -= moved;
      counts.FARGATE += provider === 'FARGATE' ? placement.count : moved;
      counts.FARGATE_SPOT += provider === 'FARGATE_SPOT' ? placement.count - moved : 0;
    }
    return placementsOf(counts);
  };

/**
 * While moving back: the strategy's split of the PRIMARY's tasks, but no FARGATE task beyond the
 * strategy's own FARGATE share, so that a replacement never lands on FARGATE again.
 */
export const returnPlacer =
  (state: RolloutState): Placer =>
  (count) => {
    const running = ownRunning(state);
    const placements = splitLaunches(state.service.capacityProviderStrategy, running, count);
    let fargateRoom = Math.max(0, idealShare(state).onDemand - (running.FARGATE ?? 0));
    const counts: Record<CapacityProviderName, number> = { FARGATE: 0, FARGATE_SPOT: 0 };
    for (const placement of placements) {
      const onFargate =
        (placement.capacityProvider ?? 'FARGATE') === 'FARGATE' ? Math.min(fargateRoom, placement.count) : 0;
      fargateRoom -= onFargate;
      counts.FARGATE += onFargate;
      counts.FARGATE_SPOT += placement.count - onFargate;
    }
    return placementsOf(counts);
  };

/** How the plan places the PRIMARY's launches in this mode (undefined: the strategy, as ECS does). */
export const spotPlacer = (state: RolloutState, mode: SpotMode): Placer | undefined => {
  const config = spotFallbackConfig(state);
  if (mode === 'fallback' && config) return fallbackPlacer(state, config);
  return mode === 'returning' ? returnPlacer(state) : undefined;
};

/** Tasks of other deployments are still live: a deploy or a rollback is under way. */
export const rolloutUnderWay = (state: RolloutState): boolean =>
  live(state).some((t) => t.deploymentId !== state.primary.id);

/**
 * How the FARGATE share can move back at the desired count: a Spot task launched first (maximumPercent
 * leaves room above desired), a FARGATE task stopped first (minimumHealthyPercent lets one go), or not.
 */
export const returnMove = (state: PlanState): 'launch-first' | 'stop-first' | 'none' => {
  const { desiredCount: desired, deploymentConfiguration: config } = state.service;
  if (maxTaskCap(desired, config.maximumPercent) > desired) return 'launch-first';
  if (minHealthyFloor(desired, config.minimumHealthyPercent) < desired) return 'stop-first';
  return 'none';
};

/** Why the FARGATE share cannot move back, with the limits that forbid it (returnMove 'none'). */
const blockedReason = (state: PlanState, share: number): string => {
  const { desiredCount: desired, deploymentConfiguration: config } = state.service;
  return `cannot move its ${share} FARGATE ${share === 1 ? 'task' : 'tasks'} back to FARGATE_SPOT: maximumPercent ${config.maximumPercent} leaves no room above its ${desired} desired tasks to launch one first, and minimumHealthyPercent ${config.minimumHealthyPercent} keeps all ${minHealthyFloor(desired, config.minimumHealthyPercent)} healthy, so none can be stopped first`;
};

/** Writes `next` on the PRIMARY only if it differs: an unchanged deployment keeps its updatedAt. */
const record = (state: RolloutState, next: SpotFallbackState): void => {
  if (JSON.stringify(state.primary.spotFallback) !== JSON.stringify(next)) state.primary.spotFallback = next;
};

/**
 * A new PRIMARY takes over where the deployment it replaces (the newest other one) stood; never from an
 * older one, whose state is stale.
 */
const startingPoint = (state: RolloutState): SpotFallbackState => {
  const own = state.primary.spotFallback;
  if (own) return { ...own };
  const replaced = state.deployments.find((d) => d !== state.primary);
  return replaced?.spotFallback ? { ...replaced.spotFallback } : { active: false };
};

/**
 * Neither limit allows a move while FARGATE tasks stand in: the plan holds and says why, and so does one
 * service event (the reason is kept, so an unchanged situation is not said again). Returns whether so.
 */
const holdsBlocked = (state: RolloutState, fb: SpotFallbackState): boolean => {
  const share = fallbackShare(state, live(state));
  if (share === 0 || returnMove(state) !== 'none') return false;
  const reason = blockedReason(state, share);
  delete fb.returningSince;
  if (fb.reason !== reason) state.events.push(`service ${state.service.serviceName} ${reason}.`);
  fb.reason = reason;
  const { id } = state.primary;
  state.actions.push({ type: 'hold', deploymentId: id, reason: `deployment ${id} ${reason}` });
  return true;
};

/** Starts moving the FARGATE share back (spot-return.ts), unless the limits forbid it. */
const startReturn = (
  state: RolloutState,
  fb: SpotFallbackState,
  event: string,
  reason?: string,
): SpotMode => {
  if (holdsBlocked(state, fb)) return 'fallback';
  if (fb.returningSince) return 'returning';
  fb.returningSince = state.nowIso;
  if (reason) fb.reason = reason;
  state.events.push(`service ${state.service.serviceName} ${event}.`);
  return 'returning';
};

/**
 * No FARGATE_SPOT task was launched since the last Spot failure (or the fallback, without one): that no
 * Spot failure came since says nothing of Spot's capacity, so a return starts with one task, a probe.
 */
export const needsProbe = (state: PlanState, fb: SpotFallbackState): boolean => {
  const since = epochOf(fb.lastSpotFailureAt) ?? epochOf(fb.since) ?? Number.NEGATIVE_INFINITY;
  return !state.tasks.some((t) => providerOf(t) === 'FARGATE_SPOT' && t.createdAt > since);
};

/** The newest Spot interruption among the observed tasks, after `after` (epoch ms). */
const newestInterruption = (state: PlanState, after: number): ObservedTask | undefined => {
  let newest: ObservedTask | undefined;
  for (const t of state.tasks) {
    if (t.stopCode !== 'SpotInterruption') continue;
    const at = t.stoppedAt ?? state.now;
    if (at > after && (newest === undefined || at > (newest.stoppedAt ?? state.now))) newest = t;
  }
  return newest;
};

/**
 * Takes stock of the Spot fallback before the pass stops or launches anything: notes interruptions and
 * how long the service has been short, switches to FARGATE when due, starts or aborts a return to Spot.
 */
export function noteSpotFallback(state: RolloutState): SpotMode {
  const { primary, service, now, nowIso } = state;
  const name = service.serviceName;
  const config = spotFallbackConfig(state);
  const fb = withSpotRetryReset(state, startingPoint(state));
  resetSpotRetries(state, primary.id);
  if (!config) {
    // Disabled (or no Spot left in the strategy) while FARGATE tasks stand in: they move back now, in
    // healthy batches as the return does, and a Spot failure no longer stops that.
    const mode = fb.active
      ? startReturn(
          state,
          fb,
          'no longer falls back to FARGATE: spotFallback is disabled; its FARGATE tasks move back to FARGATE_SPOT in healthy batches',
          'spotFallback is disabled',
        )
      : 'off';
    record(state, fb);
    return mode === 'returning' ? mode : 'off';
  }
  const interrupted = newestInterruption(state, epochOf(fb.lastSpotFailureAt) ?? Number.NEGATIVE_INFINITY);
  if (interrupted) {
    fb.lastSpotFailureAt = isoOf(interrupted.stoppedAt ?? now);
    fb.lastSpotFailure = `SpotInterruption: ${interrupted.stoppedReason ?? 'Your Spot Task was interrupted.'}`;
  }
  const desired = service.desiredCount;
  const running = live(state).filter(isRunning).length;
  const short = running < desired;
  if (!short) delete fb.failingSince;
  else if (interrupted) fb.failingSince ??= fb.lastSpotFailureAt;
  const lastFailure = epochOf(fb.lastSpotFailureAt);
  const fallbackMs = config.fallbackAfterSeconds * 1000;
  const returnMs = config.returnAfterSeconds * 1000;
  let mode: SpotMode = !fb.active ? 'spot' : fb.returningSince ? 'returning' : 'fallback';
  const hold = (until: number, reason: string) =>
    state.actions.push({ type: 'hold', deploymentId: primary.id, until, reason });

  if (mode === 'spot' && short) {
    const failingAt = epochOf(fb.failingSince);
    if (failingAt === undefined) {
      // Spot launches this pass may be refused: look again no later than the fallback could be due.
      const pollMs = Math.min((service.deploymentConfiguration.minReadySeconds ?? 40) * 1000, 30_000);
      hold(
        now + Math.max(1_000, Math.min(fallbackMs, pollMs)),
        `deployment ${primary.id} looks again at its ${desired - running} missing tasks in case FARGATE_SPOT has no capacity`,
      );
    } else {
      const dueAt = failingAt + fallbackMs;
      if (now >= dueAt) {
        fb.active = true;
        fb.since = nowIso;
        fb.reason = `FARGATE_SPOT failed (${fb.lastSpotFailure ?? 'no capacity'}) and the service has been under its ${desired} desired tasks for ${config.fallbackAfterSeconds} seconds (${running} running)`;
        mode = 'fallback';
        state.events.push(
          `service ${name} is launching its missing FARGATE_SPOT tasks on FARGATE (at most ${fallbackAllowance(state, config)}, maxOnDemandPercent ${config.maxOnDemandPercent}): ${fb.reason}.`,
        );
      } else {
        hold(
          dueAt,
          `deployment ${primary.id} falls back to FARGATE at ${isoOf(dueAt)} if it is still under its ${desired} desired tasks`,
        );
      }
    }
  } else if (
    mode === 'returning' &&
    lastFailure !== undefined &&
    lastFailure > (epochOf(fb.returningSince) ?? 0)
  ) {
    delete fb.returningSince;
    fb.reason = `FARGATE_SPOT failed again while tasks moved back to it (${fb.lastSpotFailure ?? 'no capacity'})`;
    mode = 'fallback';
    state.events.push(`service ${name} stopped moving tasks back to FARGATE_SPOT: ${fb.reason}.`);
  }
  if (mode === 'returning' && holdsBlocked(state, fb)) {
    // The limits changed under a return: it stops, and any surplus Spot task is scaled in as usual.
    mode = 'fallback';
  } else if (mode === 'fallback') {
    const returnAt = (lastFailure ?? epochOf(fb.since) ?? now) + returnMs;
    if (now >= returnAt) {
      // A deploy or a rollback under way moves its tasks first; the return waits for it.
      if (!rolloutUnderWay(state)) {
        mode = startReturn(
          state,
          fb,
          needsProbe(state, fb)
            ? `is trying FARGATE_SPOT again with one task (a probe): no Spot launch was tried in the ${config.returnAfterSeconds} seconds since its last Spot failure; its FARGATE tasks move back, one batch at a time, once the probe is healthy`
            : `is moving its FARGATE tasks back to FARGATE_SPOT, one batch at a time: no Spot failure for ${config.returnAfterSeconds} seconds`,
        );
      }
    } else if (steady(state)) {
      // Only a steady service waits this long: a settling one is looked at again sooner anyway.
      hold(
        returnAt,
        `deployment ${primary.id} moves its FARGATE tasks back to FARGATE_SPOT at ${isoOf(returnAt)}`,
      );
    }
  }
  record(state, fb);
  return mode;
}

/** Exactly the desired count live, all healthy. */
const steady = (state: PlanState): boolean => {
  const tasks = live(state);
  return tasks.length === state.service.desiredCount && tasks.every((t) => healthy(state, t));
};

/** The live tasks of each deployment per capacity provider (services with a strategy only). */
export function countByProvider(state: PlanState): void {
  if (!state.service.capacityProviderStrategy) return;
  const remaining = live(state);
  for (const d of state.deployments) {
    const counts: Record<CapacityProviderName, number> = { FARGATE: 0, FARGATE_SPOT: 0 };
    for (const t of remaining) if (t.deploymentId === d.id) counts[providerOf(t)] += 1;
    if (JSON.stringify(d.tasksByCapacityProvider) !== JSON.stringify(counts))
      d.tasksByCapacityProvider = counts;
  }
}

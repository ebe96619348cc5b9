/**
 * Spot refusals back off. ECS's refusals of FARGATE_SPOT launches for want of capacity are not failed
 * launches (no crash-loop back-off, no breaker), and without a fallback (or with its on-demand allowance
 * used up) a service short of its desired count would ask Spot again at every pass, about once a second.
 * After n refusals in a row the next FARGATE_SPOT launch of the deployment waits spotRetryDelayMs(n) after
 * the last one: 5 s, doubling, at most 2 minutes. A FARGATE_SPOT task launched since the last refusal ends
 * the run (the count restarts). FARGATE launches, the fallback's among them, never wait for it.
 */
import type { Deployment, SpotFallbackState } from '../../../domain';
import { epochOf, isoOf } from '../../../time';
import type { Placement } from '../capacity';
import type { ObservedTask } from '../types';
import type { PlanState } from './state';

export const SPOT_RETRY_BASE_MS = 5_000;
export const SPOT_RETRY_MAX_MS = 120_000;

/** The wait after `refusals` Spot capacity refusals in a row (none: 0). */
export const spotRetryDelayMs = (refusals: number): number =>
  refusals < 1 ? 0 : Math.min(SPOT_RETRY_MAX_MS, SPOT_RETRY_BASE_MS * 2 ** (refusals - 1));

/** A FARGATE_SPOT task of the service (any deployment) launched after `since`. */
const launchedOnSpotSince = (tasks: ObservedTask[], since: number): boolean =>
  tasks.some((t) => t.capacityProvider === 'FARGATE_SPOT' && t.createdAt > since);

/**
 * The service's Spot refusals in a row: Spot's capacity is the service's, not one deployment's, so the
 * newest count of any deployment (a deploy made during an outage carries on from where the one it replaces
 * stood, even if that one's refusal is recorded after the deploy).
 */
export const spotRefusalsOf = (deployments: Deployment[]): { refusals: number; lastAt?: number } => {
  let newest: { refusals: number; lastAt?: number } = { refusals: 0 };
  for (const d of deployments) {
    const at = epochOf(d.spotFallback?.lastSpotFailureAt);
    const refusals = d.spotFallback?.spotRefusalsInRow ?? 0;
    if (at === undefined || refusals === 0) continue;
    const later = newest.lastAt === undefined || at > newest.lastAt;
    if (later || (at === newest.lastAt && refusals > newest.refusals)) newest = { refusals, lastAt: at };
  }
  return newest;
};

/** The Spot fallback state without its refusals in a row once a Spot task launched after the last refusal. */
export const withSpotRetryReset = (state: PlanState, fb: SpotFallbackState): SpotFallbackState => {
  const lastAt = epochOf(fb.lastSpotFailureAt);
  if (fb.spotRefusalsInRow === undefined || lastAt === undefined) return fb;
  if (!launchedOnSpotSince(state.tasks, lastAt)) return fb;
  const { spotRefusalsInRow: _reset, ...rest } = fb;
  return rest;
};

/** Clears the refusals in a row of the service's other deployments once Spot launched a task after them. */
export function resetSpotRetries(state: PlanState, primaryId: string): void {
  for (const d of state.deployments) {
    if (d.id === primaryId || d.spotFallback === undefined) continue;
    const next = withSpotRetryReset(state, d.spotFallback);
    if (next !== d.spotFallback) d.spotFallback = next;
  }
}

/**
 * Where the service's Spot refusals stand: the count in a row (none once a Spot task launched after the
 * last refusal) and, while it lasts, the instant the next Spot launch may come.
 */
export function spotRetryOf(state: PlanState): { refusals: number; until?: number } {
  const { refusals, lastAt } = spotRefusalsOf(state.deployments);
  if (lastAt === undefined || refusals === 0 || launchedOnSpotSince(state.tasks, lastAt))
    return { refusals: 0 };
  const until = lastAt + spotRetryDelayMs(refusals);
  return state.now < until ? { refusals, until } : { refusals };
}

/**
 * The placements without their FARGATE_SPOT part while the deployment's Spot refusals back off, and the
 * hold that says so (undefined: nothing held back).
 */
export function holdBackSpot(
  state: PlanState,
  deployment: Deployment,
  placements: Placement[],
): { placements: Placement[]; held: number; hold?: { until: number; reason: string } } {
  const retry = spotRetryOf(state);
  const held = placements
    .filter((p) => p.capacityProvider === 'FARGATE_SPOT')
    .reduce((sum, p) => sum + p.count, 0);
  if (retry.until === undefined || held === 0) return { placements, held: 0 };
  return {
    placements: placements.filter((p) => p.capacityProvider !== 'FARGATE_SPOT'),
    held,
    hold: {
      until: retry.until,
      reason: `deployment ${deployment.id} waits to launch ${held} FARGATE_SPOT ${held === 1 ? 'task' : 'tasks'} until ${isoOf(retry.until)}: FARGATE_SPOT refused ${retry.refusals} ${retry.refusals === 1 ? 'launch' : 'launches'} in a row for capacity`,
    },
  };
}

/**
 * Phase: back off. After two or more tasks of the PRIMARY in a row stopped on their own or were refused
 * (since a task of it was last healthy for a whole reset window), the next launch waits, exponentially
 * longer (limits.ts crashLoopDelayMs). This holds before and after the deployment completed: a task that
 * passed its checks and died a second later is as much a crash as one that never started, and a
 * service whose tasks keep dying is relaunched no faster than this. Recorded on the deployment so the
 * API shows it.
 *
 * Words: "back-off" alone means this crash-loop back-off (CrashLoopBackoff, crashLoopDelayMs, the
 * deployment's backoffUntil, the backoff*Ms plan options). An AWS call's retry waits retryDelayMs
 * (lib/ecs/gateway.ts); a use case retrying a conflicting write calls sleepBeforeRetry.
 */

import type { Deployment } from '../../../domain';
import { isoOf } from '../../../time';
import { refusalsSince } from '../refusals';
import { becameHealthyAt, failedAt, stopBeganAt, stoppedOnItsOwn } from '../tasks';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_RESET_MS } from '../types';
import { crashLoopDelayMs } from './limits';
import { type PlanState, type RolloutState, rulesFor, tasksOf } from './state';

export interface CrashLoopBackoff {
  consecutiveFailures: number;
  /** Epoch ms; set once there have been two failures in a row. */
  until?: number;
}

/**
 * The last instant at which a task of the deployment had been healthy for `resetMs` (as Kubernetes
 * forgets a container's crash back-off after ten minutes of running well); failures before it are
 * forgotten. Merely becoming healthy is not enough: a crash loop's tasks may pass their checks first.
 */
const lastStableAt = (state: PlanState, deployment: Deployment, resetMs: number): number => {
  const rules = rulesFor(state, deployment.id);
  let stable = Number.NEGATIVE_INFINITY;
  for (const t of tasksOf(state, deployment.id)) {
    const healthyAt = becameHealthyAt(t, rules, state.now);
    if (healthyAt === undefined) continue;
    const stableAt = healthyAt + resetMs;
    if (stableAt <= (stopBeganAt(t) ?? state.now)) stable = Math.max(stable, stableAt);
  }
  return stable;
};

export function crashLoopBackoffOf(state: PlanState, deployment: Deployment): CrashLoopBackoff {
  const options = state.input.options;
  const since = lastStableAt(state, deployment, options?.backoffResetMs ?? DEFAULT_BACKOFF_RESET_MS);
  // A task taken out for failing its health checks failed then, before ECS reports it stopped: else the
  // pass that stops it (or whose drain is over) would launch its replacement as if it had not failed.
  const failures = tasksOf(state, deployment.id)
    .map((t) => (stoppedOnItsOwn(t) ? failedAt(t) : state.failingHealth.get(t.taskArn)))
    .filter((at): at is number => at !== undefined && at > since);
  // Tasks ECS refused to launch failed at the refusal.
  const refused = refusalsSince(deployment, since);
  const consecutive = failures.length + refused.count;
  if (consecutive < 2) return { consecutiveFailures: consecutive };
  const lastFailure = Math.max(...failures, refused.lastAt ?? Number.NEGATIVE_INFINITY);
  const delay = crashLoopDelayMs(
    consecutive,
    options?.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
    options?.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
  );
  return { consecutiveFailures: consecutive, until: lastFailure + delay };
}

/** Records the PRIMARY's backoff and returns it. */
export function recordCrashLoopBackoff(state: RolloutState): CrashLoopBackoff {
  const { primary } = state;
  const backoff = crashLoopBackoffOf(state, primary);
  primary.consecutiveFailures = backoff.consecutiveFailures;
  if (backoff.until === undefined) delete primary.backoffUntil;
  else primary.backoffUntil = isoOf(backoff.until);
  return backoff;
}

export const isBackingOff = (state: PlanState, backoff: CrashLoopBackoff): boolean =>
  backoff.until !== undefined && state.now < backoff.until;

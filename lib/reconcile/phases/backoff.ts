/**
 * Phase: back off. After two or more failed launches in a row (since the PRIMARY's last task became
 * healthy) the next launch waits, exponentially longer (limits.ts backoffDelayMs). Recorded on the
 * deployment so the API shows it.
 */

import type { Deployment } from '../../domain';
import { isoOf } from '../../time';
import { refusalsSince } from '../refusals';
import { becameHealthyAt, isFailedLaunch } from '../tasks';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from '../types';
import { backoffDelayMs } from './limits';
import { type PlanState, type RolloutState, rulesFor, tasksOf } from './state';

export interface Backoff {
  consecutiveFailures: number;
  /** Epoch ms; set once there have been two failures in a row. */
  until?: number;
}

export function backoffOf(state: PlanState, deployment: Deployment): Backoff {
  const { now } = state;
  const rules = rulesFor(state, deployment.id);
  const mine = tasksOf(state, deployment.id);
  let lastSuccess = Number.NEGATIVE_INFINITY;
  for (const t of mine) lastSuccess = Math.max(lastSuccess, becameHealthyAt(t, rules, now) ?? lastSuccess);
  const failures = mine.filter(
    (t) => isFailedLaunch(t, rules, now) && (t.stoppedAt ?? t.createdAt) > lastSuccess,
  );
  // Tasks ECS refused to launch failed at the refusal.
  const refused = refusalsSince(deployment, lastSuccess);
  const consecutive = failures.length + refused.count;
  if (consecutive < 2) return { consecutiveFailures: consecutive };
  const lastFailure = Math.max(
    ...failures.map((t) => t.stoppedAt ?? t.createdAt),
    refused.lastAt ?? Number.NEGATIVE_INFINITY,
  );
  const options = state.input.options;
  const delay = backoffDelayMs(
    consecutive,
    options?.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
    options?.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
  );
  return { consecutiveFailures: consecutive, until: lastFailure + delay };
}

/** Records the PRIMARY's backoff and returns it. */
export function backOff(state: RolloutState): Backoff {
  const { primary } = state;
  const backoff = backoffOf(state, primary);
  primary.consecutiveFailures = backoff.consecutiveFailures;
  if (backoff.until === undefined) delete primary.backoffUntil;
  else primary.backoffUntil = isoOf(backoff.until);
  return backoff;
}

export const isBackingOff = (state: PlanState, backoff: Backoff): boolean =>
  backoff.until !== undefined && state.now < backoff.until;

/**
 * The progressive benchmark's arithmetic, pure: percentiles, the configured length of a shift, a
 * production rule's weights over time (what the local load balancer forwarded, ModifyRule by ModifyRule)
 * and the requests the new group served from them.
 */

/** Nearest rank: the smallest value with at least p % of the values at or below it (0 for none). */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

export interface ShiftSettings {
  strategy: 'CANARY' | 'LINEAR';
  canaryBakeTimeInMinutes?: number;
  stepPercent?: number;
  stepBakeTimeInMinutes?: number;
  bakeTimeInMinutes: number;
}

/**
 * The configured time from the first production shift to the end of the bake: CANARY the canary bake;
 * LINEAR a step bake between steps (none after the step that reaches 100); then bakeTimeInMinutes.
 */
export const configuredSeconds = (settings: ShiftSettings): number => {
  const steps =
    settings.strategy === 'CANARY'
      ? (settings.canaryBakeTimeInMinutes ?? 0)
      : (Math.ceil(100 / (settings.stepPercent ?? 10)) - 1) * (settings.stepBakeTimeInMinutes ?? 0);
  return (steps + settings.bakeTimeInMinutes) * 60;
};

/** A rule's forward weights from `at` (epoch ms) on, target group ARN -> weight. */
export interface WeightsAt {
  at: number;
  weights: Record<string, number>;
}

/** The share (0..1) of a rule's traffic `group` gets with these weights (0 when nothing is forwarded). */
export const shareOf = (weights: Record<string, number>, group: string): number => {
  const total = Object.values(weights).reduce((sum, weight) => sum + weight, 0);
  return total > 0 ? (weights[group] ?? 0) / total : 0;
};

/** The weights in force at `at`: the last entry at or before it (the timeline is in time order). */
const weightsAt = (timeline: readonly WeightsAt[], at: number): Record<string, number> => {
  let current: Record<string, number> = {};
  for (const entry of timeline) {
    if (entry.at > at) break;
    current = entry.weights;
  }
  return current;
};

/** The first instant in [from, to] at which `group`'s share satisfies `test`, if any. */
export const firstShareAt = (
  timeline: readonly WeightsAt[],
  group: string,
  from: number,
  test: (share: number) => boolean,
  to = Number.POSITIVE_INFINITY,
): number | undefined => {
  if (test(shareOf(weightsAt(timeline, from), group))) return from;
  return timeline.find((entry) => entry.at > from && entry.at <= to && test(shareOf(entry.weights, group)))
    ?.at;
};

/**
 * Milliseconds of the whole rule's traffic `group` took over [start, end]: the integral of its share.
 * At a constant request rate, requests to the group / all requests = this / (end - start).
 */
export const groupShareMs = (
  timeline: readonly WeightsAt[],
  group: string,
  start: number,
  end: number,
): number => {
  if (end <= start) return 0;
  let total = 0;
  let at = start;
  let share = shareOf(weightsAt(timeline, start), group);
  for (const entry of timeline) {
    if (entry.at <= start) continue;
    if (entry.at >= end) break;
    total += share * (entry.at - at);
    at = entry.at;
    share = shareOf(entry.weights, group);
  }
  return total + share * (end - at);
};

/** Calls per (virtual) second, by action: the peak second of each, for comparison with the API's rates. */
export const peakPerSecond = (calls: readonly { action: string; at: number }[]): Record<string, number> => {
  const perSecond = new Map<string, number>();
  for (const { action, at } of calls) {
    const key = `${action}|${Math.floor(at / 1000)}`;
    perSecond.set(key, (perSecond.get(key) ?? 0) + 1);
  }
  const peaks: Record<string, number> = {};
  for (const [key, count] of perSecond) {
    const action = key.slice(0, key.indexOf('|'));
    peaks[action] = Math.max(peaks[action] ?? 0, count);
  }
  return peaks;
};

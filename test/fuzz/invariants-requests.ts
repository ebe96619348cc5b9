/**
 * Request-count auto scaling's promise (issue 25, item 4): `ALBRequestCountPerTarget` multiplies the
 * per-target value by the targets that served the requests, and does not scale out again on the same
 * samples before the tasks launched for the last scale-out have had the health check's time to serve.
 * Checked over what the run recorded for a request-scaled service: the requests per second set through
 * its listener, and every scale-out its request policy made.
 */

/** What the run records of one request-scaled service. */
export interface RequestHistory {
  /** Requests per target and minute the policy aims for. */
  targetValue: number;
  minCapacity: number;
  maxCapacity: number;
  /**
   * The least time a launched task takes to serve: its start (the endpoint's start time less its jitter)
   * plus the target group's health check time (healthy threshold x interval).
   */
  settleMs: number;
  /** Requests per second through the listener, from each instant on (oldest first). */
  rates: { at: number; requestsPerSecond: number }[];
  /** The request policy's scale-outs (oldest first). */
  scaleOuts: { at: number; fromCount: number; toCount: number }[];
}

/**
 * How far back a scale-out's samples reach: the evaluator reads the minutes completed before it runs
 * (a few seconds into a minute), so the latest sample covers a minute that ended up to 2 minutes earlier
 * and the rate set in those 2 minutes may be only partly in it.
 */
export const SAMPLE_LAG_MS = 120_000;
/**
 * Overshoot allowed over the demand: the local ELB's values are expected values (no sampling noise), so the
 * only slack is the scaler's own tolerance band (lib/scaling/decide.ts, 10 %), by which a count within it is
 * left alone and may stay one step above a demand that fell inside the band.
 */
export const OVERSHOOT_TOLERANCE = 0.1;

const rateAt = (history: RequestHistory, at: number): number => {
  let rate = 0;
  for (const change of history.rates) if (change.at <= at) rate = change.requestsPerSecond;
  return rate;
};

/** The highest rate in effect at any instant of (from, to]. */
const peakRate = (history: RequestHistory, from: number, to: number): number =>
  Math.max(
    rateAt(history, from),
    ...history.rates.filter((change) => change.at > from && change.at <= to).map((c) => c.requestsPerSecond),
  );

/**
 * `requestScalingNoOvershoot`: a request-scaled service's scale-out never goes over what the demand asks,
 * `ceil(requests per minute / targetValue x (1 + OVERSHOOT_TOLERANCE))` for the highest rate its samples can
 * have seen (the last SAMPLE_LAG_MS), within minCapacity..maxCapacity (and never below where it started);
 * and a scale-out does not follow the one before it sooner than the tasks launched for that one take to
 * serve (`settleMs`), unless the demand rose in between (a rate above the one the first scale-out's samples
 * saw). Returns the violations' messages.
 */
export function requestScalingNoOvershoot(history: RequestHistory): string[] {
  const found: string[] = [];
  const iso = (at: number) => new Date(at).toISOString();
  for (const [index, out] of history.scaleOuts.entries()) {
    const peak = peakRate(history, out.at - SAMPLE_LAG_MS, out.at);
    const demand = Math.ceil(((peak * 60) / history.targetValue) * (1 + OVERSHOOT_TOLERANCE));
    const bound = Math.max(
      out.fromCount,
      Math.min(history.maxCapacity, Math.max(history.minCapacity, demand)),
    );
    if (out.toCount > bound)
      found.push(
        `scaled out ${out.fromCount} -> ${out.toCount} at ${iso(out.at)} with at most ${peak} requests/s in the last ${SAMPLE_LAG_MS / 1000} s (targetValue ${history.targetValue}/min: at most ${bound})`,
      );
    const previous = history.scaleOuts[index - 1];
    if (!previous || out.at - previous.at >= history.settleMs) continue;
    const seen = rateAt(history, previous.at - SAMPLE_LAG_MS);
    const rose = peakRate(history, previous.at - SAMPLE_LAG_MS, out.at) > seen;
    if (!rose)
      found.push(
        `scaled out again ${out.fromCount} -> ${out.toCount} at ${iso(out.at)}, ${(out.at - previous.at) / 1000} s after ${previous.fromCount} -> ${previous.toCount}: its tasks need ${history.settleMs / 1000} s to serve, and the demand (${seen} requests/s) did not rise`,
      );
  }
  return found;
}

/**
 * The verdict of metric analysis, pure: one interval's figures of the new target group (and, with
 * compareToBaseline, the old one) against the bounds; the run of verdicts against failureLimit; and
 * whether a stage's bake time may end on the evidence gathered.
 *
 * Rules: a bound is crossed when the figure is strictly above it; with compareToBaseline the bound is
 * the baseline's figure plus the allowance. Too few requests (new group, or baseline when compared), or
 * a bounded p99 that is missing, is INCONCLUSIVE, never a pass. INCONCLUSIVE neither counts towards
 * failureLimit nor breaks a run of FAILs (low traffic must not hide a failing canary); only a PASS does.
 */
import {
  type AnalysisInterval,
  type AnalysisVerdict,
  DEFAULT_ANALYSIS_FAILURE_LIMIT,
  DEFAULT_ANALYSIS_MINIMUM_REQUESTS,
  type DeploymentAnalysis,
  type GroupFigures,
} from '../../../domain';

const round = (value: number): number => Math.round(value * 100) / 100;

/** 5xx per 100 requests; undefined without requests. */
export const errorRatePercent = (figures: GroupFigures): number | undefined =>
  figures.requests > 0 ? (100 * figures.errors5xx) / figures.requests : undefined;

/** One interval's verdict and figures. */
export function judgeInterval(
  config: DeploymentAnalysis,
  window: { start: string; end: string },
  canary: GroupFigures,
  baseline?: GroupFigures,
): AnalysisInterval {
  const minimum = config.minimumRequests ?? DEFAULT_ANALYSIS_MINIMUM_REQUESTS;
  const compared = config.compareToBaseline === true;
  const rate = errorRatePercent(canary);
  const baseRate = baseline ? errorRatePercent(baseline) : undefined;
  const interval: Omit<AnalysisInterval, 'verdict' | 'reason'> = {
    ...window,
    requests: canary.requests,
    ...(rate !== undefined ? { errorRatePercent: round(rate) } : {}),
    ...(canary.p99LatencyMs !== undefined ? { p99LatencyMs: round(canary.p99LatencyMs) } : {}),
    ...(compared && baseline ? { baselineRequests: baseline.requests } : {}),
    ...(compared && baseRate !== undefined ? { baselineErrorRatePercent: round(baseRate) } : {}),
    ...(compared && baseline?.p99LatencyMs !== undefined
      ? { baselineP99LatencyMs: round(baseline.p99LatencyMs) }
      : {}),
  };
  const verdict = (v: AnalysisVerdict, reason: string): AnalysisInterval => ({
    ...interval,
    verdict: v,
    reason,
  });

  if (canary.requests < minimum || rate === undefined)
    return verdict(
      'INCONCLUSIVE',
      `${canary.requests} requests to the new target group, fewer than ${minimum}`,
    );
  if (compared && (baseline === undefined || baseline.requests < minimum || baseRate === undefined))
    return verdict(
      'INCONCLUSIVE',
      `${baseline?.requests ?? 0} requests to the baseline target group, fewer than ${minimum}`,
    );

  const failures: string[] = [];
  let missing: string | undefined;
  if (config.maxErrorRatePercent !== undefined) {
    const bound = compared ? (baseRate ?? 0) + config.maxErrorRatePercent : config.maxErrorRatePercent;
    if (rate > bound)
      failures.push(
        `5xx rate ${round(rate)}% above ${round(bound)}%${compared ? ` (baseline ${round(baseRate ?? 0)}% + ${config.maxErrorRatePercent})` : ''}`,
      );
  }
  if (config.maxP99LatencyMs !== undefined) {
    const p99 = canary.p99LatencyMs;
    const baseP99 = baseline?.p99LatencyMs;
    if (p99 === undefined || (compared && baseP99 === undefined)) missing = 'no p99 latency datapoint';
    else {
      const bound = compared ? (baseP99 ?? 0) + config.maxP99LatencyMs : config.maxP99LatencyMs;
      if (p99 > bound)
        failures.push(
          `p99 latency ${round(p99)} ms above ${round(bound)} ms${compared ? ` (baseline ${round(baseP99 ?? 0)} ms + ${config.maxP99LatencyMs})` : ''}`,
        );
    }
  }
  if (failures.length > 0) return verdict('FAIL', failures.join('; '));
  if (missing !== undefined) return verdict('INCONCLUSIVE', missing);
  return verdict('PASS', 'within bounds');
}

/** FAILs since the last PASS, INCONCLUSIVE intervals skipped. */
export const failureRun = (intervals: readonly AnalysisInterval[]): number => {
  let run = 0;
  for (let i = intervals.length - 1; i >= 0; i--) {
    const v = intervals[i]?.verdict;
    if (v === 'PASS') break;
    if (v === 'FAIL') run++;
  }
  return run;
};

/** The deployment fails once failureLimit intervals have failed in a row. */
export const analysisFailed = (config: DeploymentAnalysis, intervals: readonly AnalysisInterval[]): boolean =>
  failureRun(intervals) >= (config.failureLimit ?? DEFAULT_ANALYSIS_FAILURE_LIMIT);

/**
 * May a stage whose bake time is over end, given the intervals judged since it began? Only on evidence:
 * with no PASS among them (all INCONCLUSIVE, or none yet) the stage HOLDs - it does not complete and says
 * so - until a conclusive interval passes or the deployment is stopped.
 */
export const bakeOutcome = (
  config: DeploymentAnalysis,
  stageIntervals: readonly AnalysisInterval[],
): 'PROCEED' | 'HOLD' | 'FAIL' => {
  if (analysisFailed(config, stageIntervals)) return 'FAIL';
  return stageIntervals.some((interval) => interval.verdict === 'PASS') ? 'PROCEED' : 'HOLD';
};

/** The message of a failed analysis, for rolloutStateReason and the service event. */
export const analysisFailureReason = (
  config: DeploymentAnalysis,
  intervals: readonly AnalysisInterval[],
): string => {
  const last = intervals[intervals.length - 1];
  const run = failureRun(intervals);
  return `analysis failed ${run} interval${run === 1 ? '' : 's'} in a row (failureLimit ${config.failureLimit ?? DEFAULT_ANALYSIS_FAILURE_LIMIT})${last ? `: ${last.start}..${last.end} ${last.requests} requests, ${last.reason}` : ''}`;
};

/** The interval as a service event. */
export const intervalEvent = (serviceName: string, deploymentId: string, i: AnalysisInterval): string =>
  `service ${serviceName} deployment ${deploymentId} analysis ${i.start}..${i.end}: ${i.verdict}, ${i.requests} requests${i.errorRatePercent !== undefined ? `, 5xx ${i.errorRatePercent}%` : ''}${i.p99LatencyMs !== undefined ? `, p99 ${i.p99LatencyMs} ms` : ''}${i.baselineRequests !== undefined ? `; baseline ${i.baselineRequests} requests${i.baselineErrorRatePercent !== undefined ? `, 5xx ${i.baselineErrorRatePercent}%` : ''}${i.baselineP99LatencyMs !== undefined ? `, p99 ${i.baselineP99LatencyMs} ms` : ''}` : ''} (${i.reason}).`;

/**
 * The progressive benchmark's result document: the contract's figures per strategy (good: durationRatio;
 * bad: detectSeconds, shiftBackSeconds, badRequestFraction for the analysis and the alarm), the targets,
 * which are met, and every scenario's own figures.
 */
import { BENCH_HEALTH_CHECK } from './load-balancing';

/** The bad revision's 5xx share (its image tag `errors5`), and the rate the alarm and analysis fail above. */
export const ERROR_PERCENT = 5;
export const ALARM_PERCENT = 1;
const TARGETS = { durationRatioAtMost: 1.05, detectP99AtMostSeconds: 120, shiftBackP99AtMostSeconds: 5 };

/** One scenario's figures, good or bad (each has its kind's). */
export interface ScenarioFigures {
  scenario: string;
  deployments: number;
  completed: number;
  failed: number;
  elbThrottled: number;
  /** Describe* calls past ELB's published bucket (the local endpoint throttles none; load-balancing.ts). */
  elbDescribeOverPublishedBudget?: number;
  elbCallsPerDeployment: number;
  durationRatio?: number;
  undetected?: number;
  detectSeconds?: { p99: number };
  shiftBackSeconds?: { p99: number };
  badRequestFraction?: number;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export const summarize = (
  options: { services: number; tasks: number; workers: number; requestsPerSecond: number },
  scenarios: ScenarioFigures[],
  wallMs: number,
) => {
  const by = (name: string) => scenarios.find((s) => s.scenario === name) as ScenarioFigures;
  const good = { canary: by('good-canary'), linear: by('good-linear') };
  const bad = {
    canary: { analysis: by('bad-canary-analysis'), alarm: by('bad-canary-alarm') },
    linear: { analysis: by('bad-linear-analysis'), alarm: by('bad-linear-alarm') },
  };
  const strategyMet = (strategy: 'canary' | 'linear') => {
    const { analysis, alarm } = bad[strategy];
    return {
      durationRatio:
        good[strategy].completed === good[strategy].deployments &&
        (good[strategy].durationRatio ?? Number.POSITIVE_INFINITY) <= TARGETS.durationRatioAtMost,
      analysisDetectP99:
        analysis.undetected === 0 &&
        (analysis.detectSeconds?.p99 ?? Number.POSITIVE_INFINITY) <= TARGETS.detectP99AtMostSeconds,
      shiftBackP99: [analysis, alarm].every(
        (s) => (s.shiftBackSeconds?.p99 ?? 0) <= TARGETS.shiftBackP99AtMostSeconds,
      ),
      analysisHalvesBadRequests: (analysis.badRequestFraction ?? 1) <= (alarm.badRequestFraction ?? 0) / 2,
    };
  };
  const met = {
    canary: strategyMet('canary'),
    linear: strategyMet('linear'),
    elbThrottled: scenarios.every((s) => s.elbThrottled === 0),
  };
  return {
    name: 'progressive',
    services: options.services,
    tasksPerService: options.tasks,
    workers: options.workers,
    time: 'virtual',
    requestsPerSecondPerService: options.requestsPerSecond,
    badRevisionErrorPercent: ERROR_PERCENT,
    alarm: `HTTPCode_Target_5XX_Count Sum of the new group > ${ALARM_PERCENT} % of the service's requests a minute (${(options.requestsPerSecond * 60 * ALARM_PERCENT) / 100}), 3 of 3 one-minute datapoints, missing = not breaching (the local CloudWatch has no metric-math alarms)`,
    analysis: { maxErrorRatePercent: ALARM_PERCENT, intervalSeconds: 60, failureLimit: 1 },
    healthCheck: BENCH_HEALTH_CHECK,
    good: {
      canary: pick(good.canary, [
        'durationRatio',
        'durationRatioP50',
        'durationSeconds',
        'configuredSeconds',
        'deployToCompletedSeconds',
        'completed',
        'failed',
      ]),
      linear: pick(good.linear, [
        'durationRatio',
        'durationRatioP50',
        'durationSeconds',
        'configuredSeconds',
        'deployToCompletedSeconds',
        'completed',
        'failed',
      ]),
    },
    bad: Object.fromEntries(
      Object.entries(bad).map(([strategy, pair]) => [
        strategy,
        Object.fromEntries(
          Object.entries(pair).map(([judge, s]) => [
            judge,
            pick(s, [
              'detectSeconds',
              'shiftBackSeconds',
              'badRequestFraction',
              'detected',
              'undetected',
              'failedBy',
            ]),
          ]),
        ),
      ]),
    ),
    elbCallsPerDeployment: Object.fromEntries(scenarios.map((s) => [s.scenario, s.elbCallsPerDeployment])),
    elbThrottled: scenarios.reduce((sum, s) => sum + s.elbThrottled, 0),
    // The fleet's endpoint throttles as ELB publishes (bench/support/load-balancing.ts), so elbThrottled counts
    // real refusals; this counts the Describe* calls that bucket (40, then 10 a second) refuses, kept apart
    // so a run with the endpoint's throttle off still shows them.
    elbDescribeOverPublishedBudget: Object.fromEntries(
      scenarios.map((s) => [s.scenario, s.elbDescribeOverPublishedBudget ?? 0]),
    ),
    targets: {
      durationRatioAtMost: TARGETS.durationRatioAtMost,
      analysisDetectP99AtMostSeconds: TARGETS.detectP99AtMostSeconds,
      shiftBackP99AtMostSeconds: TARGETS.shiftBackP99AtMostSeconds,
      analysisBadRequestFractionAtMost: 'half of the alarm variant',
      elbThrottled: 0,
    },
    met,
    pass:
      met.elbThrottled && [met.canary, met.linear].every((figures) => Object.values(figures).every(Boolean)),
    scenarios,
    wallSeconds: round(wallMs / 1000),
  };
};

const pick = <T extends object>(value: T, keys: string[]) =>
  Object.fromEntries(
    keys.filter((key) => key in value).map((key) => [key, (value as Record<string, unknown>)[key]]),
  );

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  AnalysisInterval,
  AnalysisVerdict,
  DeploymentAnalysis,
  GroupFigures,
} from '../../../../lib/domain';
import {
  analysisFailed,
  bakeOutcome,
  failureRun,
  judgeInterval,
} from '../../../../lib/reconcile/plan/phases/analysis';

const window = { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:01:00.000Z' };
const g = (requests: number, errors5xx: number, p99LatencyMs?: number): GroupFigures => ({
  requests,
  errors5xx,
  ...(p99LatencyMs !== undefined ? { p99LatencyMs } : {}),
});

describe('judgeInterval', () => {
  const cases: [string, DeploymentAnalysis, GroupFigures, GroupFigures | undefined, AnalysisVerdict][] = [
    ['5% errors over a 1% bound fails', { maxErrorRatePercent: 1 }, g(1000, 50, 20), undefined, 'FAIL'],
    ['exactly at the bound passes', { maxErrorRatePercent: 5 }, g(1000, 50, 20), undefined, 'PASS'],
    ['no errors passes', { maxErrorRatePercent: 1 }, g(100, 0, 20), undefined, 'PASS'],
    [
      'fewer than minimumRequests is inconclusive even at 100% errors',
      { maxErrorRatePercent: 1, minimumRequests: 50 },
      g(49, 49, 20),
      undefined,
      'INCONCLUSIVE',
    ],
    ['no request at all is inconclusive', { maxErrorRatePercent: 1 }, g(0, 0), undefined, 'INCONCLUSIVE'],
    ['slow p99 fails', { maxP99LatencyMs: 200 }, g(100, 0, 250), undefined, 'FAIL'],
    ['bounded p99 missing is inconclusive', { maxP99LatencyMs: 200 }, g(100, 0), undefined, 'INCONCLUSIVE'],
    [
      'missing p99 but errors over the bound still fails',
      { maxP99LatencyMs: 200, maxErrorRatePercent: 1 },
      g(100, 10),
      undefined,
      'FAIL',
    ],
    [
      'relative: 5% vs baseline 4.5% within +1 passes',
      { maxErrorRatePercent: 1, compareToBaseline: true },
      g(1000, 50, 20),
      g(1000, 45, 20),
      'PASS',
    ],
    [
      'relative: 5% vs baseline 0% over +1 fails',
      { maxErrorRatePercent: 1, compareToBaseline: true },
      g(1000, 50, 20),
      g(1000, 0, 20),
      'FAIL',
    ],
    [
      'relative: baseline without traffic is inconclusive',
      { maxErrorRatePercent: 1, compareToBaseline: true, minimumRequests: 10 },
      g(1000, 50),
      g(5, 0),
      'INCONCLUSIVE',
    ],
    [
      'relative: no baseline figures is inconclusive',
      { maxErrorRatePercent: 1, compareToBaseline: true },
      g(1000, 50),
      undefined,
      'INCONCLUSIVE',
    ],
    [
      'relative p99: 300 vs baseline 250 + 100 passes',
      { maxP99LatencyMs: 100, compareToBaseline: true },
      g(100, 0, 300),
      g(100, 0, 250),
      'PASS',
    ],
    [
      'relative p99: 400 vs baseline 250 + 100 fails',
      { maxP99LatencyMs: 100, compareToBaseline: true },
      g(100, 0, 400),
      g(100, 0, 250),
      'FAIL',
    ],
    [
      'baseline ignored without compareToBaseline',
      { maxErrorRatePercent: 1 },
      g(1000, 50, 20),
      g(1000, 60, 20),
      'FAIL',
    ],
  ];
  it.each(cases)('%s', (_name, config, canary, baseline, expected) => {
    expect(judgeInterval(config, window, canary, baseline).verdict).toBe(expected);
  });

  it('records the figures of both groups with compareToBaseline', () => {
    const interval = judgeInterval(
      { maxErrorRatePercent: 1, compareToBaseline: true },
      window,
      g(200, 10, 31.234),
      g(300, 3, 12),
    );
    expect(interval).toMatchObject({
      ...window,
      requests: 200,
      errorRatePercent: 5,
      p99LatencyMs: 31.23,
      baselineRequests: 300,
      baselineErrorRatePercent: 1,
      baselineP99LatencyMs: 12,
      verdict: 'FAIL',
    });
    expect(interval.reason).toContain('5xx rate 5% above 2%');
  });
});

const figures = fc
  .record({
    requests: fc.nat(10_000),
    rate: fc.double({ min: 0, max: 1, noNaN: true }),
    p99: fc.option(fc.nat(5000), { nil: undefined }),
  })
  .map(({ requests, rate, p99 }) => g(requests, Math.floor(requests * rate), p99));
const config = fc.record(
  {
    maxErrorRatePercent: fc.double({ min: 0, max: 100, noNaN: true }),
    maxP99LatencyMs: fc.nat(5000),
    compareToBaseline: fc.boolean(),
    failureLimit: fc.integer({ min: 1, max: 5 }),
    minimumRequests: fc.integer({ min: 1, max: 500 }),
  },
  { requiredKeys: [] },
);

describe('judgeInterval properties', () => {
  it('an interval under minimumRequests is never a pass', () => {
    fc.assert(
      fc.property(config, figures, fc.option(figures, { nil: undefined }), (c, canary, baseline) => {
        const v = judgeInterval(c, window, canary, baseline).verdict;
        if (canary.requests < (c.minimumRequests ?? 1)) expect(v).toBe('INCONCLUSIVE');
      }),
    );
  });
  it('more 5xx never turns a FAIL into a PASS', () => {
    fc.assert(
      fc.property(
        config,
        figures,
        fc.option(figures, { nil: undefined }),
        fc.nat(1000),
        (c, canary, baseline, more) => {
          const before = judgeInterval(c, window, canary, baseline).verdict;
          const worse = g(
            canary.requests,
            Math.min(canary.requests, canary.errors5xx + more),
            canary.p99LatencyMs,
          );
          const after = judgeInterval(c, window, worse, baseline).verdict;
          if (before === 'FAIL') expect(after).toBe('FAIL');
        },
      ),
    );
  });
  it('a worse baseline never turns a PASS into a FAIL', () => {
    fc.assert(
      fc.property(config, figures, figures, fc.nat(1000), (c, canary, baseline, more) => {
        const cc = { ...c, compareToBaseline: true };
        const before = judgeInterval(cc, window, canary, baseline).verdict;
        const worse = g(
          baseline.requests,
          Math.min(baseline.requests, baseline.errors5xx + more),
          baseline.p99LatencyMs,
        );
        if (before === 'PASS') expect(judgeInterval(cc, window, canary, worse).verdict).not.toBe('FAIL');
      }),
    );
  });
});

const iv = (verdict: AnalysisVerdict): AnalysisInterval => ({ ...window, requests: 1, verdict, reason: '' });
const runs = (s: string): AnalysisInterval[] =>
  [...s].map((c) => iv(c === 'P' ? 'PASS' : c === 'F' ? 'FAIL' : 'INCONCLUSIVE'));

describe('failureLimit and bake', () => {
  const cases: [string, number, boolean][] = [
    ['F', 1, true],
    ['F', 2, false],
    ['FF', 2, true],
    ['FPF', 2, false],
    ['FIF', 2, true],
    ['FFP', 1, false],
    ['III', 1, false],
    ['', 1, false],
  ];
  it.each(cases)('%s with failureLimit %d fails: %s', (seq, failureLimit, expected) => {
    expect(analysisFailed({ failureLimit }, runs(seq))).toBe(expected);
  });
  it('failureLimit defaults to 1', () => {
    expect(analysisFailed({}, runs('PF'))).toBe(true);
  });

  const bake: [string, ReturnType<typeof bakeOutcome>][] = [
    ['', 'HOLD'],
    ['III', 'HOLD'],
    ['IPI', 'PROCEED'],
    ['PF', 'FAIL'],
  ];
  it.each(bake)('bake ending after %j: %s', (seq, expected) => {
    expect(bakeOutcome({}, runs(seq))).toBe(expected);
  });

  it('property: a bake never proceeds without a PASS, and INCONCLUSIVE never changes the failure run', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<AnalysisVerdict>('PASS', 'FAIL', 'INCONCLUSIVE'), { maxLength: 30 }),
        fc.nat(30),
        (verdicts, at) => {
          const intervals = verdicts.map(iv);
          if (bakeOutcome({ failureLimit: 3 }, intervals) === 'PROCEED') expect(verdicts).toContain('PASS');
          const withGap = [...intervals];
          withGap.splice(Math.min(at, withGap.length), 0, iv('INCONCLUSIVE'));
          expect(failureRun(withGap)).toBe(failureRun(intervals));
        },
      ),
    );
  });
});

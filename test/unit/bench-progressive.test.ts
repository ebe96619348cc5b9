/** The progressive benchmark's arithmetic (bench/support/progressive-stats.ts). */
import { describe, expect, it } from 'vitest';
import {
  configuredSeconds,
  firstShareAt,
  groupShareMs,
  peakPerSecond,
  percentile,
  shareOf,
  type WeightsAt,
} from '../../bench/support/progressive-stats';
import { type ScenarioFigures, summarize } from '../../bench/support/progressive-summary';

const BLUE = 'blue';
const GREEN = 'green';
/** Blue alone until 10 s, 5 % green (ELB's 950/50) until 130 s, all green until 200 s, back to blue. */
const timeline: WeightsAt[] = [
  { at: 0, weights: { [BLUE]: 1 } },
  { at: 10_000, weights: { [BLUE]: 950, [GREEN]: 50 } },
  { at: 130_000, weights: { [BLUE]: 0, [GREEN]: 1 } },
  { at: 200_000, weights: { [BLUE]: 1, [GREEN]: 0 } },
];

describe('progressive benchmark arithmetic', () => {
  it('percentile is the nearest rank, 0 with no values', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7, 3], 50)).toBe(3);
    expect(percentile([], 99)).toBe(0);
  });

  it('the configured time: the canary bake, or a step bake between linear steps, plus the final bake', () => {
    expect(configuredSeconds({ strategy: 'CANARY', canaryBakeTimeInMinutes: 2, bakeTimeInMinutes: 5 })).toBe(
      420,
    );
    // 20 % steps reach 100 in five steps: four bakes between them.
    expect(
      configuredSeconds({
        strategy: 'LINEAR',
        stepPercent: 20,
        stepBakeTimeInMinutes: 1,
        bakeTimeInMinutes: 5,
      }),
    ).toBe(540);
    expect(
      configuredSeconds({
        strategy: 'LINEAR',
        stepPercent: 30,
        stepBakeTimeInMinutes: 2,
        bakeTimeInMinutes: 0,
      }),
    ).toBe(360);
  });

  it('a share is weight over the sum of weights, 0 when nothing is forwarded', () => {
    expect(shareOf({ [BLUE]: 950, [GREEN]: 50 }, GREEN)).toBe(0.05);
    expect(shareOf({ [BLUE]: 1 }, GREEN)).toBe(0);
    expect(shareOf({}, GREEN)).toBe(0);
  });

  it('finds the first shift to a group and the instant it is back at 0', () => {
    expect(firstShareAt(timeline, GREEN, 0, (share) => share > 0)).toBe(10_000);
    expect(firstShareAt(timeline, GREEN, 150_000, (share) => share === 0)).toBe(200_000);
    // Already true at the start: the start.
    expect(firstShareAt(timeline, GREEN, 250_000, (share) => share === 0)).toBe(250_000);
    expect(firstShareAt(timeline, GREEN, 0, (share) => share > 0.5, 100_000)).toBeUndefined();
  });

  it("integrates a group's share over a window, cutting entries at its ends", () => {
    // 120 s at 5 % and 70 s at 100 %.
    expect(groupShareMs(timeline, GREEN, 0, 300_000)).toBeCloseTo(120_000 * 0.05 + 70_000, 6);
    // From inside the canary: 60 s of it.
    expect(groupShareMs(timeline, GREEN, 70_000, 130_000)).toBeCloseTo(3_000, 6);
    expect(groupShareMs(timeline, GREEN, 160_000, 180_000)).toBe(20_000);
    expect(groupShareMs(timeline, GREEN, 10, 10)).toBe(0);
  });

  it('peak calls a second, by action', () => {
    const calls = [
      { action: 'DescribeRules', at: 1_000 },
      { action: 'DescribeRules', at: 1_999 },
      { action: 'DescribeRules', at: 2_000 },
      { action: 'ModifyRule', at: 2_500 },
    ];
    expect(peakPerSecond(calls)).toEqual({ DescribeRules: 2, ModifyRule: 1 });
  });
});

describe('progressive benchmark summary', () => {
  const scenario = (name: string, figures: Partial<ScenarioFigures>): ScenarioFigures => ({
    scenario: name,
    deployments: 10,
    completed: 0,
    failed: 10,
    elbThrottled: 0,
    elbCallsPerDeployment: 90,
    ...figures,
  });
  const bad = (detect: number, fraction: number) => ({
    undetected: 0,
    detectSeconds: { p99: detect },
    shiftBackSeconds: { p99: 0 },
    badRequestFraction: fraction,
  });
  const scenarios = [
    scenario('good-canary', { completed: 10, failed: 0, durationRatio: 1.02 }),
    scenario('good-linear', { completed: 10, failed: 0, durationRatio: 1.06 }),
    scenario('bad-canary-alarm', bad(421, 0.7)),
    scenario('bad-linear-alarm', bad(240, 0.47)),
    scenario('bad-canary-analysis', bad(120, 0.04)),
    scenario('bad-linear-analysis', bad(372, 0.63)),
  ];
  const options = { services: 10, tasks: 3, workers: 10, requestsPerSecond: 100 };

  it('judges each strategy against the targets on its own', () => {
    const summary = summarize(options, scenarios, 1000);
    expect(summary.met.canary).toEqual({
      durationRatio: true,
      analysisDetectP99: true,
      shiftBackP99: true,
      analysisHalvesBadRequests: true,
    });
    expect(summary.met.linear).toEqual({
      durationRatio: false,
      analysisDetectP99: false,
      shiftBackP99: true,
      analysisHalvesBadRequests: false,
    });
    expect(summary.pass).toBe(false);
    expect(summary.bad).toMatchObject({ canary: { analysis: { badRequestFraction: 0.04 } } });
  });

  it('an undetected bad deploy misses detection, and a throttled ELB call misses throughout', () => {
    const undetected = scenarios.map((s) =>
      s.scenario === 'bad-canary-analysis' ? { ...s, undetected: 1 } : s,
    );
    expect(summarize(options, undetected, 1000).met.canary.analysisDetectP99).toBe(false);
    const throttled = scenarios.map((s) => ({ ...s, elbThrottled: s.scenario === 'good-canary' ? 1 : 0 }));
    expect(summarize(options, throttled, 1000).met.elbThrottled).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { projectOnto } from '../../cli/commands/apply';
import { analysisLine, lineDiff, shiftWords } from '../../cli/render';
import { freshAnalysisLines, parseDuration, verdict } from '../../cli/watch';

const deployment = (id: string, extra: Record<string, unknown> = {}) =>
  ({
    id,
    status: 'PRIMARY',
    taskDefinition: 'web:2',
    desiredCount: 3,
    runningCount: 1,
    pendingCount: 0,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment in progress.',
    ...extra,
  }) as any;

describe('the CLI verdict on a watched deployment (exit codes)', () => {
  it('is 0 when COMPLETED, 1 with the reason when FAILED, and not done while IN_PROGRESS', () => {
    expect(verdict({ deployments: [deployment('d1')] }, 'd1')).toEqual({ done: false });
    expect(verdict({ deployments: [deployment('d1', { rolloutState: 'COMPLETED' })] }, 'd1')).toMatchObject({
      done: true,
      exitCode: 0,
    });
    const failed = verdict(
      {
        deployments: [
          deployment('d2', { taskDefinition: 'web:1', rollbackOf: 'd1' }),
          deployment('d1', {
            status: 'INACTIVE',
            rolloutState: 'FAILED',
            rolloutStateReason: 'circuit breaker tripped.',
          }),
        ],
      },
      'd1',
    );
    expect(failed).toMatchObject({ done: true, exitCode: 1 });
    expect(failed.done && failed.message).toBe(
      'deployment d1 FAILED: circuit breaker tripped; rolling back to web:1 (deployment d2)',
    );
  });

  it('is 1 when metric analysis failed a traffic shift and rolled it back', () => {
    const result = verdict(
      {
        deployments: [
          deployment('d2', { taskDefinition: 'web:1', rollbackOf: 'd1', rolloutState: 'COMPLETED' }),
          deployment('d1', {
            status: 'INACTIVE',
            rolloutState: 'FAILED',
            rolloutStateReason:
              'analysis failed 1 interval in a row (failureLimit 1): 2026-12-01T00:01:00.000Z..2026-12-01T00:02:00.000Z 212 requests, 5xx rate 4.72% above 1%.',
            trafficShift: { strategy: 'CANARY', stage: 'ROLLBACK', productionPercent: 0, routes: [] },
          }),
        ],
      },
      'd1',
    );
    expect(result).toMatchObject({ done: true, exitCode: 1 });
    expect(result.done && result.message).toBe(
      'deployment d1 FAILED: analysis failed 1 interval in a row (failureLimit 1): 2026-12-01T00:01:00.000Z..2026-12-01T00:02:00.000Z 212 requests, 5xx rate 4.72% above 1%; rolling back to web:1 (deployment d2)',
    );
  });

  it('is 1 when the deployment was superseded before it completed', () => {
    const result = verdict(
      {
        deployments: [
          deployment('d2', { taskDefinition: 'web:3' }),
          deployment('d1', { status: 'INACTIVE' }),
        ],
      },
      'd1',
    );
    expect(result).toMatchObject({ done: true, exitCode: 1 });
    expect(result.done && result.message).toContain('superseded by d2 (web:3)');
  });
});

describe('CLI helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });

  it('diffs lines, deletions before additions, and says nothing for equal texts', () => {
    expect(lineDiff('a\nb\nc', 'a\nb\nc')).toBe('');
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toBe('  a\n- b\n+ B\n  c');
    expect(lineDiff('', 'x')).toBe('+ x');
  });

  it('compares a stored service only on the fields the file names', () => {
    const stored = {
      desiredCount: 3,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, minReadySeconds: 5 },
    };
    expect(projectOnto(stored, { deploymentConfiguration: { minReadySeconds: 1 } })).toEqual({
      deploymentConfiguration: { minReadySeconds: 5 },
    });
  });
});

/** A canary's shift at 12.5 % of production. */
const shift = {
  strategy: 'CANARY' as const,
  stage: 'PRODUCTION_TRAFFIC_SHIFT' as const,
  stageStartedAt: '2026-12-01T00:00:00.000Z',
  productionPercent: 12.5,
  routes: [],
  bakeTimeInMinutes: 0,
};

describe('a traffic shift in a deployment line', () => {
  it('names the strategy, the stage and the production split old/new', () => {
    expect(shiftWords(shift)).toBe('CANARY PRODUCTION_TRAFFIC_SHIFT prod 87.5/12.5');
  });

  it('says when it awaits approval at this stage, and no longer once continued', () => {
    const approval = { stage: 'PRODUCTION_TRAFFIC_SHIFT' as const, pausedAt: '2026-12-01T00:01:00.000Z' };
    expect(shiftWords({ ...shift, approval })).toContain('awaiting approval');
    expect(
      shiftWords({ ...shift, approval: { ...approval, continuedAt: '2026-12-01T00:02:00.000Z' } }),
    ).not.toContain('awaiting approval');
  });

  it('says when it holds for a passing analysis interval, and no longer once one passed', () => {
    const held = { ...shift, analysisHeldAt: '2026-12-01T00:05:00.000Z' };
    expect(shiftWords(held)).toBe(
      'CANARY PRODUCTION_TRAFFIC_SHIFT prod 87.5/12.5  holding for a passing analysis interval',
    );
    expect(shiftWords({ ...held, analysisPassedAt: '2026-12-01T00:07:00.000Z' })).not.toContain('holding');
  });
});

describe('analysis intervals in the CLI', () => {
  const interval = (end: string, extra: Record<string, unknown> = {}) =>
    ({
      start: `2026-12-01T00:0${Number(end) - 1}:00.000Z`,
      end: `2026-12-01T00:0${end}:00.000Z`,
      requests: 212,
      errorRatePercent: 0.47,
      p99LatencyMs: 80,
      verdict: 'PASS',
      reason: 'within bounds',
      ...extra,
    }) as any;

  it('prints the window, verdict, requests, 5xx rate and p99 with their bounds, and the reason unless passed', () => {
    const config = { maxErrorRatePercent: 1, maxP99LatencyMs: 500 };
    expect(analysisLine(interval('2'), config)).toBe(
      'analysis 00:01:00..00:02:00 PASS  212 requests  5xx 0.47% (max 1%)  p99 80 ms (max 500 ms)',
    );
    expect(
      analysisLine(
        interval('2', { errorRatePercent: 4.72, verdict: 'FAIL', reason: '5xx rate 4.72% above 1%' }),
        { maxErrorRatePercent: 1 },
      ),
    ).toBe(
      'analysis 00:01:00..00:02:00 FAIL  212 requests  5xx 4.72% (max 1%)  p99 80 ms  5xx rate 4.72% above 1%',
    );
    expect(
      analysisLine(
        interval('2', {
          requests: 0,
          errorRatePercent: undefined,
          p99LatencyMs: undefined,
          verdict: 'INCONCLUSIVE',
          reason: '0 requests to the new target group, fewer than 1',
        }),
        config,
      ),
    ).toBe(
      'analysis 00:01:00..00:02:00 INCONCLUSIVE  0 requests  5xx -  p99 -  0 requests to the new target group, fewer than 1',
    );
  });

  it('states a compared bound as the baseline figure plus the allowance', () => {
    expect(
      analysisLine(interval('2', { baselineErrorRatePercent: 0.2, baselineP99LatencyMs: 60 }), {
        maxErrorRatePercent: 1,
        maxP99LatencyMs: 50,
        compareToBaseline: true,
      }),
    ).toBe(
      'analysis 00:01:00..00:02:00 PASS  212 requests  5xx 0.47% (max baseline 0.2% + 1%)  p99 80 ms (max baseline 60 ms + 50 ms)',
    );
  });

  it('gives each newly judged interval of the watched deployment once', () => {
    const seen = new Set<string>();
    const service = (intervals: unknown[]) =>
      ({
        deploymentConfiguration: { analysis: { maxErrorRatePercent: 1 } },
        deployments: [deployment('d1', { analysis: { intervals } }), deployment('d0', { status: 'ACTIVE' })],
      }) as any;
    expect(freshAnalysisLines(service([]), 'd1', seen)).toEqual([]);
    expect(freshAnalysisLines(service([interval('2')]), 'd1', seen)).toEqual([
      'analysis 00:01:00..00:02:00 PASS  212 requests  5xx 0.47% (max 1%)  p99 80 ms',
    ]);
    const next = freshAnalysisLines(
      service([interval('2'), interval('3', { verdict: 'FAIL', reason: 'x' })]),
      'd1',
      seen,
    );
    expect(next).toHaveLength(1);
    expect(next[0]).toContain('00:02:00..00:03:00 FAIL');
    expect(freshAnalysisLines(service([interval('2'), interval('3')]), 'd1', seen)).toEqual([]);
    expect(freshAnalysisLines(service([interval('2')]), 'd0', new Set())).toEqual([]);
  });
});

describe('a lifecycle hook in the CLI', () => {
  it('says when it awaits a lifecycle hook, and at which stage', () => {
    const hook = {
      lifecycleStage: 'POST_PRODUCTION_TRAFFIC_SHIFT' as const,
      hookIndex: 0,
      hookTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:check',
      executionId: 'x1',
      status: 'IN_PROGRESS' as const,
      startedAt: '2026-12-01T00:01:00.000Z',
      nextInvokeAt: '2026-12-01T00:01:30.000Z',
      invocations: 1,
    };
    expect(shiftWords({ ...shift, hook })).toContain(
      'awaiting lifecycle hook at POST_PRODUCTION_TRAFFIC_SHIFT',
    );
    expect(shiftWords(shift)).not.toContain('awaiting');
    const rollingBack = shiftWords({ ...shift, stage: 'ROLLBACK', productionPercent: 0, hook });
    expect(rollingBack).toContain(
      'calling lifecycle hook at POST_PRODUCTION_TRAFFIC_SHIFT (the rollback does not wait for it)',
    );
    expect(rollingBack).not.toContain('awaiting');
  });
});

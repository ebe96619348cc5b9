import { describe, expect, it } from 'vitest';
import { projectOnto } from '../../cli/commands/apply';
import { lineDiff, shiftWords } from '../../cli/render';
import { parseDuration, verdict } from '../../cli/watch';

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

describe('a traffic shift in a deployment line', () => {
  const shift = {
    strategy: 'CANARY' as const,
    stage: 'PRODUCTION_TRAFFIC_SHIFT' as const,
    stageStartedAt: '2026-12-01T00:00:00.000Z',
    productionPercent: 12.5,
    routes: [],
    bakeTimeInMinutes: 0,
  };

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
  });
});

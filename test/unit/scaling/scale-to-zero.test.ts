import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ValidationError } from '../../../lib/errors';
import { decideScaling, type PolicyInput } from '../../../lib/scaling/decide';
import { evaluateScaling } from '../../../lib/scaling/evaluate';
import { autoScalingSchema } from '../../../lib/validation/autoscaling';
import { parseInput } from '../../../lib/validation/parse';
import { minute, now, service, world } from './world';

const body = z.strictObject({ autoScaling: autoScalingSchema() });
const failure = (autoScaling: unknown): string | undefined => {
  try {
    parseInput(body, { autoScaling });
    return undefined;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.message;
  }
};

const cpu = { name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 50 };
const requests = {
  name: 'requests',
  metric: {
    predefined: 'ALBRequestCountPerTarget',
    targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef',
  },
  targetValue: 100,
};
const jobs = (total?: boolean) => ({
  name: 'jobs',
  metric: {
    custom: {
      namespace: 'Shop',
      metricName: 'Jobs',
      statistic: 'Sum',
      ...(total === undefined ? {} : { total }),
    },
  },
  targetValue: 10,
});
const queue = {
  name: 'queue',
  metric: { queueBacklogPerTask: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' } },
  targetValue: 10,
};

describe('minCapacity 0 needs a policy that sees demand at 0 tasks', () => {
  it.each([
    ['CPU', [cpu]],
    ['requests per target', [requests]],
    ['a custom per-task metric', [jobs()]],
    ['a custom metric marked not total', [jobs(false)]],
  ])('refuses 0 with %s alone, saying why', (_what, targetTracking) => {
    const message = failure({ minCapacity: 0, maxCapacity: 5, targetTracking });
    expect(message).toMatch(/: autoScaling\.minCapacity: must be at least 1 \(at 0 tasks a per-task metric/);
    expect(message).toContain('never scale out again');
  });

  it.each([
    ['a queue backlog', [queue]],
    ['a custom metric marked total', [jobs(true)]],
    ['CPU with a queue backlog', [cpu, queue]],
  ])('takes 0 with %s', (_what, targetTracking) => {
    expect(failure({ minCapacity: 0, maxCapacity: 5, targetTracking })).toBeUndefined();
  });

  it('lets a schedule switch a CPU-scaled service off (min and max 0), not leave it at 0 with room above', () => {
    const night = { name: 'night', schedule: 'cron(0 20 * * ? *)', minCapacity: 0, maxCapacity: 0 };
    const morning = { name: 'morning', schedule: 'cron(0 7 * * ? *)', minCapacity: 2, maxCapacity: 10 };
    expect(
      failure({ minCapacity: 2, maxCapacity: 10, targetTracking: [cpu], scheduled: [night, morning] }),
    ).toBeUndefined();
    expect(
      failure({
        minCapacity: 2,
        maxCapacity: 10,
        targetTracking: [cpu],
        scheduled: [{ ...night, maxCapacity: 3 }],
      }),
    ).toMatch(/: autoScaling\.scheduled\[0\]\.minCapacity: must be at least 1 unless maxCapacity is 0 too/);
  });
});

describe('a total metric scales from and to 0', () => {
  const total = (value: number): PolicyInput => ({
    name: 'jobs',
    metric: { kind: 'custom', metricName: 'Jobs', total: true },
    targetValue: 10,
    scaleOutCooldownSeconds: 60,
    scaleInCooldownSeconds: 0,
    disableScaleIn: false,
    samples: [{ at: now, value }],
  });
  const at = (current: number) => ({
    now,
    current,
    running: current,
    minCapacity: 0,
    maxCapacity: 10,
    deploymentInProgress: false,
  });

  it('from 0 tasks: ceil(total / target)', () => {
    expect(decideScaling([total(25)], at(0)).desiredCount).toBe(3);
  });

  it('as a total, not per task: 25 jobs over 3 tasks need 3 tasks, not 8', () => {
    expect(decideScaling([total(25)], at(3)).desiredCount).toBe(3);
    expect(decideScaling([total(0)], at(3)).desiredCount).toBe(0);
  });
});

describe('a scheduled night at 0 comes back in the morning', () => {
  it('switches a CPU-scaled service off at night and raises it again at the next action', async () => {
    const autoScaling = autoScalingSchema().parse({
      minCapacity: 2,
      maxCapacity: 10,
      targetTracking: [cpu],
      scheduled: [
        { name: 'night', schedule: 'at(2026-12-01T12:00:00)', minCapacity: 0, maxCapacity: 0 },
        { name: 'morning', schedule: 'at(2026-12-01T12:10:00)', minCapacity: 2, maxCapacity: 10 },
      ],
    });
    const w = world([service('web', autoScaling, { desiredCount: 3, runningCount: 3 })]);
    w.states.get('web')!.lastEvaluatedAt = now - minute;
    await evaluateScaling(w.deps);
    expect(w.byName.get('web')!.desiredCount).toBe(0);
    w.byName.set('web', { ...w.byName.get('web')!, runningCount: 0 });
    w.deps.now = now + 10 * minute;
    await evaluateScaling(w.deps);
    expect(w.byName.get('web')!).toMatchObject({
      desiredCount: 2,
      autoScaling: { minCapacity: 2, maxCapacity: 10 },
    });
  });
});

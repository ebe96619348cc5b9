import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ValidationError } from '../../../lib/errors';
import { autoScalingPatchSchema, autoScalingSchema } from '../../../lib/validation/autoscaling';
import { parseInput } from '../../../lib/validation/parse';

/** As the service API will see it: nested under `autoScaling`. */
const service = z.strictObject({ autoScaling: autoScalingSchema() });
const parse = (autoScaling: unknown) => parseInput(service, { autoScaling }).autoScaling;
const failure = (autoScaling: unknown): string => {
  try {
    parse(autoScaling);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).statusCode).toBe(400);
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
};

const cpu = { name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 50 };

describe('autoScaling schema', () => {
  it('fills in the defaults', () => {
    expect(parse({ minCapacity: 1, maxCapacity: 10, targetTracking: [cpu] })).toEqual({
      minCapacity: 1,
      maxCapacity: 10,
      targetTracking: [
        {
          ...cpu,
          scaleOutCooldownSeconds: 60,
          scaleInCooldownSeconds: 300,
          disableScaleIn: false,
        },
      ],
      scheduled: [],
    });
    expect(
      parse({
        minCapacity: 0,
        maxCapacity: 0,
        scheduled: [{ name: 'night', schedule: 'cron(0 20 * * ? *)', maxCapacity: 0 }],
      }).scheduled[0]?.timezone,
    ).toBe('UTC');
  });

  it('takes the four metric forms', () => {
    const metrics = [
      { predefined: 'MemoryUtilization' },
      {
        predefined: 'ALBRequestCountPerTarget',
        targetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef',
      },
      { queueBacklogPerTask: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' } },
      {
        custom: {
          namespace: 'Shop',
          metricName: 'Orders',
          dimensions: { Env: 'prod' },
          statistic: 'Average',
        },
      },
    ];
    const parsed = parse({
      minCapacity: 0,
      maxCapacity: 5000,
      targetTracking: metrics.map((metric, index) => ({ name: `p${index}`, metric, targetValue: 10 })),
    });
    expect(parsed.targetTracking).toHaveLength(4);
    expect(parsed.targetTracking[3]?.metric).toEqual({
      custom: {
        namespace: 'Shop',
        metricName: 'Orders',
        dimensions: [{ name: 'Env', value: 'prod' }],
        statistic: 'Average',
        total: false,
      },
    });
  });

  it.each([
    [{ minCapacity: -1, maxCapacity: 1 }, 'autoScaling.minCapacity: must be between 0 and 5000'],
    [{ minCapacity: 0, maxCapacity: 5001 }, 'autoScaling.maxCapacity: must be between 0 and 5000'],
    [{ minCapacity: 1.5, maxCapacity: 3 }, 'autoScaling.minCapacity: must be an integer'],
    [{ minCapacity: 4, maxCapacity: 3 }, 'autoScaling.minCapacity: must be at most maxCapacity'],
    [{ maxCapacity: 3 }, 'autoScaling.minCapacity: is required'],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        targetTracking: Array.from({ length: 6 }, (_, index) => ({ ...cpu, name: `p${index}` })),
      },
      'autoScaling.targetTracking: at most 5 target tracking policies',
    ],
    [
      { minCapacity: 1, maxCapacity: 3, targetTracking: [cpu, cpu] },
      'autoScaling.targetTracking[1].name: duplicate policy name "cpu"',
    ],
    [
      { minCapacity: 1, maxCapacity: 3, targetTracking: [{ ...cpu, targetValue: 0 }] },
      'autoScaling.targetTracking[0].targetValue: must be greater than 0',
    ],
    [
      { minCapacity: 1, maxCapacity: 3, targetTracking: [{ ...cpu, targetValue: 150 }] },
      'autoScaling.targetTracking[0].targetValue',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        targetTracking: [{ ...cpu, metric: { predefined: 'DiskUtilization' } }],
      },
      'autoScaling.targetTracking[0].metric.predefined: must be CPUUtilization, MemoryUtilization or ALBRequestCountPerTarget',
    ],
    [
      { minCapacity: 1, maxCapacity: 3, targetTracking: [{ ...cpu, metric: { cpu: true } }] },
      'autoScaling.targetTracking[0].metric: must be { predefined',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        targetTracking: [
          { ...cpu, metric: { custom: { namespace: 'N', metricName: 'M', statistic: 'p99' } } },
        ],
      },
      'autoScaling.targetTracking[0].metric.custom.statistic',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        targetTracking: [{ ...cpu, metric: { predefined: 'ALBRequestCountPerTarget' } }],
      },
      'autoScaling.targetTracking[0].metric.targetGroupArn: is required',
    ],
    [
      { minCapacity: 1, maxCapacity: 3, targetTracking: [{ ...cpu, metric: { cpu: true } }] },
      'autoScaling.targetTracking[0].metric: must be { predefined',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        targetTracking: [
          { ...cpu, metric: { custom: { namespace: 'N', metricName: 'M', statistic: 'p99' } } },
        ],
      },
      'autoScaling.targetTracking[0].metric.custom.statistic',
    ],
    [
      { minCapacity: 1, maxCapacity: 3, targetTracking: [{ ...cpu, scaleInCooldownSeconds: -5 }] },
      'autoScaling.targetTracking[0].scaleInCooldownSeconds',
    ],
    [
      { minCapacity: 1, maxCapacity: 3, targetTracking: [{ ...cpu, colour: 'red' }] },
      'autoScaling.targetTracking[0].colour: unknown field',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        scheduled: [{ name: 'n', schedule: 'cron(0 20 * * * *)', maxCapacity: 1 }],
      },
      'autoScaling.scheduled[0].schedule: cron() needs ? in exactly one of day-of-month and day-of-week',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        scheduled: [{ name: 'n', schedule: 'rate(1 hours)', maxCapacity: 1 }],
      },
      'autoScaling.scheduled[0].schedule: rate(1 hours) must use the singular unit',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        scheduled: [{ name: 'n', schedule: 'rate(1 hour)', timezone: 'Nowhere/City', maxCapacity: 1 }],
      },
      'autoScaling.scheduled[0].timezone: Nowhere/City is not an IANA time zone',
    ],
    [
      { minCapacity: 1, maxCapacity: 3, scheduled: [{ name: 'n', schedule: 'rate(1 hour)' }] },
      'autoScaling.scheduled[0]: must set minCapacity, maxCapacity or both',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        scheduled: [{ name: 'n', schedule: 'rate(1 hour)', minCapacity: 6000 }],
      },
      'autoScaling.scheduled[0].minCapacity: must be between 0 and 5000',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        scheduled: Array.from({ length: 21 }, (_, index) => ({
          name: `s${index}`,
          schedule: 'rate(1 hour)',
          maxCapacity: 1,
        })),
      },
      'autoScaling.scheduled: at most 20 scheduled actions',
    ],
    [
      {
        minCapacity: 1,
        maxCapacity: 3,
        scheduled: [{ name: 'a/b', schedule: 'rate(1 hour)', maxCapacity: 1 }],
      },
      'autoScaling.scheduled[0].name',
    ],
  ])('rejects %j', (input, message) => {
    expect(failure(input)).toContain(message);
  });

  it('takes null on PATCH to remove auto scaling', () => {
    expect(autoScalingPatchSchema().parse(null)).toBeNull();
  });
});

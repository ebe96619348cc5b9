/**
 * The `autoScaling` object of a service: capacity range, up to 5 target tracking policies and up
 * to 20 scheduled actions. Schedules and time zones are checked by the schedule adapter, so a bad one is a
 * 400 naming `autoScaling.scheduled[i].schedule`.
 */
import * as z from 'zod';
import type { AutoScaling, PolicyMetricSpec } from '../domain';
import { isValidTimezone, parseSchedule, ScheduleError } from '../scaling/schedule';
import { onFirstUse } from './on-first-use';

const capacity = onFirstUse(() =>
  z
    .number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number') })
    .int('must be an integer')
    .min(0, 'must be between 0 and 5000')
    .max(5000, 'must be between 0 and 5000'),
);

const seconds = onFirstUse(() =>
  z
    .number()
    .int('must be an integer')
    .min(0, 'must be between 0 and 86400')
    .max(86400, 'must be between 0 and 86400'),
);

/** Application Auto Scaling's policy and action names: 1-256 characters, no control characters or : / |. */
const actionName = onFirstUse(() =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters')
    .regex(/^[^\p{Cc}:/|]+$/u, 'must not contain control characters, :, / or |')
    .refine((name) => name.trim() === name, 'must not start or end with a space'),
);

const targetGroupArn = onFirstUse(() =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .regex(
      /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
      'must be a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)',
    ),
);

const dimension = onFirstUse(() =>
  z.strictObject({
    name: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
    value: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
  }),
);

/** Dimensions as a list of `{ name, value }`, or as a map of name to value; a list comes out. */
const dimensions = onFirstUse(() =>
  z
    .union([
      z.array(dimension()),
      z
        .record(z.string().min(1, 'must not be empty').max(255), z.string().min(1).max(1024))
        .transform((map) => Object.entries(map).map(([name, value]) => ({ name, value }))),
    ])
    .pipe(z.array(dimension()).max(30, 'at most 30 dimensions'))
    .default([]),
);

export const metricBranches = onFirstUse(() => ({
  utilization: z.strictObject({
    predefined: z.enum(['CPUUtilization', 'MemoryUtilization'], {
      error: 'must be CPUUtilization, MemoryUtilization or ALBRequestCountPerTarget',
    }),
  }),
  requests: z.strictObject({
    predefined: z.literal('ALBRequestCountPerTarget'),
    targetGroupArn: targetGroupArn(),
  }),
  backlog: z.strictObject({
    queueBacklogPerTask: z.strictObject({
      queueUrl: z.url({ protocol: /^https?$/, error: 'must be a queue URL' }),
    }),
  }),
  custom: z.strictObject({
    custom: z.strictObject({
      namespace: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
      metricName: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
      dimensions: dimensions(),
      statistic: z.enum(['Average', 'Minimum', 'Maximum', 'SampleCount', 'Sum']),
      /** The metric is the service's whole demand (a count of jobs, say), not a per-task value. */
      total: z.boolean().default(false),
    }),
  }),
}));

const metricForms =
  'must be { predefined: "CPUUtilization" | "MemoryUtilization" }, { predefined: "ALBRequestCountPerTarget", targetGroupArn }, { queueBacklogPerTask: { queueUrl } } or { custom: { namespace, metricName, dimensions, statistic } }';

/** The form is picked by its key, so an error names the wrong field inside it rather than the whole union. */
const metricSchema = onFirstUse(() =>
  z.unknown().transform((value, ctx): PolicyMetricSpec => {
    const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    const branch =
      object.predefined === 'ALBRequestCountPerTarget'
        ? metricBranches().requests
        : 'predefined' in object
          ? metricBranches().utilization
          : 'queueBacklogPerTask' in object
            ? metricBranches().backlog
            : 'custom' in object
              ? metricBranches().custom
              : undefined;
    if (!branch) {
      ctx.addIssue({ code: 'custom', message: metricForms });
      return z.NEVER;
    }
    const result = branch.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues)
      ctx.addIssue({
        code: 'custom',
        path: issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys] : issue.path,
        message: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
      });
    return z.NEVER;
  }),
);

const targetTrackingSchema = onFirstUse(() =>
  z
    .strictObject({
      name: actionName(),
      metric: metricSchema(),
      targetValue: z.number().positive('must be greater than 0').max(1e9, 'must be at most 1000000000'),
      scaleOutCooldownSeconds: seconds().default(60),
      scaleInCooldownSeconds: seconds().default(300),
      disableScaleIn: z.boolean().default(false),
    })
    .superRefine((policy, ctx) => {
      const metric = policy.metric;
      if (
        'predefined' in metric &&
        metric.predefined !== 'ALBRequestCountPerTarget' &&
        policy.targetValue > 100
      )
        ctx.addIssue({
          code: 'custom',
          path: ['targetValue'],
          message: 'a utilization target must be at most 100',
        });
    }),
);

const scheduledActionSchema = onFirstUse(() =>
  z
    .strictObject({
      name: actionName(),
      schedule: z
        .string()
        .min(1, 'must not be empty')
        .describe(
          'at(yyyy-mm-ddThh:mm:ss), rate(N minutes|hours|days) or cron(minutes hours day-of-month month day-of-week year)',
        ),
      timezone: z.string().default('UTC').describe('IANA time zone (default UTC)'),
      minCapacity: capacity().optional(),
      maxCapacity: capacity().optional(),
    })
    .superRefine((action, ctx) => {
      const zoneOk = isValidTimezone(action.timezone);
      if (!zoneOk)
        ctx.addIssue({
          code: 'custom',
          path: ['timezone'],
          message: `${action.timezone} is not an IANA time zone`,
        });
      try {
        parseSchedule(action.schedule, zoneOk ? action.timezone : 'UTC');
      } catch (error) {
        if (!(error instanceof ScheduleError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['schedule'], message: error.message });
      }
      if (action.minCapacity === undefined && action.maxCapacity === undefined)
        ctx.addIssue({ code: 'custom', path: [], message: 'must set minCapacity, maxCapacity or both' });
      if (
        action.minCapacity !== undefined &&
        action.maxCapacity !== undefined &&
        action.minCapacity > action.maxCapacity
      )
        ctx.addIssue({ code: 'custom', path: ['minCapacity'], message: 'must be at most maxCapacity' });
    }),
);

const uniqueNames = (what: string) => (items: { name: string }[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  for (const [index, item] of items.entries()) {
    if (seen.has(item.name))
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `duplicate ${what} name "${item.name}"`,
      });
    seen.add(item.name);
  }
};

/** A policy that measures demand with no task running: a queue's backlog, or a custom metric marked total. */
const seesDemandAtZero = (policy: { metric: PolicyMetricSpec }): boolean =>
  'queueBacklogPerTask' in policy.metric || ('custom' in policy.metric && policy.metric.custom.total);

const atZeroWhy =
  'at 0 tasks a per-task metric (CPU, memory, ALBRequestCountPerTarget, a custom metric not marked total) has no value, so the service would never scale out again; 0 needs a queueBacklogPerTask policy or a custom metric with "total": true';

export const autoScalingSchema = onFirstUse(() =>
  z
    .strictObject({
      minCapacity: capacity(),
      maxCapacity: capacity(),
      targetTracking: z
        .array(targetTrackingSchema())
        .max(5, 'at most 5 target tracking policies')
        .superRefine(uniqueNames('policy'))
        .default([]),
      scheduled: z
        .array(scheduledActionSchema())
        .max(20, 'at most 20 scheduled actions')
        .superRefine(uniqueNames('scheduled action'))
        .default([]),
    })
    .superRefine((value, ctx) => {
      if (value.minCapacity > value.maxCapacity)
        ctx.addIssue({ code: 'custom', path: ['minCapacity'], message: 'must be at most maxCapacity' });
      // Scale to zero must be able to come back: something has to see demand while no task runs. A
      // schedule may still switch the service off (min and max 0), since its next action raises them.
      // Without policies only the schedule moves the count, and it can raise it again.
      if (value.targetTracking.length === 0 || value.targetTracking.some(seesDemandAtZero)) return;
      if (value.minCapacity === 0 && value.maxCapacity > 0)
        ctx.addIssue({ code: 'custom', path: ['minCapacity'], message: `must be at least 1 (${atZeroWhy})` });
      for (const [index, action] of value.scheduled.entries())
        if (action.minCapacity === 0 && action.maxCapacity !== 0)
          ctx.addIssue({
            code: 'custom',
            path: ['scheduled', index, 'minCapacity'],
            message: `must be at least 1 unless maxCapacity is 0 too (${atZeroWhy})`,
          });
    })
    .describe('With it, desiredCount is what the scaler last chose, within [minCapacity, maxCapacity]'),
);

/** On PATCH, `null` removes auto scaling. */
export const autoScalingPatchSchema = onFirstUse(() =>
  autoScalingSchema().nullable().describe('null removes auto scaling'),
);

/** True when A and B accept the same values. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** The schema produces the domain's AutoScaling: a change to one and not the other is a compile error. */
export type AutoScalingSchemaProducesTheDomainType = Holds<
  Same<z.output<ReturnType<typeof autoScalingSchema>>, AutoScaling>
>;
/** Each metric form the schema accepts is one of the domain's forms. */
export type MetricFormsAreTheDomains = Holds<
  Same<z.output<ReturnType<typeof metricBranches>[keyof ReturnType<typeof metricBranches>]>, PolicyMetricSpec>
>;

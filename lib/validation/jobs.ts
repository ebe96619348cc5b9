import * as z from 'zod';
import {
  CONCURRENCY_POLICIES,
  DEFAULT_FAILED_RUNS_HISTORY_LIMIT,
  DEFAULT_SUCCESSFUL_RUNS_HISTORY_LIMIT,
} from '../domain';
import { onFirstUse } from './on-first-use';
import { taskDefinitionReference } from './schemas';
import { launchFields } from './tasks';

const whole = (min: number, max: number) =>
  z
    .number()
    .int('must be an integer')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

/** A job name: as ECS names, at most 64 so the job's startedBy fits ECS's 128 characters. */
export const jobNameSchema = onFirstUse(() =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, hyphens (-) and underscores (_)'),
);

const retrySchema = onFirstUse(() =>
  z.strictObject({
    attempts: whole(0, 10).describe('Further attempts after the first (0-10)'),
    backoffSeconds: whole(0, 86_400)
      .describe('Pause before the first retry; each further retry doubles it')
      .default(30),
  }),
);

/** The fields a job's spec holds, each optional: a PATCH takes any of them. */
const specFields = onFirstUse(() => ({
  taskDefinition: taskDefinitionReference().describe(
    'family:revision, or a bare family: its latest ACTIVE revision at each run',
  ),
  schedule: z
    .string()
    .min(1, 'must not be empty')
    .max(256)
    .describe(
      "EventBridge Scheduler's syntax: cron(minutes hours day-of-month month day-of-week year), rate(N minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss); at most once a minute",
    ),
  timezone: z.string().min(1).max(64).describe('IANA time zone the schedule is read in (default UTC)'),
  networkConfiguration: launchFields().networkConfiguration,
  launchType: launchFields().launchType,
  capacityProviderStrategy: launchFields().capacityProviderStrategy,
  overrides: launchFields().overrides,
  concurrencyPolicy: z
    .enum(CONCURRENCY_POLICIES)
    .describe(
      'Allow: runs may overlap; Forbid: a tick is SKIPPED while a run is live; Replace: the live run is stopped (REPLACED), then the tick runs',
    ),
  startingDeadlineSeconds: whole(1, 86_400 * 7).describe(
    'A tick not started within this many seconds of its time is recorded MISSED, not run late. Absent: late ticks run.',
  ),
  retry: retrySchema(),
  timeoutSeconds: whole(1, 86_400 * 14).describe(
    'A run living longer is stopped (StopTask) and recorded TIMED_OUT',
  ),
  suspend: z.boolean().describe('While true, ticks are recorded SKIPPED and nothing runs'),
  successfulRunsHistoryLimit: whole(0, 1000).describe(
    `SUCCEEDED runs kept (default ${DEFAULT_SUCCESSFUL_RUNS_HISTORY_LIMIT}), within the 30-day history`,
  ),
  failedRunsHistoryLimit: whole(0, 1000).describe(
    `Other finished runs kept (default ${DEFAULT_FAILED_RUNS_HISTORY_LIMIT}), within the 30-day history`,
  ),
}));

const placementRule = (
  input: { launchType?: unknown; capacityProviderStrategy?: unknown },
  ctx: z.RefinementCtx,
) => {
  if (input.launchType !== undefined && input.capacityProviderStrategy !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['capacityProviderStrategy'],
      message: 'launchType and capacityProviderStrategy are mutually exclusive',
    });
  }
};

export const createJobSchema = onFirstUse(() =>
  z
    .strictObject({
      jobName: jobNameSchema(),
      ...specFields(),
      timezone: specFields().timezone.default('UTC'),
      concurrencyPolicy: specFields().concurrencyPolicy.default('Allow'),
      startingDeadlineSeconds: specFields().startingDeadlineSeconds.optional(),
      retry: retrySchema().default({ attempts: 0, backoffSeconds: 30 }),
      timeoutSeconds: specFields().timeoutSeconds.optional(),
      suspend: specFields().suspend.default(false),
      successfulRunsHistoryLimit: specFields().successfulRunsHistoryLimit.default(
        DEFAULT_SUCCESSFUL_RUNS_HISTORY_LIMIT,
      ),
      failedRunsHistoryLimit: specFields().failedRunsHistoryLimit.default(DEFAULT_FAILED_RUNS_HISTORY_LIMIT),
    })
    .superRefine(placementRule),
);

/** A PATCH: the fields to change; null clears startingDeadlineSeconds or timeoutSeconds. */
export const updateJobSchema = onFirstUse(() =>
  z
    .strictObject({
      taskDefinition: specFields().taskDefinition.optional(),
      schedule: specFields().schedule.optional(),
      timezone: specFields().timezone.optional(),
      networkConfiguration: specFields().networkConfiguration.optional(),
      launchType: specFields().launchType,
      capacityProviderStrategy: specFields().capacityProviderStrategy,
      overrides: specFields().overrides,
      concurrencyPolicy: specFields().concurrencyPolicy.optional(),
      startingDeadlineSeconds: specFields().startingDeadlineSeconds.nullable().optional(),
      retry: retrySchema().optional(),
      timeoutSeconds: specFields().timeoutSeconds.nullable().optional(),
      suspend: specFields().suspend.optional(),
      successfulRunsHistoryLimit: specFields().successfulRunsHistoryLimit.optional(),
      failedRunsHistoryLimit: specFields().failedRunsHistoryLimit.optional(),
    })
    .superRefine(placementRule),
);

export const deleteJobQuerySchema = onFirstUse(() =>
  z.object({ stopRuns: z.enum(['true', 'false']).optional() }),
);

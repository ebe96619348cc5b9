/** What the job routes answer, in zod (see responses.ts). */
import * as z from 'zod';
import { CONCURRENCY_POLICIES, RUN_VERDICTS } from '../../domain';
import { createJobSchema } from '../../validation/jobs';
import { page, timestamp } from './responses';

const spec = createJobSchema().shape;
export const runVerdictSchema = z.enum(RUN_VERDICTS);

export const jobSchema = z.strictObject({
  cluster: z.string(),
  jobName: z.string(),
  taskDefinition: z.string(),
  schedule: z.string(),
  timezone: z.string(),
  networkConfiguration: spec.networkConfiguration,
  launchType: z.literal('FARGATE').optional(),
  capacityProviderStrategy: spec.capacityProviderStrategy,
  overrides: spec.overrides,
  concurrencyPolicy: z.enum(CONCURRENCY_POLICIES),
  startingDeadlineSeconds: z.int().optional(),
  retry: z.strictObject({ attempts: z.int(), backoffSeconds: z.int() }),
  timeoutSeconds: z.int().optional(),
  suspend: z.boolean(),
  successfulRunsHistoryLimit: z.int(),
  failedRunsHistoryLimit: z.int(),
  nextRuns: z.array(timestamp).describe('The next five ticks (none while suspended)'),
  lastVerdict: runVerdictSchema
    .describe('The verdict of the newest finished run (SKIPPED ones passed over)')
    .optional(),
  consecutiveFailures: z
    .int()
    .min(0)
    .describe(
      'How many of the newest finished runs failed in a row (FAILED, TIMED_OUT, LAUNCH_FAILED, MISSED)',
    ),
  failing: z.string().describe('Present when the newest finished runs failed: says how many').optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  version: z.int().describe('The spec version: the ETag, for If-Match'),
});

export const jobPageSchema = page(jobSchema);

export const jobRunSchema = z.strictObject({
  cluster: z.string(),
  jobName: z.string(),
  scheduledAt: timestamp.describe('The tick, or the request instant of a manual run'),
  attempt: z.int().min(1).describe('1 for the tick itself, then one more per retry'),
  trigger: z.enum(['SCHEDULE', 'MANUAL']),
  status: z
    .enum(['PENDING', 'RUNNING', 'DONE'])
    .describe(
      'PENDING: claimed, RunTask not answered yet; RUNNING: its task was launched; DONE: it has its verdict',
    ),
  verdict: runVerdictSchema.optional(),
  reason: z
    .string()
    .describe("Why: ECS's launch failure reason, the exit code, the policy that skipped it")
    .optional(),
  taskId: z.string().optional(),
  taskArn: z.string().optional(),
  taskDefinition: z.string().describe('The family:revision the run launched').optional(),
  createdAt: timestamp,
  startedAt: timestamp.optional(),
  stoppedAt: timestamp.optional(),
  exitCode: z.int().optional(),
  retryAt: timestamp.describe('When the next attempt is due').optional(),
});

export const jobRunPageSchema = page(jobRunSchema);

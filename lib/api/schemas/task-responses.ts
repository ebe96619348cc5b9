/** What the task routes answer, in zod (see responses.ts): tasks as Tugboat's inventory or ECS knows them. */
import * as z from 'zod';
import { page, timestamp } from './responses';

export const containerSchema = z.strictObject({
  name: z.string().optional(),
  image: z.string().optional(),
  lastStatus: z.string().optional(),
  exitCode: z.int().optional(),
  healthStatus: z.string().optional(),
  reason: z.string().optional(),
});

/** The fields every view of a task shows, up to its times. */
const taskHead = {
  cluster: z.string(),
  serviceName: z.string().describe('Absent for tasks no service claims (one-off tasks)').optional(),
  taskArn: z.string(),
  taskId: z.string(),
  deploymentId: z.string().optional(),
  startedBy: z.string().optional(),
  group: z.string().optional(),
  taskDefinition: z.string().describe("Tugboat's family:revision the task runs").optional(),
  ecsTaskDefinitionArn: z
    .string()
    .describe("ECS's ARN of the registration the task runs (its revision number can differ from Tugboat's)")
    .optional(),
  lastStatus: z.enum([
    'PROVISIONING',
    'PENDING',
    'ACTIVATING',
    'RUNNING',
    'DEACTIVATING',
    'STOPPING',
    'DEPROVISIONING',
    'STOPPED',
  ]),
  desiredStatus: z.enum(['RUNNING', 'PENDING', 'STOPPED']),
  healthStatus: z.enum(['HEALTHY', 'UNHEALTHY', 'UNKNOWN']),
  launchType: z.string().optional(),
  capacityProviderName: z.string().optional(),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  availabilityZone: z.string().optional(),
  createdAt: timestamp.optional(),
  pullStartedAt: timestamp.optional(),
  pullStoppedAt: timestamp.optional(),
  startedAt: timestamp.optional(),
  stoppingAt: timestamp.optional(),
  stoppedAt: timestamp.optional(),
  executionStoppedAt: timestamp.optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  containers: z.array(containerSchema).optional(),
  healthyAt: timestamp.optional(),
};

/** A task behind target groups. */
const taskTargets = {
  privateIpv4Address: z.string().describe("From the task's ENI attachment; its targets' id.").optional(),
  loadBalancing: z
    .strictObject({
      targets: z.array(z.strictObject({ targetGroupArn: z.string(), port: z.int() })),
      healthyAt: timestamp.optional(),
      deregisteredAt: timestamp.optional(),
      stopDueAt: timestamp.optional(),
      stopCause: z.string().optional(),
      stopReason: z.string().optional(),
    })
    .describe(
      "The reconciler's bookkeeping: targets registered, when all were first healthy, and (draining) when deregistration started and StopTask is due.",
    )
    .optional(),
  targets: z
    .array(
      z.strictObject({
        targetGroupArn: z.string(),
        id: z.string(),
        port: z.int(),
        state: z.enum(['initial', 'healthy', 'unhealthy', 'unused', 'draining', 'unavailable', 'unknown']),
        reason: z.string().optional(),
        description: z.string().optional(),
      }),
    )
    .describe(
      'GET task of a task behind target groups: its targets and their state now (DescribeTargetHealth).',
    )
    .optional(),
};

export const taskSchema = z.strictObject({
  ...taskHead,
  missingFromEcsAt: timestamp
    .describe(
      'When the scheduler first found the task unknown to ECS; missing again at its next run, the task is recorded STOPPED with stopCode TaskNotFound.',
    )
    .optional(),
  updatedAt: timestamp,
  ...taskTargets,
});

export const taskPageSchema = page(taskSchema);

export const failureSchema = z.strictObject({
  arn: z.string().optional(),
  reason: z.string().optional(),
  detail: z.string().optional(),
});

export const runTasksResultSchema = z.strictObject({
  tasks: z.array(taskSchema),
  failures: z.array(failureSchema),
});

export const taskPhaseSchema = z.strictObject({
  startedAt: timestamp,
  endedAt: timestamp.optional(),
  durationMs: z.int().min(0),
  ongoing: z
    .boolean()
    .describe('The task is in this phase now; durationMs runs to the moment of the answer.'),
});

export const taskTimingSchema = z
  .strictObject({
    provisioning: taskPhaseSchema.nullable().describe('createdAt to pullStartedAt'),
    pull: taskPhaseSchema.nullable().describe('pullStartedAt to pullStoppedAt'),
    startUp: taskPhaseSchema.nullable().describe('pullStoppedAt to startedAt'),
    running: taskPhaseSchema.nullable().describe('startedAt to stoppingAt (or now)'),
    stopping: taskPhaseSchema.nullable().describe('stoppingAt to stoppedAt'),
  })
  .describe('A phase the task never reached is null; one a stop cut short ends when the stop began.');

export const taskDescriptionSchema = z.strictObject({
  ...taskHead,
  updatedAt: timestamp,
  source: z
    .enum(['inventory', 'ecs'])
    .describe("inventory: Tugboat's record (kept 30 days after the task stops); ecs: asked ECS."),
  timing: taskTimingSchema,
  ...taskTargets,
});

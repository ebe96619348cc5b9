/**
 * What the API answers, in zod: the OpenAPI document's response schemas (lib/api/openapi.ts) and so what
 * every answer shows, in this key order (lib/api/present.ts). A closed object (strictObject) shows only
 * these fields. Fields a request sets come from the request schema itself, so a field added there is
 * documented (and shown) in the answer too.
 */
import * as z from 'zod';
import { autoScalingSchema } from '../../validation/autoscaling';
import {
  createServiceSchema,
  registerTaskDefinitionSchema,
  updateServiceSchema,
} from '../../validation/schemas';
import { page, timestamp } from './primitives';
import { trafficShiftSchema } from './traffic-responses';

export { page, timestamp, trafficShiftSchema };

const count = z.int().min(0);
/** ECS's meaning, for a service and for each deployment. */
const runningCount = count.describe(
  'Tasks whose last status is RUNNING, as ECS counts them: a task being stopped or drained (also counted in drainingTargets) is RUNNING until it stops',
);
const pendingCount = count.describe(
  'Tasks launched and not yet RUNNING (PROVISIONING, PENDING, ACTIVATING), counted from their launch',
);

export const errorSchema = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

// Task definitions -----------------------------------------------------------------------------------

const { family: _family, ...registeredFields } = registerTaskDefinitionSchema().shape;
const containerDefinitionSchema = registeredFields.containerDefinitions.element;

export const taskDefinitionSchema = z.strictObject({
  family: z.string(),
  revision: z.int().min(1),
  taskDefinitionArn: z.string(),
  status: z.enum(['ACTIVE', 'INACTIVE']),
  ...registeredFields,
  cpu: z.string().describe('CPU units, a string of digits'),
  memory: z.string().describe('MiB, a string of digits'),
  containerDefinitions: z.array(containerDefinitionSchema),
  requiresCompatibilities: z.array(z.literal('FARGATE')),
  networkMode: z.literal('awsvpc'),
  registeredAt: timestamp,
  deregisteredAt: timestamp.optional(),
  ecsTaskDefinitionArn: z
    .string()
    .describe('The ARN ECS gave this revision when Tugboat first launched it.')
    .optional(),
  ecsDeregisteredAt: timestamp
    .describe(
      'When Tugboat deregistered that ECS copy: once the revision was INACTIVE and no service used it.',
    )
    .optional(),
  version: z.int(),
});

export const deregisteredTaskDefinitionSchema = taskDefinitionSchema
  .extend({
    servicesUsingRevision: z
      .array(z.strictObject({ cluster: z.string(), serviceName: z.string() }))
      .describe(
        'The services that still use the revision: they go on scaling and replacing tasks with it, and its ECS copy stays until none does.',
      ),
  })
  .describe('A revision just deregistered, with the services that still use it.');

export const taskDefinitionPageSchema = page(taskDefinitionSchema);

export const taskDefinitionFamilyPageSchema = page(
  z.strictObject({ family: z.string() }),
  'Present when there are more families',
);

// Services -------------------------------------------------------------------------------------------

export const spotFallbackStatusSchema = z
  .strictObject({
    active: z.boolean(),
    since: timestamp.optional(),
    reason: z.string().optional(),
  })
  .describe(
    "Where the deployment's Spot fallback stands: active while FARGATE tasks stand in for FARGATE_SPOT ones; since when it last switched, and why.",
  );

export const deploymentSchema = z.strictObject({
  id: z.string(),
  status: z.enum(['PRIMARY', 'ACTIVE', 'INACTIVE']),
  taskDefinition: z.string().describe('family:revision'),
  desiredCount: z.int(),
  runningCount,
  pendingCount,
  failedTasks: z.int(),
  healthyCount: count
    .describe(
      'Tasks of this deployment that are RUNNING and healthy (passed their health check, or have none, and have been so for minReadySeconds), as of the last reconcile pass',
    )
    .optional(),
  rolloutState: z
    .enum(['IN_PROGRESS', 'COMPLETED', 'FAILED', 'STOPPED'])
    .describe(
      'STOPPED: superseded by a newer deployment, or the service deleted, before it completed (the reason names which)',
    ),
  rolloutStateReason: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
  rollbackOf: z.string().optional(),
  adoptsTasksOf: z
    .string()
    .describe(
      "A rollback's: the deployment of the same revision whose still-running tasks it took over (same capacity provider and target groups, not being stopped) instead of launching new ones",
    )
    .optional(),
  sourceEventAt: timestamp
    .describe(
      "When the event that caused the deployment happened: the ECR push event's time, the deploy message's sentAt, or the API request's time. A deploy whose source event is older than the current PRIMARY's is skipped (explicit rollbacks excepted).",
    )
    .optional(),
  principal: z
    .string()
    .describe(
      "Who caused the deployment through the API: the caller's IAM principal (local when run locally).",
    )
    .optional(),
  healthyTargets: count
    .describe("Load-balanced services: targets of the deployment's running tasks that are healthy.")
    .optional(),
  drainingTargets: count
    .describe("Load-balanced services: targets of the deployment's tasks that are draining.")
    .optional(),
  tasksByCapacityProvider: z
    .strictObject({ FARGATE: count.optional(), FARGATE_SPOT: count.optional() })
    .describe(
      "Services with a capacity provider strategy: the deployment's running and pending tasks per capacity provider.",
    )
    .optional(),
  spotFallback: spotFallbackStatusSchema.optional(),
  trafficShift: trafficShiftSchema.optional(),
  analysis: z
    .strictObject({
      intervals: z.array(
        z.strictObject({
          start: timestamp,
          end: timestamp,
          requests: z.number(),
          errorRatePercent: z.number().optional(),
          p99LatencyMs: z.number().optional(),
          baselineRequests: z.number().optional(),
          baselineErrorRatePercent: z.number().optional(),
          baselineP99LatencyMs: z.number().optional(),
          verdict: z.enum(['PASS', 'FAIL', 'INCONCLUSIVE']),
          reason: z.string(),
        }),
      ),
    })
    .describe(
      "deploymentConfiguration.analysis: the last 20 intervals judged, each with the new group's figures (and the old group's, compared) and its verdict.",
    )
    .optional(),
  stopRequested: z
    .strictObject({
      stopType: z.enum(['ROLLBACK', 'ABORT']),
      at: timestamp,
      principal: z.string().optional(),
    })
    .describe(
      'A stop asked for with POST .../stop (or continue ROLLBACK); the next reconcile pass carries it out.',
    )
    .optional(),
});

export const deploymentPageSchema = page(deploymentSchema);

export const serviceEventSchema = z.strictObject({
  id: z.string(),
  createdAt: timestamp,
  message: z.string(),
  principal: z
    .string()
    .describe("Who made the change the event records: the caller's IAM principal (local when run locally).")
    .optional(),
  correlationId: z
    .string()
    .describe(
      "The id of the API request or source event that caused it; the reconcile pass's logs carry it too.",
    )
    .optional(),
});

export const serviceEventPageSchema = page(serviceEventSchema);

/** Everything a create sets (and what only a PATCH sets), as the service keeps it. */
const {
  serviceName: _name,
  taskDefinition: _reference,
  desiredCount: _count,
  ...createFields
} = createServiceSchema().shape;
const updateOnlyFields = Object.fromEntries(
  Object.entries(updateServiceSchema().shape).filter(([key]) => !(key in createServiceSchema().shape)),
) as Omit<
  ReturnType<typeof updateServiceSchema>['shape'],
  keyof ReturnType<typeof createServiceSchema>['shape']
>;

const serviceFields = {
  cluster: z.string(),
  serviceName: z.string(),
  serviceArn: z.string(),
  status: z.enum(['ACTIVE', 'DRAINING', 'INACTIVE']),
  taskDefinition: z.string().describe('family:revision'),
  desiredCount: z.int(),
  runningCount,
  pendingCount,
  ...createFields,
  ...updateOnlyFields,
  // Filled in with defaults when the service is created.
  deploymentConfiguration: createFields.deploymentConfiguration.unwrap(),
  healthCheckGracePeriodSeconds: z.int(),
  autoScaling: autoScalingSchema().optional(),
  tags: createFields.tags.unwrap(),
  servingTargetGroups: z
    .record(z.string(), z.string())
    .describe(
      'Load balancers with advancedConfiguration: each entry targetGroupArn -> the target group production traffic goes to now (absent: the entry itself). The groups swap roles when a BLUE_GREEN, CANARY or LINEAR deployment reaches CLEAN_UP (production all on its group), whether or not it then completes, and back if it is rolled back.',
    )
    .optional(),
  deployments: z.array(deploymentSchema),
  version: z.int().describe('The spec version; the ETag is its quoted value.'),
  createdAt: timestamp,
  updatedAt: timestamp,
};

export const serviceSchema = z.strictObject(serviceFields);

export const serviceDescriptionSchema = z
  .strictObject({
    ...serviceFields,
    events: z.array(serviceEventSchema).describe('The newest events, newest first.'),
  })
  .describe('A service with its newest events.');

export const servicePageSchema = page(serviceSchema);

export const scalingActivitySchema = z.strictObject({
  id: z.string(),
  startedAt: timestamp,
  cause: z.string().describe('Readable: CPUUtilization 82.4% over target 50% for policy cpu: 3 -> 5 tasks'),
  fromCount: z.int(),
  toCount: z.int(),
  policy: z.string().describe('The target tracking policy or scheduled action that decided').optional(),
});

export const scalingActivityPageSchema = page(scalingActivitySchema);

export const policyMetricsSchema = z.strictObject({
  policies: z.array(
    z.strictObject({
      name: z.string(),
      targetValue: z.number(),
      points: z
        .array(z.strictObject({ at: timestamp, value: z.number() }))
        .describe(
          "The policy's metric as the scaling evaluator read it (at most one a minute), in its target's units (a queue backlog per RUNNING task), oldest first",
        ),
    }),
  ),
});

// The plan (open: the planner's actions carry what each needs) -----------------------------------------

export const planActionSchema = z.looseObject({
  type: z.enum(['launch', 'stop', 'fail-deployment', 'rollback', 'hold', 'set-traffic']),
  reason: z.string(),
  deploymentId: z.string().optional(),
  taskDefinition: z.string().optional(),
  count: z.int().optional(),
  startedBy: z.string().optional(),
  group: z.string().optional(),
  runTaskCalls: z
    .array(
      z.looseObject({
        count: z.int(),
        launchType: createFields.launchType,
        capacityProviderStrategy: z.array(createFields.capacityProviderStrategy.unwrap().element).optional(),
        clientToken: z.string(),
      }),
    )
    .optional(),
  taskArn: z.string().optional(),
  cause: z.enum(['unhealthy', 'replaced', 'scale-in', 'orphan', 'draining']).optional(),
  failedDeploymentId: z.string().optional(),
  newDeploymentId: z.string().optional(),
  targetDeploymentId: z.string().optional(),
  until: timestamp.describe('When a hold ends by itself (a back-off), ISO-8601').optional(),
  listenerRule: z
    .string()
    .describe('set-traffic: the listener rule (or listener) whose forward weights are set')
    .optional(),
  weights: z
    .array(z.strictObject({ targetGroupArn: z.string(), weight: z.int().min(0).max(999) }))
    .describe('set-traffic: each target group and its forward weight (0..999)')
    .optional(),
});

export const servicePlanSchema = z.looseObject({
  cluster: z.string(),
  serviceName: z.string(),
  version: z.int().optional(),
  computedAt: timestamp.optional(),
  actions: z.array(planActionSchema),
  deployments: z.array(deploymentSchema),
  serviceStatus: serviceFields.status,
  taskDefinition: z.string(),
  runningCount,
  pendingCount,
  events: z.array(z.string()),
  waiting: z
    .array(z.string())
    .describe(
      "Why the rollout is not done yet, in words: each hold's reason, and the tasks an IN_PROGRESS deployment waits on to be healthy for minReadySeconds. Empty when nothing is waited for.",
    ),
});

// Clusters -------------------------------------------------------------------------------------------

export const clusterSchema = z.strictObject({
  clusterName: z.string(),
  clusterArn: z.string(),
  activeServicesCount: count.describe('Tugboat services in the cluster that are ACTIVE'),
  drainingServicesCount: count.describe('Tugboat services DRAINING towards INACTIVE'),
  runningTasksCount: count.describe("ECS's count of RUNNING tasks in the cluster (services' and one-off)"),
  pendingTasksCount: count.describe("ECS's count of PENDING tasks in the cluster"),
});

export const clusterListSchema = z.strictObject({ items: z.array(clusterSchema) });

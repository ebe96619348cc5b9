/**
 * The OpenAPI document's named schemas (components.schemas): the request schemas the API validates with
 * (lib/validation) and the response schemas (responses.ts), each by the name the document gives it. A
 * schema listed here appears as a $ref wherever it is used; anything else is inlined.
 */

import * as z from 'zod';
import { deploySpecSchema } from '../../use-cases/deploy-messages';
import { rollbackSchema } from '../../use-cases/rollback';
import { analysisSchema } from '../../validation/analysis';
import { autoScalingSchema, metricBranches } from '../../validation/autoscaling';
import { createJobSchema, updateJobSchema } from '../../validation/jobs';
import {
  createServiceSchema,
  registerTaskDefinitionSchema,
  tagSchema,
  updateServiceSchema,
} from '../../validation/schemas';
import { logConfigurationSchema, secretSchema } from '../../validation/secrets';
import { spotFallbackPatchSchema, spotFallbackSchema } from '../../validation/spot-fallback';
import {
  advancedConfigurationSchema,
  alarmsSchema,
  canaryConfigurationSchema,
  linearConfigurationSchema,
} from '../../validation/strategies';
import { runTaskSchema } from '../../validation/tasks';
import * as jobResponses from './job-responses';
import * as responses from './responses';
import * as taskResponses from './task-responses';

const service = createServiceSchema().shape;
const containerDefinition = registerTaskDefinitionSchema().shape.containerDefinitions.element;
const deploymentConfiguration = service.deploymentConfiguration.unwrap();
const targetTrackingPolicy = autoScalingSchema().shape.targetTracking.unwrap().element;

/** Rules zod checks in code (refinements), where JSON Schema can say them too. */
const placement = {
  not: {
    properties: { launchType: {}, capacityProviderStrategy: {} },
    required: ['launchType', 'capacityProviderStrategy'],
    description: 'launchType and capacityProviderStrategy are mutually exclusive',
  },
};

export const components: Record<string, { schema: z.ZodType; extra?: Record<string, unknown> }> = {
  Error: { schema: responses.errorSchema },
  Tag: { schema: tagSchema() },
  HealthCheck: { schema: containerDefinition.shape.healthCheck.unwrap() },
  Secret: { schema: secretSchema() },
  LogConfiguration: { schema: logConfigurationSchema() },
  ContainerDefinition: { schema: containerDefinition },
  RegisterTaskDefinitionRequest: { schema: registerTaskDefinitionSchema() },
  TaskDefinition: { schema: responses.taskDefinitionSchema },
  DeregisteredTaskDefinition: { schema: responses.deregisteredTaskDefinitionSchema },
  TaskDefinitionPage: { schema: responses.taskDefinitionPageSchema },
  TaskDefinitionFamilyPage: { schema: responses.taskDefinitionFamilyPageSchema },
  CapacityProviderStrategyItem: { schema: service.capacityProviderStrategy.unwrap().element },
  NetworkConfiguration: { schema: service.networkConfiguration },
  DeploymentCircuitBreaker: { schema: deploymentConfiguration.shape.deploymentCircuitBreaker.unwrap() },
  DeploymentConfiguration: { schema: deploymentConfiguration },
  CanaryConfiguration: { schema: canaryConfigurationSchema() },
  LinearConfiguration: { schema: linearConfigurationSchema() },
  DeploymentAlarms: { schema: alarmsSchema() },
  DeploymentAnalysis: { schema: analysisSchema() },
  AdvancedConfiguration: { schema: advancedConfigurationSchema() },
  TrafficShift: { schema: responses.trafficShiftSchema },
  AutoDeploy: { schema: service.autoDeploy.unwrap() },
  LoadBalancer: { schema: service.loadBalancers.unwrap().element },
  AutoScalingMetric: { schema: targetTrackingPolicy.shape.metric },
  TargetTrackingPolicy: { schema: targetTrackingPolicy },
  ScheduledScalingAction: { schema: autoScalingSchema().shape.scheduled.unwrap().element },
  AutoScaling: { schema: autoScalingSchema() },
  SpotFallback: { schema: spotFallbackSchema() },
  SpotFallbackPatch: { schema: spotFallbackPatchSchema() },
  SpotFallbackStatus: { schema: responses.spotFallbackStatusSchema },
  Deployment: { schema: responses.deploymentSchema },
  DeploymentPage: { schema: responses.deploymentPageSchema },
  ServiceEvent: { schema: responses.serviceEventSchema },
  ServiceEventPage: { schema: responses.serviceEventPageSchema },
  Service: { schema: responses.serviceSchema },
  ServiceDescription: { schema: responses.serviceDescriptionSchema },
  ServicePage: { schema: responses.servicePageSchema },
  CreateServiceRequest: { schema: createServiceSchema(), extra: placement },
  UpdateServiceRequest: { schema: updateServiceSchema(), extra: { minProperties: 1 } },
  CreateDeploymentRequest: { schema: deploySpecSchema() },
  RollbackRequest: { schema: rollbackSchema() },
  PlanAction: { schema: responses.planActionSchema },
  ServicePlan: { schema: responses.servicePlanSchema },
  ScalingActivity: { schema: responses.scalingActivitySchema },
  ScalingActivityPage: { schema: responses.scalingActivityPageSchema },
  PolicyMetrics: { schema: responses.policyMetricsSchema },
  ContainerOverride: { schema: runTaskSchema().shape.overrides.unwrap().shape.containerOverrides.element },
  RunTaskRequest: { schema: runTaskSchema(), extra: placement },
  Container: { schema: taskResponses.containerSchema },
  Task: { schema: taskResponses.taskSchema },
  TaskPage: { schema: taskResponses.taskPageSchema },
  Failure: { schema: taskResponses.failureSchema },
  RunTasksResult: { schema: taskResponses.runTasksResultSchema },
  TaskPhase: { schema: taskResponses.taskPhaseSchema },
  TaskTiming: { schema: taskResponses.taskTimingSchema },
  TaskDescription: { schema: taskResponses.taskDescriptionSchema },
  Cluster: { schema: responses.clusterSchema },
  ClusterList: { schema: responses.clusterListSchema },
  CreateJobRequest: { schema: createJobSchema(), extra: placement },
  UpdateJobRequest: { schema: updateJobSchema(), extra: { minProperties: 1 } },
  Job: { schema: jobResponses.jobSchema },
  JobPage: { schema: jobResponses.jobPageSchema },
  JobRun: { schema: jobResponses.jobRunSchema },
  JobRunPage: { schema: jobResponses.jobRunPageSchema },
};

/**
 * Request fields that zod reads with a transform (it takes any value and normalizes it), documented by
 * what they accept.
 */
export const acceptedInputs = new Map<z.core.$ZodType, z.ZodType>([
  [
    registerTaskDefinitionSchema().shape.cpu,
    z
      .union([z.int().positive(), z.string()])
      .describe(
        'CPU units, a Fargate size (256, 512, 1024, 2048, 4096, 8192 or 16384), or vCPUs such as "1 vCPU"; stored as a string of digits',
      ),
  ],
  [
    registerTaskDefinitionSchema().shape.memory,
    z
      .union([z.int().positive(), z.string()])
      .describe('MiB valid for the cpu on Fargate, or GB such as "2 GB"; stored as a string of digits'),
  ],
  [
    targetTrackingPolicy.shape.metric,
    z.union(Object.values(metricBranches())).describe('What a target tracking policy follows'),
  ],
]);

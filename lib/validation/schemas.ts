import * as z from 'zod';
import { analysisSchema } from './analysis';
import { approvalSchema } from './approval';
import { autoScalingPatchSchema, autoScalingSchema } from './autoscaling';
import { lifecycleHooksSchema } from './lifecycle-hooks';
import { loadBalancersSchema } from './load-balancers';
import {
  capacityProviderStrategyField,
  checkPlacement,
  launchTypeField,
  networkConfigurationSchema,
} from './placement';
import { spotFallbackPatchSchema, spotFallbackProblem, spotFallbackSchema } from './spot-fallback';
import {
  alarmsSchema,
  bakeTimeSchema,
  canaryConfigurationSchema,
  linearConfigurationSchema,
  strategySchema,
} from './strategies';
import {
  ecsName,
  intIn,
  nonEmptyString,
  tagsSchema,
  taskDefinitionReference,
} from './task-definition-schemas';

export { checkPlacement } from './placement';

export {
  clusterNameSchema,
  ecsName,
  FARGATE_CPU_SIZES,
  imageReference,
  registerTaskDefinitionSchema,
  tagSchema,
  taskDefinitionReference,
} from './task-definition-schemas';

import { onFirstUse } from './on-first-use';

/** ECS publishes no limits for `value`; Tugboat's: COUNT 1..10000, a percentage 1..1000. */
const thresholdConfigurationSchema = onFirstUse(() =>
  z
    .strictObject({
      type: z.enum(['COUNT', 'BOUNDED_PERCENT', 'UNBOUNDED_PERCENT']),
      value: intIn(1, 10_000),
    })
    .superRefine((threshold, ctx) => {
      if (threshold.type !== 'COUNT' && threshold.value > 1000) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `must be at most 1000 (percent of the desired count) with type ${threshold.type}`,
        });
      }
    })
    .describe(
      'ECS ThresholdConfiguration: how many failed tasks trip the breaker. COUNT: value itself; BOUNDED_PERCENT (the default, value 50): value % of the desired count, rounded up and clamped to 3..200; UNBOUNDED_PERCENT: the same, unclamped (at least 1).',
    ),
);

const circuitBreakerSchema = onFirstUse(() =>
  z
    .strictObject({
      enable: z.boolean(),
      rollback: z.boolean(),
      failureThreshold: intIn(1, 200)
        .describe("Tugboat's shorthand for thresholdConfiguration { type: COUNT, value }.")
        .optional(),
      thresholdConfiguration: thresholdConfigurationSchema().optional(),
      resetOnHealthyTask: z
        .boolean()
        .describe(
          "Default true (ECS's): a task that becomes healthy restarts the failure count. Tugboat restarts it only when the deployment's healthy count rises above its earlier peak, so a crash loop whose tasks pass their checks before dying still trips the breaker.",
        )
        .optional(),
    })
    .superRefine((breaker, ctx) => {
      if (breaker.failureThreshold !== undefined && breaker.thresholdConfiguration !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['failureThreshold'],
          message:
            'failureThreshold and thresholdConfiguration are mutually exclusive (failureThreshold N is thresholdConfiguration { type: COUNT, value: N })',
        });
      }
    }),
);

const deploymentConfigurationFields = onFirstUse(() => ({
  minimumHealthyPercent: intIn(0, 100),
  maximumPercent: intIn(100, 200),
  deploymentCircuitBreaker: circuitBreakerSchema(),
  minReadySeconds: intIn(0, 3600),
  progressDeadlineSeconds: intIn(30, 86400),
}));

const deploymentConfigurationPatchSchema = onFirstUse(() =>
  z.strictObject({
    minimumHealthyPercent: deploymentConfigurationFields().minimumHealthyPercent.optional(),
    maximumPercent: deploymentConfigurationFields().maximumPercent.optional(),
    deploymentCircuitBreaker: deploymentConfigurationFields().deploymentCircuitBreaker.optional(),
    minReadySeconds: deploymentConfigurationFields().minReadySeconds.optional(),
    progressDeadlineSeconds: deploymentConfigurationFields().progressDeadlineSeconds.optional(),
    strategy: strategySchema().optional(),
    bakeTimeInMinutes: bakeTimeSchema().optional(),
    canaryConfiguration: canaryConfigurationSchema().optional(),
    linearConfiguration: linearConfigurationSchema().optional(),
    alarms: alarmsSchema().optional(),
    analysis: analysisSchema().optional(),
    approval: approvalSchema().optional(),
    lifecycleHooks: lifecycleHooksSchema().optional(),
  }),
);

export type DeploymentConfigurationPatch = z.output<ReturnType<typeof deploymentConfigurationPatchSchema>>;

const autoDeploySchema = onFirstUse(() =>
  z.strictObject({
    tagPattern: nonEmptyString(128)
      .regex(/^[A-Za-z0-9_.*-]+$/, 'may contain letters, digits, ., -, _ and the wildcard *')
      .describe('A glob: * matches any run of characters.'),
    pinDigest: z.boolean().optional(),
  }),
);

export const desiredCountSchema = onFirstUse(() => intIn(0, 5000));

export const createServiceSchema = onFirstUse(() =>
  z
    .strictObject({
      serviceName: ecsName(),
      taskDefinition: taskDefinitionReference().describe('family or family:revision'),
      desiredCount: desiredCountSchema(),
      launchType: launchTypeField(),
      capacityProviderStrategy: capacityProviderStrategyField(),
      spotFallback: spotFallbackSchema().optional(),
      networkConfiguration: networkConfigurationSchema(),
      deploymentConfiguration: deploymentConfigurationPatchSchema().optional(),
      healthCheckGracePeriodSeconds: intIn(0, 2147483647).optional(),
      loadBalancers: loadBalancersSchema().optional(),
      autoDeploy: autoDeploySchema().optional(),
      autoScaling: autoScalingSchema().optional(),
      tags: tagsSchema().optional(),
    })
    .superRefine((input, ctx) => {
      checkPlacement(input, ctx);
      const problem = spotFallbackProblem(input.spotFallback, input.capacityProviderStrategy);
      if (problem) ctx.addIssue({ code: 'custom', path: ['spotFallback', 'enabled'], message: problem });
    }),
);

export type CreateServiceInput = z.output<ReturnType<typeof createServiceSchema>>;

export const updateServiceSchema = onFirstUse(() =>
  z
    .strictObject({
      desiredCount: desiredCountSchema().optional(),
      taskDefinition: taskDefinitionReference().optional(),
      deploymentConfiguration: deploymentConfigurationPatchSchema().optional(),
      autoDeploy: autoDeploySchema().nullable().optional(),
      healthCheckGracePeriodSeconds: intIn(0, 2147483647)
        .describe(
          'Seconds after a task reaches RUNNING during which unhealthy targets (and container health checks) do not stop it.',
        )
        .optional(),
      loadBalancers: loadBalancersSchema().optional(),
      autoScaling: autoScalingPatchSchema().optional(),
      spotFallback: spotFallbackPatchSchema().optional(),
    })
    .refine((input) => Object.keys(input).length > 0, {
      message:
        'give at least one of desiredCount, taskDefinition, deploymentConfiguration, autoDeploy, autoScaling, spotFallback',
    }),
);

export type UpdateServiceInput = z.output<ReturnType<typeof updateServiceSchema>>;

import * as z from 'zod';
import { analysisSchema } from './analysis';
import { approvalSchema } from './approval';
import { autoScalingPatchSchema, autoScalingSchema } from './autoscaling';
import { ECS_NAME } from './ecs-name';
import { describeFargateMemoryFor, isValidFargateCombination } from './fargate';
import { lifecycleHooksSchema } from './lifecycle-hooks';
import { loadBalancersSchema } from './load-balancers';
import { checkSecrets, logConfigurationSchema, secretsSchema } from './secrets';
import { spotFallbackPatchSchema, spotFallbackProblem, spotFallbackSchema } from './spot-fallback';
import {
  alarmsSchema,
  bakeTimeSchema,
  canaryConfigurationSchema,
  linearConfigurationSchema,
  strategySchema,
} from './strategies';

/** ECS names (family, container, service, cluster): up to 255 letters, digits, hyphens and underscores. */
export const ecsName = z
  .string()
  .min(1, ECS_NAME.empty)
  .max(ECS_NAME.max, ECS_NAME.tooLong)
  .regex(ECS_NAME.pattern, ECS_NAME.characters);

const nonEmptyString = (max: number) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

const intIn = (min: number, max: number) =>
  z
    .number()
    .int('must be an integer')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

export const FARGATE_CPU_SIZES = 'use 256, 512, 1024, 2048, 4096, 8192 or 16384';

/**
 * CPU units or MiB, as ECS takes them: a whole number, a string of digits, or ECS's unit form
 * ("1 vCPU", "2 GB", 1 vCPU = 1024 units, 1 GB = 1024 MiB). Normalized to ECS's string of digits.
 */
const resourceAmount = (unit: 'vCPU' | 'GB', expected: string) => {
  const withUnit = new RegExp(`^(\\d+(?:\\.\\d+)?)\\s*${unit}$`, 'i');
  return z.unknown().transform((value, ctx) => {
    let amount: number | undefined;
    if (typeof value === 'number' && Number.isInteger(value)) amount = value;
    else if (typeof value === 'string' && /^\d+$/.test(value.trim())) amount = Number(value.trim());
    else if (typeof value === 'string') {
      const match = withUnit.exec(value.trim());
      if (match?.[1]) amount = Number(match[1]) * 1024;
    }
    if (amount === undefined || !Number.isInteger(amount) || amount <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value) ?? 'nothing'} is not allowed: ${expected}`,
      });
      return z.NEVER;
    }
    return String(amount);
  });
};
const cpuAmount = resourceAmount(
  'vCPU',
  `must be CPU units as a number or a string of digits (${FARGATE_CPU_SIZES.slice(4)}), or vCPUs such as "1 vCPU"`,
);
const memoryAmount = resourceAmount(
  'GB',
  'must be MiB as a number or a string of digits (for example 512 or "2048"), or GB such as "2 GB"',
);

export const tagSchema = z.strictObject({
  key: nonEmptyString(128),
  value: z.string().max(256, 'must be at most 256 characters'),
});

const tagsSchema = z
  .array(tagSchema)
  .max(50, 'at most 50 tags')
  .superRefine((tags, ctx) => {
    const seen = new Set<string>();
    for (const [index, tag] of tags.entries()) {
      if (seen.has(tag.key))
        ctx.addIssue({ code: 'custom', path: [index, 'key'], message: `duplicate tag key "${tag.key}"` });
      seen.add(tag.key);
      if (tag.key.toLowerCase().startsWith('aws:')) {
        ctx.addIssue({ code: 'custom', path: [index, 'key'], message: 'the aws: prefix is reserved' });
      }
    }
  });

const healthCheckSchema = z.strictObject({
  command: z.array(nonEmptyString(1024)).min(1, 'must have at least one element'),
  interval: intIn(5, 300).default(30),
  timeout: intIn(2, 60).default(5),
  retries: intIn(1, 10).default(3),
  startPeriod: intIn(0, 300).default(0),
});

export const imageReference = nonEmptyString(255).regex(
  /^[A-Za-z0-9][A-Za-z0-9._\-/:@#]*$/,
  'is not a valid image reference',
);

const containerDefinitionSchema = z.strictObject({
  name: ecsName,
  image: imageReference,
  essential: z.boolean().default(true),
  command: z.array(z.string().max(8192)).max(1000).optional(),
  environment: z
    .array(z.strictObject({ name: nonEmptyString(255), value: z.string().max(32768) }))
    .max(1000)
    .describe(
      'Plain values, shown to every reader of the task definition; names that look like secrets (*PASSWORD*, *SECRET*, *TOKEN*, *_KEY) are accepted with a Tugboat-Warning header. Put secrets in `secrets`.',
    )
    .optional(),
  secrets: secretsSchema
    .describe(
      'ECS secrets: environment variables whose values ECS reads at launch, with the execution role, from Secrets Manager or SSM Parameter Store. Requires executionRoleArn.',
    )
    .optional(),
  portMappings: z
    .array(
      z.strictObject({ containerPort: intIn(1, 65535), protocol: z.enum(['tcp', 'udp']).default('tcp') }),
    )
    .max(100)
    .optional(),
  healthCheck: healthCheckSchema.optional(),
  logConfiguration: logConfigurationSchema.optional(),
});

const roleArn = z
  .string()
  .max(2048)
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');

export const registerTaskDefinitionSchema = z
  .strictObject({
    family: ecsName,
    cpu: cpuAmount,
    memory: memoryAmount,
    containerDefinitions: z
      .array(containerDefinitionSchema)
      .min(1, 'must have at least one container')
      .max(10, 'at most 10 containers'),
    executionRoleArn: roleArn.optional(),
    taskRoleArn: roleArn.optional(),
    tags: tagsSchema.optional(),
  })
  .superRefine((input, ctx) => {
    const cpu = Number(input.cpu);
    const memory = Number(input.memory);
    const allowed = describeFargateMemoryFor(cpu);
    // A field that did not parse has its own message already.
    if (Number.isFinite(cpu) && !allowed) {
      ctx.addIssue({
        code: 'custom',
        path: ['cpu'],
        message: `${cpu} CPU units is not a Fargate size; ${FARGATE_CPU_SIZES}`,
      });
    } else if (allowed && Number.isFinite(memory) && !isValidFargateCombination(cpu, memory)) {
      ctx.addIssue({
        code: 'custom',
        path: ['memory'],
        message: `${memory} MiB is not valid with ${cpu} CPU units on Fargate; allowed: ${allowed} MiB`,
      });
    }
    const names = new Set<string>();
    for (const [index, container] of input.containerDefinitions.entries()) {
      if (names.has(container.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['containerDefinitions', index, 'name'],
          message: `duplicate container name "${container.name}"`,
        });
      }
      names.add(container.name);
    }
    if (!input.containerDefinitions.some((container) => container.essential)) {
      ctx.addIssue({
        code: 'custom',
        path: ['containerDefinitions'],
        message: 'at least one container must be essential',
      });
    }
    checkSecrets(input, ctx);
  });

/** `family` or `family:revision`. */
export const taskDefinitionReference = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,255}(:[1-9]\d{0,8})?$/, 'must be "family" or "family:revision"');

const capacityProviderStrategySchema = z
  .array(
    z.strictObject({
      capacityProvider: z.enum(['FARGATE', 'FARGATE_SPOT']),
      base: intIn(0, 100000).default(0),
      weight: intIn(0, 1000).default(0),
    }),
  )
  .min(1, 'must have at least one item')
  .max(2, 'at most one item per capacity provider')
  .superRefine((items, ctx) => {
    if (new Set(items.map((item) => item.capacityProvider)).size !== items.length) {
      ctx.addIssue({ code: 'custom', message: 'each capacity provider may appear only once' });
    }
    if (items.filter((item) => item.base > 0).length > 1) {
      ctx.addIssue({ code: 'custom', message: 'only one capacity provider may have a base' });
    }
    if (items.length > 1 && !items.some((item) => item.weight > 0)) {
      ctx.addIssue({
        code: 'custom',
        message: 'at least one capacity provider must have a weight greater than 0',
      });
    }
  });

/** VPC resource ids: the prefix and 8 (older) or 17 hexadecimal digits, as EC2 issues them. */
const awsIdList = (prefix: string, max: number) =>
  z
    .array(
      z
        .string()
        .regex(
          new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`),
          `must be "${prefix}-" followed by 8 or 17 hexadecimal digits, for example ${prefix}-0123456789abcdef0`,
        ),
    )
    .max(max, `at most ${max} items`);

const networkConfigurationSchema = z.strictObject({
  awsvpcConfiguration: z.strictObject({
    subnets: awsIdList('subnet', 16).min(1, 'must have at least one subnet'),
    securityGroups: awsIdList('sg', 5).optional(),
    assignPublicIp: z.enum(['ENABLED', 'DISABLED']).default('DISABLED'),
  }),
});

/** ECS publishes no limits for `value`; Tugboat's: COUNT 1..10000, a percentage 1..1000. */
const thresholdConfigurationSchema = z
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
  );

const circuitBreakerSchema = z
  .strictObject({
    enable: z.boolean(),
    rollback: z.boolean(),
    failureThreshold: intIn(1, 200)
      .describe("Tugboat's shorthand for thresholdConfiguration { type: COUNT, value }.")
      .optional(),
    thresholdConfiguration: thresholdConfigurationSchema.optional(),
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
  });

const deploymentConfigurationFields = {
  minimumHealthyPercent: intIn(0, 100),
  maximumPercent: intIn(100, 200),
  deploymentCircuitBreaker: circuitBreakerSchema,
  minReadySeconds: intIn(0, 3600),
  progressDeadlineSeconds: intIn(30, 86400),
};

const deploymentConfigurationPatchSchema = z.strictObject({
  minimumHealthyPercent: deploymentConfigurationFields.minimumHealthyPercent.optional(),
  maximumPercent: deploymentConfigurationFields.maximumPercent.optional(),
  deploymentCircuitBreaker: deploymentConfigurationFields.deploymentCircuitBreaker.optional(),
  minReadySeconds: deploymentConfigurationFields.minReadySeconds.optional(),
  progressDeadlineSeconds: deploymentConfigurationFields.progressDeadlineSeconds.optional(),
  strategy: strategySchema.optional(),
  bakeTimeInMinutes: bakeTimeSchema.optional(),
  canaryConfiguration: canaryConfigurationSchema.optional(),
  linearConfiguration: linearConfigurationSchema.optional(),
  alarms: alarmsSchema.optional(),
  analysis: analysisSchema.optional(),
  approval: approvalSchema.optional(),
  lifecycleHooks: lifecycleHooksSchema.optional(),
});

export type DeploymentConfigurationPatch = z.output<typeof deploymentConfigurationPatchSchema>;

const autoDeploySchema = z.strictObject({
  tagPattern: nonEmptyString(128)
    .regex(/^[A-Za-z0-9_.*-]+$/, 'may contain letters, digits, ., -, _ and the wildcard *')
    .describe('A glob: * matches any run of characters.'),
  pinDigest: z.boolean().optional(),
});

/** ECS takes a launch type or a capacity provider strategy, never both (services and one-off tasks alike). */
export const checkPlacement = (
  input: { launchType?: unknown; capacityProviderStrategy?: unknown },
  ctx: z.RefinementCtx,
): void => {
  if (input.launchType !== undefined && input.capacityProviderStrategy !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['launchType'],
      message: 'launchType and capacityProviderStrategy are mutually exclusive',
    });
  }
};

export const desiredCountSchema = intIn(0, 5000);

export const createServiceSchema = z
  .strictObject({
    serviceName: ecsName,
    taskDefinition: taskDefinitionReference.describe('family or family:revision'),
    desiredCount: desiredCountSchema,
    launchType: z.literal('FARGATE', { error: 'must be "FARGATE"' }).optional(),
    capacityProviderStrategy: capacityProviderStrategySchema.optional(),
    spotFallback: spotFallbackSchema.optional(),
    networkConfiguration: networkConfigurationSchema,
    deploymentConfiguration: deploymentConfigurationPatchSchema.optional(),
    healthCheckGracePeriodSeconds: intIn(0, 2147483647).optional(),
    loadBalancers: loadBalancersSchema.optional(),
    autoDeploy: autoDeploySchema.optional(),
    autoScaling: autoScalingSchema.optional(),
    tags: tagsSchema.optional(),
  })
  .superRefine((input, ctx) => {
    checkPlacement(input, ctx);
    const problem = spotFallbackProblem(input.spotFallback, input.capacityProviderStrategy);
    if (problem) ctx.addIssue({ code: 'custom', path: ['spotFallback', 'enabled'], message: problem });
  });

export type CreateServiceInput = z.output<typeof createServiceSchema>;

export const updateServiceSchema = z
  .strictObject({
    desiredCount: desiredCountSchema.optional(),
    taskDefinition: taskDefinitionReference.optional(),
    deploymentConfiguration: deploymentConfigurationPatchSchema.optional(),
    autoDeploy: autoDeploySchema.nullable().optional(),
    healthCheckGracePeriodSeconds: intIn(0, 2147483647)
      .describe(
        'Seconds after a task reaches RUNNING during which unhealthy targets (and container health checks) do not stop it.',
      )
      .optional(),
    loadBalancers: loadBalancersSchema.optional(),
    autoScaling: autoScalingPatchSchema.optional(),
    spotFallback: spotFallbackPatchSchema.optional(),
  })
  .refine((input) => Object.keys(input).length > 0, {
    message:
      'give at least one of desiredCount, taskDefinition, deploymentConfiguration, autoDeploy, autoScaling, spotFallback',
  });

export type UpdateServiceInput = z.output<typeof updateServiceSchema>;

export const clusterNameSchema = ecsName;

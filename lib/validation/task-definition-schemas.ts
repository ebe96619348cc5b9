import * as z from 'zod';
import { ECS_NAME } from './ecs-name';
import { describeFargateMemoryFor, isValidFargateCombination } from './fargate';
import { onFirstUse } from './on-first-use';
import { checkSecrets, logConfigurationSchema, secretsSchema } from './secrets';

/*
 * The task definition's request schema and the names and references every request takes. Apart from the
 * service schemas (schemas.ts, which re-exports these) so that a function that registers or names task
 * definitions (deploy events) does not build the service schemas at load (cold start, docs/performance.md).
 */

/** ECS names (family, container, service, cluster): up to 255 letters, digits, hyphens and underscores. */
export const ecsName = onFirstUse(() =>
  z
    .string()
    .min(1, ECS_NAME.empty)
    .max(ECS_NAME.max, ECS_NAME.tooLong)
    .regex(ECS_NAME.pattern, ECS_NAME.characters),
);

export const nonEmptyString = (max: number) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const intIn = (min: number, max: number) =>
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
export const tagSchema = onFirstUse(() =>
  z.strictObject({
    key: nonEmptyString(128),
    value: z.string().max(256, 'must be at most 256 characters'),
  }),
);

export const tagsSchema = onFirstUse(() =>
  z
    .array(tagSchema())
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
    }),
);

export const imageReference = onFirstUse(() =>
  nonEmptyString(255).regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@#]*$/, 'is not a valid image reference'),
);

/**
 * POST /task-definitions' body (and the revision a deploy registers): built on first use, not at load,
 * as only those requests need it.
 */
export const registerTaskDefinitionSchema = onFirstUse(() => {
  const cpuAmount = resourceAmount(
    'vCPU',
    `must be CPU units as a number or a string of digits (${FARGATE_CPU_SIZES.slice(4)}), or vCPUs such as "1 vCPU"`,
  );
  const memoryAmount = resourceAmount(
    'GB',
    'must be MiB as a number or a string of digits (for example 512 or "2048"), or GB such as "2 GB"',
  );

  const healthCheckSchema = z.strictObject({
    command: z.array(nonEmptyString(1024)).min(1, 'must have at least one element'),
    interval: intIn(5, 300).default(30),
    timeout: intIn(2, 60).default(5),
    retries: intIn(1, 10).default(3),
    startPeriod: intIn(0, 300).default(0),
  });

  const containerDefinitionSchema = z.strictObject({
    name: ecsName(),
    image: imageReference(),
    essential: z.boolean().default(true),
    command: z.array(z.string().max(8192)).max(1000).optional(),
    environment: z
      .array(z.strictObject({ name: nonEmptyString(255), value: z.string().max(32768) }))
      .max(1000)
      .describe(
        'Plain values, shown to every reader of the task definition; names that look like secrets (*PASSWORD*, *SECRET*, *TOKEN*, *_KEY) are accepted with a Tugboat-Warning header. Put secrets in `secrets`.',
      )
      .optional(),
    secrets: secretsSchema()
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
    logConfiguration: logConfigurationSchema().optional(),
  });

  const roleArn = z
    .string()
    .max(2048)
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');

  const registerSchema = z
    .strictObject({
      family: ecsName(),
      cpu: cpuAmount,
      memory: memoryAmount,
      containerDefinitions: z
        .array(containerDefinitionSchema)
        .min(1, 'must have at least one container')
        .max(10, 'at most 10 containers'),
      executionRoleArn: roleArn.optional(),
      taskRoleArn: roleArn.optional(),
      tags: tagsSchema().optional(),
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
  return registerSchema;
});

/** `family` or `family:revision`. */
export const taskDefinitionReference = onFirstUse(() =>
  z.string().regex(/^[A-Za-z0-9_-]{1,255}(:[1-9]\d{0,8})?$/, 'must be "family" or "family:revision"'),
);

export const clusterNameSchema = onFirstUse(() => ecsName());

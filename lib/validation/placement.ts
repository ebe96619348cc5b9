import * as z from 'zod';
import { onFirstUse } from './on-first-use';
import { intIn } from './task-definition-schemas';

/*
 * Where a service's, a one-off task's or a job's tasks run: its network and its launch type or capacity
 * provider strategy, one schema instance each, shared by the service schemas (schemas.ts) and the task
 * schemas (tasks.ts) without either loading the other.
 */

const capacityProviderStrategySchema = onFirstUse(() =>
  z
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
    }),
);

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

export const networkConfigurationSchema = onFirstUse(() =>
  z.strictObject({
    awsvpcConfiguration: z.strictObject({
      subnets: awsIdList('subnet', 16).min(1, 'must have at least one subnet'),
      securityGroups: awsIdList('sg', 5).optional(),
      assignPublicIp: z.enum(['ENABLED', 'DISABLED']).default('DISABLED'),
    }),
  }),
);

/** A service's, a task's or a job's launchType: Fargate only. */
export const launchTypeField = onFirstUse(() =>
  z.literal('FARGATE', { error: 'must be "FARGATE"' }).optional(),
);
export const capacityProviderStrategyField = onFirstUse(() => capacityProviderStrategySchema().optional());

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

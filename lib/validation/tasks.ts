import * as z from 'zod';
import { onFirstUse } from './on-first-use';
import {
  capacityProviderStrategyField as capacityProviderStrategy,
  checkPlacement,
  launchTypeField as launchType,
  networkConfigurationSchema,
} from './placement';
import { ecsName, taskDefinitionReference } from './task-definition-schemas';

// One-off tasks take the same network and placement settings as a service (the same schema instances).

/** RunTask's clientToken: up to 64 ASCII characters 33-126. */
export const clientTokenSchema = onFirstUse(() =>
  z.string().regex(/^[\x21-\x7e]{1,64}$/, 'must be 1-64 ASCII characters in the range 33-126'),
);

/** ECS allows letters, digits, hyphens, underscores and forward slashes in startedBy, up to 128. */
export const startedBySchema = onFirstUse(() =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .regex(/^[A-Za-z0-9_/-]+$/, 'may contain only letters, digits, hyphens, underscores and slashes'),
);

const containerOverrideSchema = onFirstUse(() =>
  z.strictObject({
    name: ecsName().describe('A container of the task definition'),
    command: z.array(z.string().max(8192)).max(1000).optional(),
    environment: z
      .array(
        z.strictObject({
          name: z.string().min(1, 'must not be empty').max(255),
          value: z.string().max(32768),
        }),
      )
      .max(1000)
      .optional(),
  }),
);

const overridesSchema = onFirstUse(() =>
  z
    .strictObject({ containerOverrides: z.array(containerOverrideSchema()).max(10, 'at most 10 containers') })
    .optional(),
);

/** The launch fields a one-off task and a scheduled job share. */
export const launchFields = onFirstUse(() => ({
  networkConfiguration: networkConfigurationSchema(),
  launchType: launchType(),
  capacityProviderStrategy: capacityProviderStrategy(),
  overrides: overridesSchema(),
}));

export const runTaskSchema = onFirstUse(() =>
  z
    .strictObject({
      taskDefinition: taskDefinitionReference().describe(
        'family (its latest ACTIVE revision) or family:revision (must be ACTIVE)',
      ),
      count: z
        .number()
        .int('must be an integer')
        .min(1, 'must be between 1 and 10')
        .max(10, 'must be between 1 and 10')
        .default(1),
      networkConfiguration: networkConfigurationSchema(),
      launchType: launchType(),
      capacityProviderStrategy: capacityProviderStrategy(),
      overrides: overridesSchema(),
      clientToken: clientTokenSchema()
        .describe(
          'Idempotency key (ECS keeps it 24 hours): a repeated request with the same token and parameters launches nothing new and returns the same tasks. Generated when absent.',
        )
        .optional(),
      startedBy: startedBySchema()
        .describe(
          "Prefixed with tugboat-<installation>_ (the TUGBOAT_INSTALLATION id) unless it already starts with it (default tugboat-<installation>_run), so the task's ECS events reach this installation and no other installation touches the task.",
        )
        .optional(),
    })
    .superRefine((input, ctx) => {
      checkPlacement(input, ctx);
      const names = new Set<string>();
      for (const [index, override] of (input.overrides?.containerOverrides ?? []).entries()) {
        if (names.has(override.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['overrides', 'containerOverrides', index, 'name'],
            message: `duplicate container override "${override.name}"`,
          });
        }
        names.add(override.name);
      }
    }),
);

export const taskDesiredStatusSchema = onFirstUse(() => z.enum(['RUNNING', 'PENDING', 'STOPPED']));

export const listTasksQuerySchema = onFirstUse(() =>
  z.object({
    serviceName: ecsName().optional(),
    desiredStatus: taskDesiredStatusSchema().optional(),
  }),
);

/** ECS task ids: 32 lowercase hex characters (the last part of the task ARN). */
export const taskIdSchema = onFirstUse(() =>
  z.string().regex(/^[0-9a-f]{32}$/, 'must be an ECS task id (32 hex characters)'),
);

export const stopReasonSchema = onFirstUse(() =>
  z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
);

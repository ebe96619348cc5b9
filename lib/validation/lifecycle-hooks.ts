/**
 * deploymentConfiguration.lifecycleHooks on ECS's DeploymentLifecycleHook shape, and the checks made on
 * the merged service (a create and a PATCH alike): hooks need a BLUE_GREEN, CANARY or LINEAR strategy, and
 * an http:// target is accepted only by an installation that runs locally (TUGBOAT_LOCAL_HOOKS=1).
 */
import * as z from 'zod';
import { type DeploymentConfiguration, LIFECYCLE_HOOK_STAGES } from '../domain';
import { ValidationError } from '../errors';
import { onFirstUse } from './on-first-use';

/** ECS's Lambda function ARN (a version or alias qualifier allowed). */
export const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;
const HTTP_URL = /^http:\/\/[^\s/]+(\/\S*)?$/;

/** hookDetails are copied onto each deployment (and sent on each call): kept small. */
export const MAX_HOOK_DETAILS_CHARS = 4096;
export const MAX_LIFECYCLE_HOOKS = 10;

const jsonSize = (value: unknown): number => {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
};

export const lifecycleHookSchema = onFirstUse(() =>
  z
    .strictObject({
      targetType: z
        .literal('AWS_LAMBDA', {
          error: 'must be "AWS_LAMBDA" (pause hooks: use deploymentConfiguration.approval)',
        })
        .optional(),
      hookTargetArn: z
        .string()
        .max(2048, 'must be at most 2048 characters')
        .refine(
          (value) => LAMBDA_FUNCTION_ARN.test(value) || HTTP_URL.test(value),
          'must be a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)',
        )
        .describe(
          "The Lambda function invoked with ECS's payload at each of lifecycleStages. An installation started by `npm start` also takes an http:// URL, POSTed the same payload.",
        ),
      roleArn: z
        .string()
        .max(2048)
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')
        .describe('Accepted and shown as ECS takes it; Tugboat invokes the function with its own role.')
        .optional(),
      lifecycleStages: z
        .array(z.enum(LIFECYCLE_HOOK_STAGES))
        .min(1, 'must name at least one stage')
        .max(LIFECYCLE_HOOK_STAGES.length, `at most ${LIFECYCLE_HOOK_STAGES.length} stages`)
        .describe(
          'The stages at which the hook runs; a stage the strategy does not pass through never runs it.',
        ),
      hookDetails: z
        .unknown()
        .refine(
          (value) => jsonSize(value) <= MAX_HOOK_DETAILS_CHARS,
          `must be at most ${MAX_HOOK_DETAILS_CHARS} characters as JSON`,
        )
        .describe('Any JSON, passed to every call of the hook.')
        .optional(),
      timeoutConfiguration: z
        .strictObject({
          timeoutInMinutes: z
            .number()
            .int('must be an integer')
            .min(1, 'must be between 1 and 20160')
            .max(20160, 'must be between 1 and 20160')
            .describe('Minutes a hook may answer IN_PROGRESS (default 1440).')
            .optional(),
          action: z
            .enum(['ROLLBACK', 'CONTINUE'])
            .describe('What happens at the timeout (default ROLLBACK).')
            .optional(),
        })
        .optional(),
    })
    .describe('ECS DeploymentLifecycleHook: a function Tugboat invokes at the named stages of a deployment.'),
);

export const lifecycleHooksSchema = onFirstUse(() =>
  z
    .array(lifecycleHookSchema())
    .max(MAX_LIFECYCLE_HOOKS, `at most ${MAX_LIFECYCLE_HOOKS} lifecycle hooks`)
    .describe(
      'ECS lifecycle hooks of a BLUE_GREEN, CANARY or LINEAR deployment: each named stage waits for its hooks to answer SUCCEEDED (FAILED rolls back; IN_PROGRESS is called again after callBackDelay). Applies from the next deployment.',
    ),
);

const invalid = (field: string, message: string): ValidationError =>
  new ValidationError(`Invalid request body: ${field}: ${message}`, { issues: [{ field, message }] });

/**
 * 400 naming the field: lifecycle hooks with a ROLLING strategy (ECS runs them only for blue/green,
 * canary and linear deployments), or an http:// target where hooks must be Lambda functions.
 */
export const checkLifecycleHooks = (
  config: DeploymentConfiguration,
  { localHooks = false }: { localHooks?: boolean } = {},
): void => {
  const hooks = config.lifecycleHooks ?? [];
  if (hooks.length === 0) return;
  if ((config.strategy ?? 'ROLLING') === 'ROLLING')
    throw invalid(
      'deploymentConfiguration.lifecycleHooks',
      'a ROLLING deployment has no lifecycle stages to run hooks at; use BLUE_GREEN, CANARY or LINEAR',
    );
  for (const [index, hook] of hooks.entries())
    if (!localHooks && !LAMBDA_FUNCTION_ARN.test(hook.hookTargetArn))
      throw invalid(
        `deploymentConfiguration.lifecycleHooks[${index}].hookTargetArn`,
        'must be a Lambda function ARN (an http:// URL only where Tugboat runs locally, TUGBOAT_LOCAL_HOOKS=1)',
      );
};

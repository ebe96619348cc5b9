// zod/mini: every function validates its environment at load, and the full zod costs every cold start.
import * as z from 'zod/mini';
import { DEFAULT_INSTALLATION, INSTALLATION_RULE, isValidInstallation } from './inventory/naming';

const positiveInt = z.pipe(z.string().check(z.regex(/^\d+$/, 'must be a whole number')), z.transform(Number));

/**
 * Environment, validated once at start-up: a misconfigured function fails on its first cold start
 * instead of on some later request.
 */
const configSchema = z.object({
  TUGBOAT_TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  TUGBOAT_ACCOUNT_ID: z._default(
    z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
    '000000000000',
  ),
  TUGBOAT_RECONCILE_QUEUE_URL: z.optional(z.url()),
  /** Which installation this is: its tasks' startedBy and ECS families carry it (serverless.yml: the stage). */
  TUGBOAT_INSTALLATION: z._default(
    z.string().check(z.refine(isValidInstallation, `must be ${INSTALLATION_RULE}`)),
    DEFAULT_INSTALLATION,
  ),
  /** First crash-loop back-off wait; ECS's behaviour is the default, tests shorten it. */
  TUGBOAT_BACKOFF_BASE_MS: z.optional(positiveInt),
  /** The clusters Tugboat may use (serverless.yml's custom.clusterArns), comma-separated; unset: any. */
  TUGBOAT_CLUSTER_ARNS: z.optional(z.string().check(z.minLength(1))),
  /**
   * The roles task definitions may name (serverless.yml's custom.taskRoleArns, custom.executionRoleArns),
   * comma-separated, IAM wildcards allowed; unset: any role; empty: none.
   */
  TUGBOAT_TASK_ROLE_ARNS: z.optional(z.string()),
  TUGBOAT_EXECUTION_ROLE_ARNS: z.optional(z.string()),
  /** Set by the local stack (npm start, the tests): lifecycle hooks may also be http:// URLs. */
  TUGBOAT_LOCAL_HOOKS: z.optional(z.string()),
});

export interface TugboatConfig {
  tableName: string;
  region: string;
  accountId: string;
  /** This installation's id (TUGBOAT_INSTALLATION, default `local`). */
  installation?: string;
  reconcileQueueUrl?: string;
  backoffBaseMs?: number;
  /** Names or ARNs of the clusters Tugboat may use; absent (locally), any cluster ECS knows. */
  clusterArns?: string[];
  /** The roles a task definition's taskRoleArn may name (IAM wildcards allowed); absent (locally), any. */
  taskRoleArns?: string[];
  /** The same for executionRoleArn. */
  executionRoleArns?: string[];
  /** Lifecycle hook targets may be http:// URLs (TUGBOAT_LOCAL_HOOKS=1, set only by the local stack). */
  localHooks?: boolean;
}

/** A comma-separated list; an empty setting is an empty list (no role allowed). */
const listOf = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): TugboatConfig => {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid Tugboat configuration: ${problems}`);
  }
  return {
    tableName: parsed.data.TUGBOAT_TABLE_NAME,
    region: parsed.data.AWS_REGION,
    accountId: parsed.data.TUGBOAT_ACCOUNT_ID,
    installation: parsed.data.TUGBOAT_INSTALLATION,
    ...(parsed.data.TUGBOAT_RECONCILE_QUEUE_URL
      ? { reconcileQueueUrl: parsed.data.TUGBOAT_RECONCILE_QUEUE_URL }
      : {}),
    ...(parsed.data.TUGBOAT_BACKOFF_BASE_MS === undefined
      ? {}
      : { backoffBaseMs: parsed.data.TUGBOAT_BACKOFF_BASE_MS }),
    ...(parsed.data.TUGBOAT_CLUSTER_ARNS
      ? { clusterArns: parsed.data.TUGBOAT_CLUSTER_ARNS.split(',').map((arn) => arn.trim()) }
      : {}),
    ...(parsed.data.TUGBOAT_TASK_ROLE_ARNS === undefined
      ? {}
      : { taskRoleArns: listOf(parsed.data.TUGBOAT_TASK_ROLE_ARNS) }),
    ...(parsed.data.TUGBOAT_EXECUTION_ROLE_ARNS === undefined
      ? {}
      : { executionRoleArns: listOf(parsed.data.TUGBOAT_EXECUTION_ROLE_ARNS) }),
    ...(parsed.data.TUGBOAT_LOCAL_HOOKS === '1' ? { localHooks: true } : {}),
  };
};

/** For functions that cannot work without a setting: fail at start-up, naming it. */
export const required = <T>(value: T | undefined, name: string): T => {
  if (value === undefined)
    throw new Error(`Invalid Tugboat configuration: ${name} is required by this function`);
  return value;
};

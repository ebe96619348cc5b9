/**
 * A container's `secrets` and `logConfiguration` (with its `secretOptions`), in ECS's RegisterTaskDefinition
 * shapes, and the rules ECS holds them to at registration. They pass to ECS unchanged.
 */
import * as z from 'zod';
import { onFirstUse } from './on-first-use';

/** A Secrets Manager secret (with an optional `:json-key:version-stage:version-id`) or an SSM parameter. */
const SECRET_ARN =
  /^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:[^\s:]+(:[^\s:]*){0,3}|ssm:[a-z0-9-]+:\d{12}:parameter\/\S+)$/;

/** ECS's Secret: the variable's name, and the ARN ECS reads its value from at launch. */
export const secretSchema = onFirstUse(() =>
  z.strictObject({
    name: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
    valueFrom: z
      .string()
      .max(2048, 'must be at most 2048 characters')
      .regex(
        SECRET_ARN,
        'must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>) or of an SSM Parameter Store parameter (arn:aws:ssm:<region>:<account>:parameter/<name>)',
      )
      .describe(
        'The ARN of a Secrets Manager secret or an SSM Parameter Store parameter; the execution role must be allowed to read it.',
      ),
  }),
);

export const secretsSchema = onFirstUse(() => z.array(secretSchema()));

/** ECS's log drivers; Fargate runs only the first three. */
export const FARGATE_LOG_DRIVERS = ['awslogs', 'splunk', 'awsfirelens'] as const;
const EC2_LOG_DRIVERS = ['json-file', 'syslog', 'journald', 'gelf', 'fluentd'];

export const logConfigurationSchema = onFirstUse(() =>
  z.strictObject({
    logDriver: z.enum(FARGATE_LOG_DRIVERS, {
      error: (issue) =>
        EC2_LOG_DRIVERS.includes(String(issue.input))
          ? `${String(issue.input)} is not supported on Fargate; use awslogs, splunk or awsfirelens`
          : 'must be awslogs, splunk or awsfirelens (the log drivers Fargate supports)',
    }),
    options: z.record(z.string(), z.string()).optional(),
    secretOptions: secretsSchema().optional(),
  }),
);

interface ContainerWithSecrets {
  name: string;
  environment?: { name: string }[] | undefined;
  secrets?: { name: string }[] | undefined;
  logConfiguration?: { logDriver: string; secretOptions?: unknown[] | undefined } | undefined;
}

/**
 * ECS's registration rules for secrets and logs on Fargate, as issues of the task definition: secrets (an
 * empty list too, as ECS counts it) and secret options need an execution role to read them, and so does
 * awslogs to write; a secret's name may not also be an environment variable of its container.
 */
export const checkSecrets = (
  input: { executionRoleArn?: string | undefined; containerDefinitions: ContainerWithSecrets[] },
  ctx: z.RefinementCtx,
): void => {
  // One issue for the role, naming the first container that needs it.
  const reading = input.containerDefinitions.find(
    (container) => container.secrets !== undefined || container.logConfiguration?.secretOptions !== undefined,
  );
  const logging = input.containerDefinitions.find(
    (container) => container.logConfiguration?.logDriver === 'awslogs',
  );
  if (!input.executionRoleArn && reading) {
    ctx.addIssue({
      code: 'custom',
      path: ['executionRoleArn'],
      message: `is required: container ${reading.name} has ${reading.secrets !== undefined ? 'secrets' : 'logConfiguration.secretOptions'}, which ECS reads with the execution role (ECS: "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.")`,
    });
  } else if (!input.executionRoleArn && logging) {
    ctx.addIssue({
      code: 'custom',
      path: ['executionRoleArn'],
      message: `is required: container ${logging.name} logs with awslogs (ECS: "Fargate requires task definition to have execution role ARN to support log driver awslogs.")`,
    });
  }
  for (const [index, container] of input.containerDefinitions.entries()) {
    const environment = new Set((container.environment ?? []).map((variable) => variable.name));
    for (const [secretIndex, secret] of (container.secrets ?? []).entries()) {
      if (environment.has(secret.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['containerDefinitions', index, 'secrets', secretIndex, 'name'],
          message: `The secret name must be unique and not shared with any new or existing environment variables set on the container, such as '${secret.name}'.`,
        });
      }
    }
  }
};

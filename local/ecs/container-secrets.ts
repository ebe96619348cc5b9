/**
 * RegisterTaskDefinition's checks of a container's `secrets` and `logConfiguration` (with `secretOptions`),
 * in ECS's shapes (the Secret and LogConfiguration types of the API reference). The fields are stored and
 * described back as given. The execution-role and secret-name messages are ECS's own; ECS documents no
 * wording for the shape errors, so theirs is this endpoint's.
 */
import { clientException } from './errors';
import type { Json } from './types';

/** The LogDriver enum of the API reference, and the drivers Fargate runs. */
const LOG_DRIVERS = [
  'json-file',
  'syslog',
  'journald',
  'gelf',
  'fluentd',
  'awslogs',
  'splunk',
  'awsfirelens',
];
const FARGATE_LOG_DRIVERS = ['awslogs', 'splunk', 'awsfirelens'];

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A list of Secret: each a `name` and a `valueFrom`, both non-empty strings. */
const checkSecretList = (value: unknown, field: string): Json[] => {
  if (!Array.isArray(value)) throw clientException(`${field} must be a list.`);
  return value.map((secret) => {
    if (
      !isObject(secret) ||
      typeof secret.name !== 'string' ||
      secret.name === '' ||
      typeof secret.valueFrom !== 'string' ||
      secret.valueFrom === ''
    ) {
      throw clientException(`${field}: each secret needs a name and a valueFrom.`);
    }
    return secret;
  });
};

const checkLogConfiguration = (value: unknown, fargate: boolean): Json => {
  if (!isObject(value)) throw clientException('logConfiguration must be a structure.');
  const driver = value.logDriver;
  if (typeof driver !== 'string' || !LOG_DRIVERS.includes(driver)) {
    throw clientException(`logConfiguration.logDriver must be one of ${LOG_DRIVERS.join(', ')}.`);
  }
  if (fargate && !FARGATE_LOG_DRIVERS.includes(driver)) {
    throw clientException(
      `Log driver ${driver} is not supported on Fargate; use ${FARGATE_LOG_DRIVERS.join(', ')}.`,
    );
  }
  const options = value.options;
  if (
    options !== undefined &&
    options !== null &&
    (!isObject(options) || Object.values(options).some((option) => typeof option !== 'string'))
  ) {
    throw clientException('logConfiguration.options must be a map of strings.');
  }
  if (value.secretOptions !== undefined && value.secretOptions !== null) {
    checkSecretList(value.secretOptions, 'logConfiguration.secretOptions');
  }
  return value;
};

export const checkContainerSecrets = (
  containers: Json[],
  task: { executionRoleArn: string | undefined; fargate: boolean },
): void => {
  for (const container of containers) {
    const secrets =
      container.secrets === undefined || container.secrets === null
        ? undefined
        : checkSecretList(container.secrets, 'secrets');
    const log =
      container.logConfiguration === undefined || container.logConfiguration === null
        ? undefined
        : checkLogConfiguration(container.logConfiguration, task.fargate);
    const secretOptions = log?.secretOptions !== undefined && log.secretOptions !== null;
    // ECS counts an empty secrets list too.
    if ((secrets || secretOptions) && !task.executionRoleArn) {
      throw clientException(
        "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
      );
    }
    if (log?.logDriver === 'awslogs' && task.fargate && !task.executionRoleArn) {
      throw clientException(
        'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
      );
    }
    const environment = Array.isArray(container.environment)
      ? new Set(container.environment.map((variable) => (isObject(variable) ? variable.name : undefined)))
      : new Set();
    const shared = secrets?.find((secret) => environment.has(secret.name));
    if (shared) {
      throw clientException(
        `The secret name must be unique and not shared with any new or existing environment variables set on the container, such as '${String(shared.name)}'.`,
      );
    }
  }
};

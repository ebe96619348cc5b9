/** Task definitions: what a task runs (ECS's shapes, in camelCase), and the `family:revision` reference rule. */

export interface Tag {
  key: string;
  value: string;
}

export interface KeyValuePair {
  name: string;
  value: string;
}

export interface PortMapping {
  containerPort: number;
  protocol?: 'tcp' | 'udp';
}

export interface HealthCheck {
  command: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  startPeriod?: number;
}

/** ECS's Secret: a variable whose value ECS reads at launch, with the execution role, from where valueFrom names. */
export interface Secret {
  name: string;
  /** The ARN of a Secrets Manager secret or an SSM Parameter Store parameter. */
  valueFrom: string;
}

/** ECS's LogConfiguration, on Fargate: awslogs, splunk or awsfirelens, their options and secret options. */
export interface LogConfiguration {
  logDriver: 'awslogs' | 'splunk' | 'awsfirelens';
  options?: Record<string, string>;
  secretOptions?: Secret[];
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential?: boolean;
  command?: string[];
  environment?: KeyValuePair[];
  secrets?: Secret[];
  portMappings?: PortMapping[];
  healthCheck?: HealthCheck;
  logConfiguration?: LogConfiguration;
}

/** Environment names that look like they hold a secret: *PASSWORD*, *SECRET*, *TOKEN*, *_KEY, in any case. */
const SECRET_LIKE_NAME = /PASSWORD|SECRET|TOKEN|_KEY$/i;

/**
 * The environment variables whose names look like secrets, by container. Their values are in the task
 * definition, which every reader of the API (and the console) sees; `secrets` keeps only a reference.
 */
export const secretLikeEnvironment = (
  taskDefinition: Pick<TaskDefinition, 'containerDefinitions'>,
): { container: string; names: string[] }[] =>
  taskDefinition.containerDefinitions.flatMap((container) => {
    const names = (container.environment ?? [])
      .map((variable) => variable.name)
      .filter((name) => SECRET_LIKE_NAME.test(name));
    return names.length > 0 ? [{ container: container.name, names }] : [];
  });

export type TaskDefinitionStatus = 'ACTIVE' | 'INACTIVE';

/** A task definition revision's reference, `family:revision`, as services and deployments name it. */
export const revisionReference = (taskDefinition: { family: string; revision: number }): string =>
  `${taskDefinition.family}:${taskDefinition.revision}`;

/** The family and revision of a `family:revision` reference; revision undefined for a bare `family`. */
export const parseRevisionReference = (reference: string): { family: string; revision?: number } => {
  const colon = reference.lastIndexOf(':');
  return colon < 0
    ? { family: reference }
    : { family: reference.slice(0, colon), revision: Number(reference.slice(colon + 1)) };
};

/** Two revision references of one family: a rollback may only go to a revision of the service's own family. */
export const sameFamily = (a: string, b: string): boolean =>
  parseRevisionReference(a).family === parseRevisionReference(b).family;

export interface TaskDefinition {
  family: string;
  revision: number;
  taskDefinitionArn: string;
  status: TaskDefinitionStatus;
  cpu: string;
  memory: string;
  containerDefinitions: ContainerDefinition[];
  executionRoleArn?: string;
  taskRoleArn?: string;
  tags?: Tag[];
  requiresCompatibilities: ['FARGATE'];
  networkMode: 'awsvpc';
  registeredAt: string;
  deregisteredAt?: string;
  /** The ARN ECS gave this revision when Tugboat first launched it (registered lazily, once). */
  ecsTaskDefinitionArn?: string;
  /** When Tugboat deregistered that ECS copy: after the revision went INACTIVE and no service used it. */
  ecsDeregisteredAt?: string;
  /** Optimistic-locking counter; every write checks and bumps it. */
  version: number;
}

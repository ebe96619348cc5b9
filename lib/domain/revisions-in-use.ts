/**
 * Which revisions services still run, and so which ECS copies Tugboat must keep ACTIVE: ECS refuses
 * RunTask of an INACTIVE task definition, and Tugboat launches every task through RunTask, so a copy
 * deregistered under a service would stop it from scaling out or replacing a task. Pure.
 */
import type { Service } from './services';
import type { TaskDefinition } from './task-definitions';

/**
 * The revisions (`family:revision`) a service may still launch: those of its deployments that are not
 * INACTIVE and of its committed launches; and, while its PRIMARY is IN_PROGRESS, those of its COMPLETED
 * deployments, one of which the circuit breaker may roll back to (a superset of the breaker's choice,
 * so the rule holds whatever the breaker picks and whatever its configuration becomes meanwhile).
 */
export const revisionsInUse = (service: Service): Set<string> => {
  const inUse = new Set<string>();
  if (service.status === 'INACTIVE') return inUse;
  const rollingOut = service.deployments.some(
    (deployment) => deployment.status === 'PRIMARY' && deployment.rolloutState === 'IN_PROGRESS',
  );
  for (const deployment of service.deployments) {
    if (deployment.status !== 'INACTIVE') inUse.add(deployment.taskDefinition);
    else if (rollingOut && deployment.rolloutState === 'COMPLETED') inUse.add(deployment.taskDefinition);
  }
  for (const launch of service.inflightLaunches ?? []) inUse.add(launch.taskDefinition);
  return inUse;
};

/** A service that uses a revision, as the DELETE of the revision names it. */
export interface ServiceUsingRevision {
  cluster: string;
  serviceName: string;
}

/** The services (of those given) that still use the revision `reference` names. */
export const servicesUsing = (services: Service[], reference: string): ServiceUsingRevision[] =>
  services
    .filter((service) => revisionsInUse(service).has(reference))
    .map(({ cluster, serviceName }) => ({ cluster, serviceName }));

/**
 * Whether the revision's ECS copy is still to be deregistered: the revision is INACTIVE, was launched
 * (so ECS has a copy), and its copy has not been deregistered yet. Such a revision waits until no
 * service uses it (revisionsInUse), whoever notices first: its DELETE or a scheduler run.
 */
export const awaitsEcsDeregistration = (taskDefinition: TaskDefinition): boolean =>
  taskDefinition.status === 'INACTIVE' &&
  taskDefinition.ecsTaskDefinitionArn !== undefined &&
  taskDefinition.ecsDeregisteredAt === undefined;

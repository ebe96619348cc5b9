/**
 * Service event texts, worded as ECS words its own, so a user who knows ECS reads them at once. Task ids
 * are the last part of the task ARN.
 */
import { idOfArn } from '../../inventory/naming';

const taskList = (taskArns: string[]) => taskArns.map((arn) => `task ${idOfArn(arn)}`).join(' ');

export const startedTasksEvent = (serviceName: string, taskArns: string[]): string =>
  `service ${serviceName} has started ${taskArns.length} ${taskArns.length === 1 ? 'task' : 'tasks'}: ${taskList(taskArns)}.`;

export const stoppedTasksEvent = (serviceName: string, taskArns: string[]): string =>
  `service ${serviceName} has stopped ${taskArns.length} running tasks: ${taskList(taskArns)}.`;

export const deploymentStartedEvent = (serviceName: string, deploymentId: string, taskDefinition: string) =>
  `service ${serviceName} deployment ${deploymentId} started (${taskDefinition}).`;

/** Once per revision a service deploys: its environment holds values that look like secrets. */
export const secretLikeEnvironmentEvent = (
  serviceName: string,
  taskDefinition: string,
  found: { container: string; names: string[] }[],
) =>
  `service ${serviceName} task definition ${taskDefinition} has environment values that look like secrets (${found
    .map(({ container, names }) => `${names.join(', ')} in container ${container}`)
    .join('; ')}), which every reader of the task definition sees: move them to secrets.`;

export const desiredCountChangedEvent = (serviceName: string, from: number, to: number, by: string) =>
  `service ${serviceName} desired count changed from ${from} to ${to} by ${by}.`;

/** A target group of the service was deleted (ELB answered TargetGroupNotFound). */
export const targetGroupNotFoundEvent = (serviceName: string, targetGroupArn: string) =>
  `service ${serviceName} was unable to register targets in target group ${targetGroupArn}: TargetGroupNotFound (it was deleted); its tasks are not registered with it, and a deployment that needs its targets healthy cannot complete.`;

import type { CapacityProviderName, TaskDefinition, TaskLoadBalancing, TaskRecord } from '../../domain';
import { epochOf } from '../../time';
import type {
  ObservedTask,
  ObservedTaskTargets,
  StopCause,
  TaskDefinitionFacts,
  TaskDesiredStatus,
  TaskHealthStatus,
  TaskLastStatus,
  TaskStopCode,
} from './types';

/** The planner's view of an inventory record; undefined for a task no deployment launched. */
export const observedTaskFromRecord = (record: TaskRecord): ObservedTask | undefined => {
  if (record.deploymentId === undefined) return undefined;
  const task: ObservedTask = {
    taskArn: record.taskArn,
    deploymentId: record.deploymentId,
    lastStatus: record.lastStatus as TaskLastStatus,
    desiredStatus: record.desiredStatus as TaskDesiredStatus,
    healthStatus: record.healthStatus as TaskHealthStatus,
    createdAt: epochOf(record.createdAt) ?? epochOf(record.updatedAt) ?? 0,
  };
  const startedAt = epochOf(record.startedAt);
  if (startedAt !== undefined) task.startedAt = startedAt;
  const stoppingAt = epochOf(record.stoppingAt);
  if (stoppingAt !== undefined) task.stoppingAt = stoppingAt;
  const stoppedAt = epochOf(record.stoppedAt);
  if (stoppedAt !== undefined) task.stoppedAt = stoppedAt;
  if (record.stopCode) task.stopCode = record.stopCode as TaskStopCode;
  if (record.stoppedReason) task.stoppedReason = record.stoppedReason;
  if (record.capacityProviderName === 'FARGATE' || record.capacityProviderName === 'FARGATE_SPOT') {
    task.capacityProvider = record.capacityProviderName as CapacityProviderName;
  }
  const healthyAt = epochOf(record.healthyAt);
  if (healthyAt !== undefined) task.healthyAt = healthyAt;
  if (record.privateIpv4Address) task.privateIpv4Address = record.privateIpv4Address;
  if (record.loadBalancing) task.targets = observedTargetsFromRecord(record.loadBalancing);
  return task;
};

const observedTargetsFromRecord = (lb: TaskLoadBalancing): ObservedTaskTargets => {
  const targets: ObservedTaskTargets = { registered: lb.targets ?? [] };
  const healthyAt = epochOf(lb.healthyAt);
  if (healthyAt !== undefined) targets.healthyAt = healthyAt;
  const deregisteredAt = epochOf(lb.deregisteredAt);
  const stopDueAt = epochOf(lb.stopDueAt);
  if (deregisteredAt !== undefined && stopDueAt !== undefined) {
    targets.drain = {
      deregisteredAt,
      stopDueAt,
      cause: (lb.stopCause ?? 'replaced') as StopCause,
      reason: lb.stopReason ?? 'drained',
    };
  }
  return targets;
};

export const taskDefinitionFacts = (taskDefinition: TaskDefinition): TaskDefinitionFacts => ({
  hasHealthCheck: taskDefinition.containerDefinitions.some(
    (container) => (container.essential ?? true) && container.healthCheck !== undefined,
  ),
});

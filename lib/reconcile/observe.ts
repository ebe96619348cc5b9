import type { Task } from '@aws-sdk/client-ecs';
import type { CapacityProviderName, TaskDefinition, TaskLoadBalancing, TaskRecord } from '../domain';
import { type TaskStateChangeEvent, taskRecordFromEcs } from '../use-cases/task-events';
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

const toIso = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

/** A task from an ECS API answer (SDK shapes, Date timestamps) as an inventory record. */
export const taskRecordFromSdk = (task: Task, observedAt: string): TaskRecord => {
  const detail: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(task)) detail[field] = toIso(value);
  detail.containers = task.containers?.map((container) => ({
    name: container.name,
    image: container.image,
    lastStatus: container.lastStatus,
    exitCode: container.exitCode,
    healthStatus: container.healthStatus,
    reason: container.reason,
  }));
  return taskRecordFromEcs(detail as TaskStateChangeEvent['detail'], observedAt);
};

const epoch = (iso: string | undefined): number | undefined =>
  iso === undefined ? undefined : Date.parse(iso);

/** The planner's view of an inventory record; undefined for a task no deployment launched. */
export const observedTaskFromRecord = (record: TaskRecord): ObservedTask | undefined => {
  if (record.deploymentId === undefined) return undefined;
  const task: ObservedTask = {
    taskArn: record.taskArn,
    deploymentId: record.deploymentId,
    lastStatus: record.lastStatus as TaskLastStatus,
    desiredStatus: record.desiredStatus as TaskDesiredStatus,
    healthStatus: record.healthStatus as TaskHealthStatus,
    createdAt: epoch(record.createdAt) ?? epoch(record.updatedAt) ?? 0,
  };
  const startedAt = epoch(record.startedAt);
  if (startedAt !== undefined) task.startedAt = startedAt;
  const stoppedAt = epoch(record.stoppedAt);
  if (stoppedAt !== undefined) task.stoppedAt = stoppedAt;
  if (record.stopCode) task.stopCode = record.stopCode as TaskStopCode;
  if (record.stoppedReason) task.stoppedReason = record.stoppedReason;
  if (record.capacityProviderName === 'FARGATE' || record.capacityProviderName === 'FARGATE_SPOT') {
    task.capacityProvider = record.capacityProviderName as CapacityProviderName;
  }
  const healthyAt = epoch(record.healthyAt);
  if (healthyAt !== undefined) task.healthyAt = healthyAt;
  if (record.privateIpv4Address) task.privateIpv4Address = record.privateIpv4Address;
  if (record.loadBalancing) task.targets = observedTargetsFromRecord(record.loadBalancing);
  return task;
};

const observedTargetsFromRecord = (lb: TaskLoadBalancing): ObservedTaskTargets => {
  const targets: ObservedTaskTargets = { registered: lb.targets ?? [] };
  const healthyAt = epoch(lb.healthyAt);
  if (healthyAt !== undefined) targets.healthyAt = healthyAt;
  const deregisteredAt = epoch(lb.deregisteredAt);
  const stopDueAt = epoch(lb.stopDueAt);
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

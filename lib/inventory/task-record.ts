/**
 * One mapping from an ECS task to Tugboat's inventory record, whichever way the task arrived: the
 * detail of an EventBridge task state change (ISO timestamps) or a RunTask/DescribeTasks answer (the
 * SDK's `Task`, Date timestamps). Both satisfy `EcsTask` as they are.
 */
import type { TaskRecord } from '../domain';
import { isoOfTimestamp } from '../time';
import { idOfArn, parseStartedBy, serviceNameOfGroup } from './naming';

type Timestamp = Date | string | undefined;

/** The fields of an ECS task the inventory keeps; the SDK's `Task` and an event's detail both fit. */
export interface EcsTask {
  taskArn?: string | undefined;
  clusterArn?: string | undefined;
  version?: number | undefined;
  lastStatus?: string | undefined;
  desiredStatus?: string | undefined;
  healthStatus?: string | undefined;
  startedBy?: string | undefined;
  group?: string | undefined;
  taskDefinitionArn?: string | undefined;
  launchType?: string | undefined;
  capacityProviderName?: string | undefined;
  cpu?: string | undefined;
  memory?: string | undefined;
  availabilityZone?: string | undefined;
  createdAt?: Timestamp;
  pullStartedAt?: Timestamp;
  pullStoppedAt?: Timestamp;
  startedAt?: Timestamp;
  stoppingAt?: Timestamp;
  stoppedAt?: Timestamp;
  executionStoppedAt?: Timestamp;
  /** Only events carry it. */
  updatedAt?: Timestamp;
  stopCode?: string | undefined;
  stoppedReason?: string | undefined;
  attachments?: unknown;
  containers?:
    | ReadonlyArray<{
        name?: string | undefined;
        image?: string | undefined;
        lastStatus?: string | undefined;
        exitCode?: number | undefined;
        healthStatus?: string | undefined;
        reason?: string | undefined;
      }>
    | undefined;
}

/** The task's private IPv4 address, from its ElasticNetworkInterface attachment's details. */
const privateIpv4Of = (attachments: unknown): string | undefined => {
  if (!Array.isArray(attachments)) return undefined;
  for (const attachment of attachments as Array<{ type?: string; details?: unknown }>) {
    if (attachment?.type !== 'ElasticNetworkInterface' || !Array.isArray(attachment.details)) continue;
    const detail = (attachment.details as Array<{ name?: string; value?: unknown }>).find(
      (item) => item?.name === 'privateIPv4Address',
    );
    if (typeof detail?.value === 'string' && detail.value !== '') return detail.value;
  }
  return undefined;
};

/** Drops the fields that are undefined, so the record carries only what ECS said. */
const defined = <T extends object>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;

/** Maps an ECS task (from an event or a DescribeTasks/RunTask answer) to Tugboat's inventory record. */
export const taskRecordFromEcs = (task: EcsTask, observedAt: string): TaskRecord => {
  // ECS always names the task, its cluster, version and statuses; an answer without them is not a task.
  const taskArn = task.taskArn ?? '';
  const clusterArn = task.clusterArn ?? '';
  const record: TaskRecord = {
    cluster: idOfArn(clusterArn),
    taskArn,
    taskId: idOfArn(taskArn),
    lastStatus: task.lastStatus as string,
    desiredStatus: task.desiredStatus as string,
    healthStatus: task.healthStatus ?? 'UNKNOWN',
    eventVersion: task.version as number,
    updatedAt: isoOfTimestamp(task.updatedAt) ?? observedAt,
  };
  const optional: Partial<TaskRecord> = {
    serviceName: serviceNameOfGroup(task.group),
    deploymentId: parseStartedBy(task.startedBy)?.deploymentId,
    startedBy: task.startedBy,
    group: task.group,
    taskDefinitionArn: task.taskDefinitionArn,
    launchType: task.launchType,
    capacityProviderName: task.capacityProviderName,
    cpu: task.cpu,
    memory: task.memory,
    availabilityZone: task.availabilityZone,
    createdAt: isoOfTimestamp(task.createdAt),
    pullStartedAt: isoOfTimestamp(task.pullStartedAt),
    pullStoppedAt: isoOfTimestamp(task.pullStoppedAt),
    startedAt: isoOfTimestamp(task.startedAt),
    stoppingAt: isoOfTimestamp(task.stoppingAt),
    stoppedAt: isoOfTimestamp(task.stoppedAt),
    executionStoppedAt: isoOfTimestamp(task.executionStoppedAt),
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    privateIpv4Address: privateIpv4Of(task.attachments),
    containers: task.containers?.map((container) =>
      defined({
        name: container.name,
        image: container.image,
        lastStatus: container.lastStatus,
        exitCode: container.exitCode,
        healthStatus: container.healthStatus,
        reason: container.reason,
      }),
    ),
  };
  return { ...record, ...defined(optional) };
};

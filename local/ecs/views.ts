/** The JSON answers' shapes of tasks, containers, clusters and task definitions. */
import type { ContainerState, TaskState } from './model';
import type { ClusterState, Json, TaskDefinitionState } from './types';

export const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** One view for DescribeTasks and event details, so an event is a DescribeTasks snapshot of its instant. */
export function taskView<T>(
  task: TaskState,
  time: (ms: number | undefined) => T | undefined,
  includeTags: boolean,
): Json {
  const stopped = task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING';
  return {
    attachments: [
      {
        id: task.attachmentId,
        type: 'ElasticNetworkInterface',
        status: stopped ? 'DELETED' : task.connectivityAt !== undefined ? 'ATTACHED' : 'PRECREATED',
        details: [
          { name: 'subnetId', value: task.subnetId },
          { name: 'privateIPv4Address', value: task.privateIpv4Address },
        ],
      },
    ],
    availabilityZone: task.availabilityZone,
    capacityProviderName: task.capacityProviderName,
    clusterArn: task.clusterArn,
    connectivity: task.connectivityAt !== undefined ? 'CONNECTED' : undefined,
    connectivityAt: time(task.connectivityAt),
    containers: task.containers.map((container) => containerView(task, container)),
    cpu: task.cpu,
    createdAt: time(task.createdAt),
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: false,
    executionStoppedAt: time(task.executionStoppedAt),
    group: task.group,
    healthStatus: task.healthStatus,
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    memory: task.memory,
    overrides: task.overrides,
    platformVersion: task.platformVersion,
    platformFamily: 'Linux',
    pullStartedAt: time(task.pullStartedAt),
    pullStoppedAt: time(task.pullStoppedAt),
    startedAt: time(task.startedAt),
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: time(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    stoppingAt: time(task.stoppingAt),
    tags: includeTags ? task.tags : undefined,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
  };
}

export const containerView = (task: TaskState, container: ContainerState) => ({
  containerArn: container.containerArn,
  taskArn: task.taskArn,
  name: container.name,
  image: container.image,
  lastStatus: container.lastStatus,
  exitCode: container.exitCode,
  reason: container.reason,
  healthStatus: container.hasHealthCheck ? task.healthStatus : 'UNKNOWN',
  cpu: container.cpu === undefined ? '0' : String(container.cpu),
  memory: container.memory === undefined ? undefined : String(container.memory),
  networkInterfaces: [{ attachmentId: task.attachmentId, privateIpv4Address: task.privateIpv4Address }],
});

export const describeView = (task: TaskState, includeTags: boolean) => taskView(task, seconds, includeTags);

export const clusterView = (cluster: ClusterState, include: string[]) => ({
  clusterArn: cluster.arn,
  clusterName: cluster.name,
  status: 'ACTIVE',
  registeredContainerInstancesCount: 0,
  runningTasksCount: cluster.runningCount,
  pendingTasksCount: cluster.pendingCount,
  activeServicesCount: 0,
  statistics: [],
  tags: include.includes('TAGS') ? cluster.tags : undefined,
  settings: include.includes('SETTINGS') ? [{ name: 'containerInsights', value: 'disabled' }] : undefined,
  capacityProviders: cluster.capacityProviders,
  defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy,
});

export const taskDefinitionView = (definition: TaskDefinitionState, accountId: string) => ({
  ...definition.rest,
  taskDefinitionArn: definition.arn,
  family: definition.family,
  revision: definition.revision,
  status: definition.status,
  containerDefinitions: definition.containerDefinitions,
  cpu: definition.cpu,
  memory: definition.memory,
  networkMode: definition.networkMode,
  requiresCompatibilities: definition.requiresCompatibilities,
  compatibilities: definition.networkMode === 'awsvpc' ? ['EC2', 'FARGATE'] : ['EC2'],
  registeredAt: seconds(definition.registeredAt),
  registeredBy: `arn:aws:iam::${accountId}:root`,
  deregisteredAt: seconds(definition.deregisteredAt),
  volumes: definition.rest.volumes ?? [],
  placementConstraints: definition.rest.placementConstraints ?? [],
});

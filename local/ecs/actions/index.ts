/** Every ECS action the local endpoint answers, by name. */
import type { Lifecycle } from '../lifecycle';
import type { EcsState } from '../state';
import type { Json } from '../types';
import { clusterActions } from './clusters';
import { runTaskActions } from './run-task';
import { tagActions } from './tags';
import { taskDefinitionActions } from './task-definitions';
import { taskActions } from './tasks';

/** The operations this endpoint implements: the conformance test holds each to the ECS model. */
export const supportedActions = [
  'CreateCluster',
  'DescribeClusters',
  'ListClusters',
  'RegisterTaskDefinition',
  'DescribeTaskDefinition',
  'DeregisterTaskDefinition',
  'ListTaskDefinitions',
  'RunTask',
  'StopTask',
  'DescribeTasks',
  'ListTasks',
  'TagResource',
  'ListTagsForResource',
  'PutClusterCapacityProviders',
] as const;

export type SupportedAction = (typeof supportedActions)[number];

export const isSupportedAction = (action: string): action is SupportedAction =>
  (supportedActions as readonly string[]).includes(action);

export const actionHandlers = (state: EcsState, lifecycle: Lifecycle) => {
  const { createCluster, describeClusters, listClusters, putClusterCapacityProviders } =
    clusterActions(state);
  const { registerTaskDefinition, describeTaskDefinition, deregisterTaskDefinition, listTaskDefinitions } =
    taskDefinitionActions(state);
  const { runTask } = runTaskActions(state, lifecycle);
  const { stopTaskById, stopTask, describeTasks, listTasks } = taskActions(state, lifecycle);
  const { tagResource, listTagsForResource } = tagActions(state, lifecycle);
  const handlers: Record<SupportedAction, (input: Json) => Json> = {
    CreateCluster: createCluster,
    DescribeClusters: describeClusters,
    ListClusters: listClusters,
    RegisterTaskDefinition: registerTaskDefinition,
    DescribeTaskDefinition: describeTaskDefinition,
    DeregisterTaskDefinition: deregisterTaskDefinition,
    ListTaskDefinitions: listTaskDefinitions,
    RunTask: runTask,
    StopTask: stopTask,
    DescribeTasks: describeTasks,
    ListTasks: listTasks,
    TagResource: tagResource,
    ListTagsForResource: listTagsForResource,
    PutClusterCapacityProviders: putClusterCapacityProviders,
  };
  return { handlers, stopTaskById };
};

/** TagResource and ListTagsForResource on clusters, tasks and task definitions. */
import { clientException, EcsServiceError, invalidParameter } from '../errors';
import { mergeTags, optionalString, readTags } from '../input';
import type { Lifecycle } from '../lifecycle';
import type { Tag } from '../model';
import { getCluster as clusterIn, type EcsState, findTaskDefinition as taskDefinitionIn } from '../state';
import type { Json } from '../types';

export const tagActions = (state: EcsState, lifecycle: Lifecycle) => {
  const { clusters } = state;
  const { store } = lifecycle;
  const getCluster = (reference: string | undefined) => clusterIn(state, reference);
  const findTaskDefinition = (reference: string) => taskDefinitionIn(state, reference);

  /** Finds a cluster, task or task definition by ARN, for tagging. */
  const taggable = (arn: string): { tags: Tag[]; setTags: (tags: Tag[]) => void } => {
    const resource = arn.split(':').slice(5).join(':');
    if (resource.startsWith('cluster/')) {
      const cluster = getCluster(resource.slice(8));
      return { tags: cluster.tags, setTags: (tags) => (cluster.tags = tags) };
    }
    if (resource.startsWith('task/')) {
      const parts = resource.split('/');
      const cluster = clusters.get(parts.length === 3 ? parts[1]! : 'default');
      const task = cluster?.tasks.get(parts.at(-1)!);
      if (!cluster || !task)
        throw new EcsServiceError('InvalidParameterException', 'The specified task is not found.');
      return { tags: task.tags, setTags: (tags) => store(cluster, task, { ...task, tags }) };
    }
    if (resource.startsWith('task-definition/')) {
      const definition = findTaskDefinition(resource.slice(16));
      if (!definition || !/:\d+$/.test(resource)) {
        throw clientException('The specified task definition does not exist.');
      }
      return { tags: definition.tags, setTags: (tags) => (definition.tags = tags) };
    }
    throw invalidParameter('The ARN provided is invalid.');
  };

  const tagResource = (input: Json): Json => {
    const arn = optionalString(input, 'resourceArn');
    if (!arn) throw invalidParameter('resourceArn must be specified.');
    const tags = readTags(input.tags);
    if (tags.length === 0) throw invalidParameter('tags must be specified.');
    const resource = taggable(arn);
    resource.setTags(mergeTags(resource.tags, tags));
    return {};
  };

  const listTagsForResource = (input: Json): Json => {
    const arn = optionalString(input, 'resourceArn');
    if (!arn) throw invalidParameter('resourceArn must be specified.');
    return { tags: taggable(arn).tags };
  };

  return { tagResource, listTagsForResource };
};

import { parseRevisionReference } from '../lib/domain';
import type { Page, TaskDefinition, TaskDescription, TaskRecord, TaskTargetView } from './api-types';
import type { ApiClient } from './client';

/** Every page of a list route. */
export const listAll = async <T>(
  api: ApiClient,
  path: string,
  limit = Number.POSITIVE_INFINITY,
): Promise<T[]> => {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const { body } = await api.get<Page<T>>(
      `${path}${nextToken ? `${separator}nextToken=${encodeURIComponent(nextToken)}` : ''}`,
    );
    items.push(...body.items);
    nextToken = body.nextToken;
  } while (nextToken && items.length < limit);
  return items.slice(0, limit);
};

/** The API path of the revision a `family` (its latest) or `family:revision` reference names. */
const taskDefinitionPath = (reference: string): string => {
  const { family, revision } = parseRevisionReference(reference);
  return `/task-definitions/${encodeURIComponent(family)}/${encodeURIComponent(revision ?? 'latest')}`;
};

/** The images of task definitions (`family:revision`), each fetched once. */
export const imagesOf = async (api: ApiClient, taskDefinitions: string[]): Promise<Map<string, string>> => {
  const images = new Map<string, string>();
  await Promise.all(
    [...new Set(taskDefinitions)].map(async (reference) => {
      const { status, body } = await api.get<TaskDefinition>(taskDefinitionPath(reference), {
        allow: [404],
      });
      if (status === 200)
        images.set(reference, body.containerDefinitions.map((container) => container.image).join(', '));
    }),
  );
  return images;
};

/** One of a task's targets, as GET /clusters/{cluster}/tasks/{taskId} answers it, with its task. */
export type TaskTarget = TaskTargetView & { taskId: string; deploymentId?: string };

/**
 * The targets of live tasks: the task list does not carry their state, so each live task Tugboat
 * registered with a target group is described (in parallel).
 */
export const targetsOf = async (
  api: ApiClient,
  cluster: string,
  tasks: TaskRecord[],
): Promise<TaskTarget[]> => {
  const live = tasks.filter((task) => task.lastStatus !== 'STOPPED' && task.loadBalancing?.targets.length);
  const described = await Promise.all(
    live.map(async (task) => {
      const { status, body } = await api.get<TaskDescription>(
        `/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(task.taskId)}`,
        { allow: [404] },
      );
      return status === 200 ? body : undefined;
    }),
  );
  return described.flatMap((task) =>
    (task?.targets ?? []).map((target) => ({
      ...target,
      taskId: task?.taskId ?? '',
      ...(task?.deploymentId ? { deploymentId: task.deploymentId } : {}),
    })),
  );
};

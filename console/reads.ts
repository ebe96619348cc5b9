/** What the console's pages read from the Tugboat API, each part failing alone where a page can do without it. */
import type { TaskDescription, TaskRecord } from '../client/api-types';
import type { ApiClient } from '../client/client';
import { ApiError } from '../client/errors';
import { listAll } from '../client/queries';
import { taskTiming } from '../lib/inventory/timing';
import type { TargetRow } from './service-sections';
import type { TaskView } from './task-page';

/** Tasks read for one service page: its live and stopped tasks, and the history its charts draw. */
export const TASKS_READ = 500;

export const messageOf = (error: unknown) =>
  error instanceof ApiError ? error.message : `the API could not be reached: ${(error as Error).message}`;

/** A service's tasks (the newest TASKS_READ), each with its phase timings (lib/inventory/timing). */
export const tasksOf = async (api: ApiClient, cluster: string, serviceName: string): Promise<TaskView[]> => {
  const tasks = await listAll<TaskRecord>(
    api,
    `/clusters/${encodeURIComponent(cluster)}/tasks?serviceName=${encodeURIComponent(serviceName)}&maxResults=100`,
    TASKS_READ,
  );
  const now = Date.now();
  return tasks.map((task) => ({ ...task, timing: taskTiming(task, now) }));
};

/**
 * The targets of the service's live tasks: the task list does not carry their state, so each live task
 * Tugboat registered with a target group is described (in parallel; at most the tasks shown).
 */
export const targetsOf = async (
  api: ApiClient,
  cluster: string,
  tasks: TaskRecord[],
): Promise<TargetRow[]> => {
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

/** Each optional section fails alone: its error is shown in its place, the rest of the page still renders. */
export const section = <K extends string, E extends string, T>(key: K, errorKey: E, read: () => Promise<T>) =>
  read().then(
    (value) => ({ [key]: value }) as { [P in K]: T },
    (error: unknown) => ({ [errorKey]: messageOf(error) }) as { [P in E]: string },
  );

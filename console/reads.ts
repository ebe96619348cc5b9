/** What the console's pages read from the Tugboat API, each part failing alone where a page can do without it. */
import type { TaskRecord } from '../client/api-types';
import type { ApiClient } from '../client/client';
import { ApiError } from '../client/errors';
import { listAll } from '../client/queries';
import { taskTiming } from '../lib/inventory/timing';
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

export { targetsOf } from '../client/queries';

/** Each optional section fails alone: its error is shown in its place, the rest of the page still renders. */
export const section = <K extends string, E extends string, T>(key: K, errorKey: E, read: () => Promise<T>) =>
  read().then(
    (value) => ({ [key]: value }) as { [P in K]: T },
    (error: unknown) => ({ [errorKey]: messageOf(error) }) as { [P in E]: string },
  );

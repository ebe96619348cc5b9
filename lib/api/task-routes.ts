import type { UseCaseContext } from '../use-cases/context';
import { describeTask, listTasks, runTasks, stopTask } from '../use-cases/tasks';
import { jsonResponse, pageFromQuery } from './http';
import type { Route } from './router';

/** One-off tasks: RunTask, the cluster's task list and history, DescribeTasks with timing, StopTask. */
export const taskRoutes = (context: UseCaseContext): Route[] => [
  {
    method: 'POST',
    path: '/clusters/{cluster}/tasks',
    handler: async (request) =>
      jsonResponse(201, await runTasks(context, request.params.cluster!, request.json())),
  },
  {
    method: 'GET',
    path: '/clusters/{cluster}/tasks',
    handler: async ({ params, query }) =>
      jsonResponse(
        200,
        await listTasks(
          context,
          params.cluster!,
          { serviceName: query.serviceName, desiredStatus: query.desiredStatus },
          pageFromQuery(query),
        ),
      ),
  },
  {
    method: 'GET',
    path: '/clusters/{cluster}/tasks/{taskId}',
    handler: async ({ params }) =>
      jsonResponse(200, await describeTask(context, params.cluster!, params.taskId!)),
  },
  {
    method: 'DELETE',
    path: '/clusters/{cluster}/tasks/{taskId}',
    handler: async ({ params, query }) =>
      jsonResponse(200, await stopTask(context, params.cluster!, params.taskId!, query.reason)),
  },
];

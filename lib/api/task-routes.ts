import type { UseCaseContext } from '../use-cases/context';
import { describeTask, listTasks, runTasks, stopTask } from '../use-cases/tasks';
import { pageFromQuery } from './http';
import { jsonRoute, type Route } from './router';

const TASKS = '/clusters/{cluster}/tasks';

/** One-off tasks: RunTask, the cluster's task list and history, DescribeTasks with timing, StopTask. */
export const taskRoutes = (context: UseCaseContext): Route[] => [
  jsonRoute('POST', TASKS, (request) => runTasks(context, request.params.cluster!, request.json()), 201),
  jsonRoute('GET', TASKS, ({ params, query }) =>
    listTasks(
      context,
      params.cluster!,
      { serviceName: query.serviceName, desiredStatus: query.desiredStatus },
      pageFromQuery(query),
    ),
  ),
  jsonRoute('GET', `${TASKS}/{taskId}`, ({ params }) =>
    describeTask(context, params.cluster!, params.taskId!),
  ),
  jsonRoute('DELETE', `${TASKS}/{taskId}`, ({ params, query }) =>
    stopTask(context, params.cluster!, params.taskId!, query.reason),
  ),
];

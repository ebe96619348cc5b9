/**
 * One-off tasks: launched, listed, described and stopped through Tugboat, on ECS RunTask/StopTask.
 * Tugboat's task inventory (kept from ECS task state change events) keeps a stopped task readable for
 * 30 days, where ECS forgets it after about an hour.
 */
import type { Failure, Task } from '@aws-sdk/client-ecs';
import { type Page, revisionReference, type TaskRecord } from '../domain';
import type { EcsGateway } from '../ecs/gateway';
import { ecsTaskDefinitionArn } from '../ecs/task-definitions';
import { ConflictError, DependencyError, NotFoundError, TugboatError, ValidationError } from '../errors';
import { oneOffStartedBy, startedByInstallation } from '../inventory/naming';
import { isExpired } from '../inventory/retention';
import { taskRecordFromEcs } from '../inventory/task-record';
import { type TaskTiming, taskTiming } from '../inventory/timing';
import type { PageRequest } from '../store/port';
import { parseInput } from '../validation/parse';
import { parseCluster } from '../validation/path-params';
import { listTasksQuerySchema, runTaskSchema, stopReasonSchema, taskIdSchema } from '../validation/tasks';
import { API_CALL_DEADLINE_MS, installationOfContext, type UseCaseContext } from './context';
import { assertNotScalerFamily } from './scaling';
import { resolveUsableTaskDefinition } from './task-definitions';
import { decodeCursor, encodeCursor } from './task-list-cursor';
import { type TaskView, taskView, taskViews } from './task-revisions';
import { type TaskTargetView, taskTargets } from './task-targets';

/** Partitions the cluster-wide listing walks for stopped tasks, at most, in one call. */
const MAX_PARTITIONS_PER_PAGE = 20;

export interface RunTasksResult {
  tasks: TaskView<TaskRecord>[];
  failures: Array<{ arn?: string; reason?: string; detail?: string }>;
}

export type TaskDescription = TaskRecord & {
  /** `inventory`: Tugboat's record (kept 30 days after the task stops); `ecs`: asked ECS directly. */
  source: 'inventory' | 'ecs';
  timing: TaskTiming;
  /** A task behind target groups: its targets and their state now. */
  targets?: TaskTargetView[];
};

const ecsOf = (context: UseCaseContext, cluster: string): EcsGateway => {
  if (!context.ecsFor) throw new DependencyError('ECS is not configured for this function');
  return context.ecsFor(cluster);
};

/** ECS's client errors are the caller's to fix: they keep their message and get a 4xx. */
const fromEcsError = (error: unknown, cluster: string, operation: string): Error => {
  if (error instanceof TugboatError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ClusterNotFoundException') return new NotFoundError(`Cluster ${cluster} not found`, error);
  if (name === 'ConflictException') {
    return new ConflictError(
      `clientToken was already used with different parameters in cluster ${cluster}: ${message}`,
      error,
    );
  }
  if (name === 'InvalidParameterException' || name === 'ClientException') {
    if (/task (was )?(is )?not found/i.test(message)) return new NotFoundError(message, error);
    return new ValidationError(`ECS ${operation}: ${message}`, undefined, error);
  }
  return new DependencyError(`ECS ${operation} failed`, error);
};

/** A task another installation (or anything else) started is, to this one, a task that does not exist. */
const ownTask = <T extends { startedBy?: string | undefined }>(
  context: UseCaseContext,
  task: T | undefined,
): T | undefined =>
  task && startedByInstallation(task.startedBy, installationOfContext(context)) ? task : undefined;

const parseTaskId = (taskId: string) => parseInput(taskIdSchema(), taskId, 'task id');

/** POST /clusters/{cluster}/tasks: RunTask, idempotent by clientToken (ECS keeps tokens 24 hours). */
export const runTasks = async (
  context: UseCaseContext,
  clusterName: string,
  body: unknown,
): Promise<RunTasksResult> => {
  const cluster = parseCluster(clusterName);
  const input = parseInput(runTaskSchema(), body);
  const startedBy = oneOffStartedBy(input.startedBy, installationOfContext(context));
  const taskDefinition = await resolveUsableTaskDefinition(context, input.taskDefinition);
  await assertNotScalerFamily(context, cluster, revisionReference(taskDefinition));
  const containerNames = new Set(taskDefinition.containerDefinitions.map((container) => container.name));
  for (const [index, override] of (input.overrides?.containerOverrides ?? []).entries()) {
    if (!containerNames.has(override.name)) {
      throw new ValidationError(
        `Invalid request body: overrides.containerOverrides[${index}].name: task definition ${revisionReference(taskDefinition)} has no container "${override.name}" (it has ${[...containerNames].join(', ')})`,
      );
    }
  }
  const ecs = ecsOf(context, cluster);
  let result: { tasks: Task[]; failures: Failure[] };
  try {
    const arn = await ecsTaskDefinitionArn(
      { store: context.store, ecs, installation: installationOfContext(context) },
      taskDefinition,
    );
    result = await ecs.runTasks({
      taskDefinition: arn,
      count: input.count,
      // A retry without a token cannot be recognised; ECS's SDK makes one up too.
      clientToken: input.clientToken ?? context.newId(),
      startedBy,
      ...(input.capacityProviderStrategy
        ? { capacityProviderStrategy: input.capacityProviderStrategy }
        : { launchType: 'FARGATE' as const }),
      networkConfiguration: input.networkConfiguration,
      ...(input.overrides ? { overrides: input.overrides } : {}),
      ...(taskDefinition.tags && taskDefinition.tags.length > 0 ? { tags: taskDefinition.tags } : {}),
    });
  } catch (error) {
    throw fromEcsError(error, cluster, 'RunTask');
  }
  const observedAt = context.now().toISOString();
  const tasks = result.tasks.map((task) => taskRecordFromEcs(task, observedAt));
  await Promise.all(tasks.map((task) => context.store.recordTask(task)));
  return {
    tasks: await taskViews(context, tasks),
    failures: result.failures.map((failure) => ({
      ...(failure.arn === undefined ? {} : { arn: failure.arn }),
      ...(failure.reason === undefined ? {} : { reason: failure.reason }),
      ...(failure.detail === undefined ? {} : { detail: failure.detail }),
    })),
  };
};

const describe = (task: TaskRecord, source: TaskDescription['source'], now: number): TaskDescription => ({
  ...task,
  source,
  timing: taskTiming(task, now),
});

/**
 * GET /clusters/{cluster}/tasks/{taskId}: from the inventory first (it keeps stopped tasks 30 days),
 * then from ECS for a task Tugboat never recorded.
 */
export const describeTask = async (
  context: UseCaseContext,
  clusterName: string,
  taskIdText: string,
): Promise<TaskView<TaskDescription>> => {
  const cluster = parseCluster(clusterName);
  const taskId = parseTaskId(taskIdText);
  const now = context.now().getTime();
  const recorded = ownTask(context, await context.store.findTask(cluster, taskId));
  if (recorded && !isExpired(recorded, now)) {
    const targets = await taskTargets(context.elb?.(), recorded);
    return taskView(context, { ...describe(recorded, 'inventory', now), ...(targets ? { targets } : {}) });
  }
  if (!context.ecsFor) throw new NotFoundError(`Task ${taskId} not found in cluster ${cluster}`);
  let found: Task | undefined;
  try {
    found = ownTask(context, (await ecsOf(context, cluster).describeTasks([taskId])).tasks[0]);
  } catch (error) {
    throw fromEcsError(error, cluster, 'DescribeTasks');
  }
  if (!found) throw new NotFoundError(`Task ${taskId} not found in cluster ${cluster}`);
  return taskView(context, describe(taskRecordFromEcs(found, context.now().toISOString()), 'ecs', now));
};

/** DELETE /clusters/{cluster}/tasks/{taskId}: ECS StopTask; the answer is the stopping task. */
export const stopTask = async (
  context: UseCaseContext,
  clusterName: string,
  taskIdText: string,
  reasonText: string | undefined,
): Promise<TaskView<TaskDescription>> => {
  const cluster = parseCluster(clusterName);
  const taskId = parseTaskId(taskIdText);
  const reason =
    reasonText === undefined ? 'Task stopped by user' : parseInput(stopReasonSchema(), reasonText, 'reason');
  let task: Task | undefined;
  try {
    // Only a task this installation started may be stopped: the inventory knows it, or ECS shows it.
    const own =
      ownTask(context, await context.store.findTask(cluster, taskId)) ??
      ownTask(context, (await ecsOf(context, cluster).describeTasks([taskId])).tasks[0]);
    if (!own) throw new NotFoundError(`Task ${taskId} not found in cluster ${cluster}`);
    // Behind a thousand services' clean-ups the shared stop budget may be a minute ahead: answer 503 within
    // the HTTP API's 30 s rather than sleep past it.
    task = await ecsOf(context, cluster).stopTask(
      taskId,
      reason,
      context.now().getTime() + API_CALL_DEADLINE_MS,
    );
  } catch (error) {
    const mapped = fromEcsError(error, cluster, 'StopTask');
    if (mapped instanceof NotFoundError && !(error instanceof TugboatError)) {
      // ECS forgets stopped tasks after an hour; the inventory may still know it was stopped.
      const recorded = await context.store.findTask(cluster, taskId);
      const now = context.now().getTime();
      if (recorded?.lastStatus === 'STOPPED' && !isExpired(recorded, now)) {
        return taskView(context, describe(recorded, 'inventory', now));
      }
      throw new NotFoundError(`Task ${taskId} not found in cluster ${cluster}`, error);
    }
    throw mapped;
  }
  if (!task) throw new NotFoundError(`Task ${taskId} not found in cluster ${cluster}`);
  const record = taskRecordFromEcs(task, context.now().toISOString());
  await context.store.recordTask(record);
  return taskView(context, describe(record, 'ecs', context.now().getTime()));
};

export interface ListTasksQuery {
  serviceName?: string | undefined;
  desiredStatus?: string | undefined;
}

/**
 * GET /clusters/{cluster}/tasks. With serviceName: that service's tasks (`-` names the tasks no service
 * claims, one-off tasks among them), STOPPED ones included for 30 days. Without it: every task of the
 * cluster that is not yet STOPPED (services' and one-off, from the alive index), then the STOPPED ones
 * of the one-off partition and of each service in name order. desiredStatus filters either way. Pages
 * may come back short (a page reads a bounded number of partitions); go on while nextToken is given.
 */
export const listTasks = async (
  context: UseCaseContext,
  clusterName: string,
  query: ListTasksQuery,
  page: PageRequest,
): Promise<Page<TaskView<TaskRecord>>> => {
  const records = await listTaskRecords(context, clusterName, query, page);
  return { ...records, items: await taskViews(context, records.items) };
};

const listTaskRecords = async (
  context: UseCaseContext,
  clusterName: string,
  query: ListTasksQuery,
  page: PageRequest,
): Promise<Page<TaskRecord>> => {
  const cluster = parseCluster(clusterName);
  const filter = parseInput(
    listTasksQuerySchema(),
    {
      ...(query.serviceName === undefined ? {} : { serviceName: query.serviceName }),
      ...(query.desiredStatus === undefined ? {} : { desiredStatus: query.desiredStatus }),
    },
    'query',
  );
  const now = context.now().getTime();
  const fresh = (result: Page<TaskRecord>): Page<TaskRecord> => ({
    ...result,
    items: result.items.filter((task) => !isExpired(task, now)),
  });
  const statusFilter = filter.desiredStatus === undefined ? {} : { desiredStatus: filter.desiredStatus };
  if (filter.serviceName !== undefined) {
    return fresh(await context.store.listTaskPage(cluster, filter.serviceName, { ...page, ...statusFilter }));
  }

  const items: TaskRecord[] = [];
  let cursor = decodeCursor(page.nextToken);
  if (cursor.phase === 'alive') {
    const alive = await context.store.listAliveTaskPage(cluster, {
      limit: page.limit,
      ...(cursor.token === undefined ? {} : { nextToken: cursor.token }),
      ...statusFilter,
    });
    items.push(...alive.items);
    if (alive.nextToken)
      return { items, nextToken: encodeCursor({ phase: 'alive', token: alive.nextToken }) };
    // A STOPPED task's desiredStatus is STOPPED: RUNNING and PENDING listings end with the alive tasks.
    if (filter.desiredStatus !== undefined && filter.desiredStatus !== 'STOPPED') return { items };
    cursor = { phase: 'stopped', partition: '-' };
    if (items.length >= page.limit) return { items, nextToken: encodeCursor(cursor) };
  }
  for (let partitions = 0; partitions < MAX_PARTITIONS_PER_PAGE; partitions++) {
    if (cursor.phase !== 'stopped') break;
    const stopped = await context.store.listTaskPage(cluster, cursor.partition, {
      limit: page.limit - items.length,
      ...(cursor.token === undefined ? {} : { nextToken: cursor.token }),
      lastStatus: 'STOPPED',
    });
    items.push(...stopped.items.filter((task) => !isExpired(task, now)));
    if (stopped.nextToken) {
      return { items, nextToken: encodeCursor({ ...cursor, token: stopped.nextToken }) };
    }
    if (cursor.services === null) return { items };
    const next = await context.store.listServices(cluster, {
      limit: 1,
      ...(cursor.services === undefined ? {} : { nextToken: cursor.services }),
    });
    const service = next.items[0];
    if (!service) return { items };
    cursor = { phase: 'stopped', partition: service.serviceName, services: next.nextToken ?? null };
    if (items.length >= page.limit) return { items, nextToken: encodeCursor(cursor) };
  }
  return { items, nextToken: encodeCursor(cursor) };
};

/** StopTask, DescribeTasks and ListTasks. */
import { invalidParameter } from '../errors';
import {
  checkMaxResults,
  decodeToken,
  encodeToken,
  optionalArray,
  optionalInt,
  optionalString,
} from '../input';
import type { Lifecycle } from '../lifecycle';
import { beginStop, type TaskState } from '../model';
import { getCluster as clusterIn, type EcsState, taskIdOf } from '../state';
import type { ClusterState, Json } from '../types';
import { describeView } from '../views';

export const taskActions = (state: EcsState, lifecycle: Lifecycle) => {
  const { timing, jittered, now } = state;
  const { store, emit } = lifecycle;
  const getCluster = (reference: string | undefined) => clusterIn(state, reference);

  const stopTaskById = (
    cluster: ClusterState,
    task: TaskState,
    stop: Parameters<typeof beginStop>[2],
  ): TaskState => {
    const at = now();
    const next = beginStop(task, at, stop, jittered(timing.stopMs), timing);
    if (next !== task) {
      store(cluster, task, next);
      emit(next, at);
    }
    return next;
  };

  const stopTask = (input: Json): Json => {
    const cluster = getCluster(optionalString(input, 'cluster'));
    const reference = optionalString(input, 'task');
    if (!reference) throw invalidParameter('task must be specified.');
    const reason = optionalString(input, 'reason');
    if (reason !== undefined && reason.length > 255)
      throw invalidParameter('reason must be at most 255 characters.');
    const task = cluster.tasks.get(taskIdOf(reference));
    if (!task) throw invalidParameter('The referenced task was not found.');
    const stopped = stopTaskById(cluster, task, {
      stopCode: 'UserInitiated',
      reason: reason ?? 'Task stopped by user',
    });
    return { task: describeView(stopped, false) };
  };

  const describeTasks = (input: Json): Json => {
    const cluster = getCluster(optionalString(input, 'cluster'));
    const references = (optionalArray(input, 'tasks') ?? []).map(String);
    if (references.length === 0) throw invalidParameter('Tasks cannot be empty.');
    if (references.length > 100) throw invalidParameter('Tasks cannot have more than 100 elements.');
    const includeTags = (optionalArray(input, 'include') ?? []).map(String).includes('TAGS');
    const tasks: Json[] = [];
    const failures: Json[] = [];
    for (const reference of references) {
      const task = cluster.tasks.get(taskIdOf(reference));
      if (task) tasks.push(describeView(task, includeTags));
      else failures.push({ arn: reference, reason: 'MISSING' });
    }
    return { tasks, failures };
  };

  const listTasks = (input: Json): Json => {
    const cluster = getCluster(optionalString(input, 'cluster'));
    const maxResults = optionalInt(input, 'maxResults');
    checkMaxResults(maxResults);
    const family = optionalString(input, 'family');
    const startedBy = optionalString(input, 'startedBy');
    const serviceName = optionalString(input, 'serviceName');
    const desiredStatus = optionalString(input, 'desiredStatus') ?? 'RUNNING';
    if (desiredStatus !== 'RUNNING' && desiredStatus !== 'PENDING' && desiredStatus !== 'STOPPED') {
      throw invalidParameter('desiredStatus must be one of RUNNING, PENDING, STOPPED.');
    }
    const launchType = optionalString(input, 'launchType');
    const after = decodeToken(optionalString(input, 'nextToken'));
    const limit = maxResults ?? 100;
    const order = cluster.order;
    // Binary search for the first task launched after the page token's position.
    let low = 0;
    let high = order.length;
    if (after !== undefined) {
      while (low < high) {
        const mid = (low + high) >> 1;
        if (order[mid]!.seq <= after) low = mid + 1;
        else high = mid;
      }
    }
    const arns: string[] = [];
    let lastSeq = -1;
    let more = false;
    for (let i = low; i < order.length; i++) {
      const task = cluster.tasks.get(order[i]!.id);
      if (!task) continue;
      if (task.desiredStatus !== desiredStatus) continue;
      if (family !== undefined && task.family !== family) continue;
      if (startedBy !== undefined && task.startedBy !== startedBy) continue;
      if (serviceName !== undefined && task.group !== `service:${serviceName}`) continue;
      if (launchType !== undefined && task.launchType !== launchType) continue;
      if (arns.length === limit) {
        more = true;
        break;
      }
      arns.push(task.taskArn);
      lastSeq = task.seq;
    }
    return { taskArns: arns, nextToken: more ? encodeToken(lastSeq) : undefined };
  };

  return { stopTaskById, stopTask, describeTasks, listTasks };
};

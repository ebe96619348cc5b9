/**
 * Task lifecycle: storing a task's new state (counts, usage, its next planned change on the schedule),
 * removing it, applying due changes in timestamp order, and the real clock's timer.
 */

import type { Events } from './events';
import { applyPlannedChange, type TaskState } from './model';
import type { EcsState } from './state';
import type { ClusterState } from './types';

const launchedStatuses = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

export interface Lifecycle extends Events {
  store(cluster: ClusterState, previous: TaskState | undefined, task: TaskState): void;
  remove(cluster: ClusterState, task: TaskState): void;
  /** Applies every planned change due at or before `until`, in timestamp order. */
  runDue(until: number): void;
  armTimer(): void;
  /** Applies every change due by the clock's current time, emitting its events. */
  tick(): void;
  close(): void;
}

export const createLifecycle = (state: EcsState, events: Events): Lifecycle => {
  const { schedule, usage, tasksByAddress, isVirtual, externalClock, timing, jittered, now } = state;
  const { emit, flushEvents } = events;

  const countBucket = (status: string) =>
    launchedStatuses.has(status) ? 'pending' : status === 'RUNNING' ? 'running' : undefined;

  const store = (cluster: ClusterState, previous: TaskState | undefined, task: TaskState) => {
    const before = previous ? countBucket(previous.lastStatus) : undefined;
    const after = countBucket(task.lastStatus);
    if (before === 'pending') cluster.pendingCount--;
    if (before === 'running') cluster.runningCount--;
    if (after === 'pending') cluster.pendingCount++;
    if (after === 'running') cluster.runningCount++;
    // runDue moves the virtual clock to each change's time first, so now() is when the change happened.
    if (before !== 'running' && after === 'running') usage.taskStarted(task, now());
    if (before === 'running' && after !== 'running') usage.taskLeftRunning(task, now());
    cluster.tasks.set(task.taskId, task);
    const next = task.plan[0];
    if (
      next &&
      (previous === undefined ||
        previous.planGeneration !== task.planGeneration ||
        previous.plan !== task.plan)
    ) {
      schedule.push({
        at: next.at,
        order: state.scheduleOrder++,
        value: { cluster, taskId: task.taskId, generation: task.planGeneration },
      });
      armTimer();
    }
  };

  const remove = (cluster: ClusterState, task: TaskState) => {
    cluster.tasks.delete(task.taskId);
    if (tasksByAddress.get(task.privateIpv4Address)?.taskId === task.taskId)
      tasksByAddress.delete(task.privateIpv4Address);
    state.totalTasks--;
    if (cluster.order.length > 64 && cluster.tasks.size < cluster.order.length / 2) {
      cluster.order = cluster.order.filter((entry) => cluster.tasks.has(entry.id));
    }
  };

  /** Applies every planned change due at or before `until`, in timestamp order. */
  const runDue = (until: number) => {
    for (;;) {
      const top = schedule.peek();
      if (!top || top.at > until) break;
      schedule.pop();
      const { cluster, taskId, generation } = top.value;
      const task = cluster.tasks.get(taskId);
      const change = task?.plan[0];
      if (!task || !change || task.planGeneration !== generation || change.at !== top.at) continue;
      if (isVirtual && top.at > state.virtualNow) state.virtualNow = top.at;
      const stopMs =
        change.step === 'CRASH' || change.step === 'PULL_FAIL' ? jittered(timing.stopMs) : timing.stopMs;
      const { task: next, emits } = applyPlannedChange(task, change, stopMs, timing);
      if (change.step === 'REMOVE') {
        remove(cluster, task);
        continue;
      }
      store(cluster, task, next);
      if (emits) emit(next, top.at);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let closed = false;

  function armTimer() {
    if (isVirtual || externalClock || closed) return;
    const top = schedule.peek();
    if (!top || top.at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = top.at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
        tick();
      },
      Math.max(0, top.at - Date.now()),
    );
    timer.unref();
  }

  const tick = () => {
    runDue(now());
    flushEvents();
    armTimer();
  };

  const close = () => {
    closed = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    flushEvents();
  };

  return { emit, flushEvents, store, remove, runDue, armTimer, tick, close };
};

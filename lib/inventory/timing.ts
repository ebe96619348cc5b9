/** Where a task's time went, from the ECS timestamps its inventory record keeps. */
import type { TaskRecord } from '../domain';
import { epochOf, isoOf } from '../time';

export interface TaskPhase {
  startedAt: string;
  endedAt?: string;
  durationMs: number;
  /** The task is in this phase now; durationMs runs to the moment of the answer. */
  ongoing: boolean;
}

export interface TaskTiming {
  /** createdAt -> pullStartedAt */
  provisioning: TaskPhase | null;
  /** pullStartedAt -> pullStoppedAt */
  pull: TaskPhase | null;
  /** pullStoppedAt -> startedAt */
  startUp: TaskPhase | null;
  /** startedAt -> stoppingAt */
  running: TaskPhase | null;
  /** stoppingAt -> stoppedAt */
  stopping: TaskPhase | null;
}

/**
 * Where the task's time went, from ECS's timestamps. A phase the task never reached is null; one that
 * a stop cut short ends when the stop began; one still going runs to `now`.
 */
export const taskTiming = (task: TaskRecord, now: number): TaskTiming => {
  const stoppingAt = epochOf(task.stoppingAt);
  const stoppedAt = epochOf(task.stoppedAt);
  const phase = (from: string | undefined, to: string | undefined, isStopping = false): TaskPhase | null => {
    const start = epochOf(from);
    if (start === undefined) return null;
    let end = epochOf(to);
    if (end === undefined && !isStopping && stoppingAt !== undefined && stoppingAt >= start) end = stoppingAt;
    if (end === undefined && stoppedAt !== undefined && stoppedAt >= start) end = stoppedAt;
    if (end === undefined) {
      return {
        startedAt: isoOf(start),
        durationMs: Math.max(0, now - start),
        ongoing: true,
      };
    }
    return {
      startedAt: isoOf(start),
      endedAt: isoOf(end),
      durationMs: Math.max(0, end - start),
      ongoing: false,
    };
  };
  return {
    provisioning: phase(task.createdAt, task.pullStartedAt),
    pull: phase(task.pullStartedAt, task.pullStoppedAt),
    startUp: phase(task.pullStoppedAt, task.startedAt),
    running: phase(task.startedAt, task.stoppingAt),
    stopping: phase(task.stoppingAt, task.stoppedAt, true),
  };
};

import type { TaskRecord } from '../domain';
import { DAY_MS, DAY_SECONDS, epochOf } from '../time';

/**
 * How long the inventory keeps a stopped task readable (the table's TTL, expiresAt = stoppedAt + 30 days),
 * where ECS forgets it after about an hour.
 */
export const TASK_HISTORY_MS = 30 * DAY_MS;
export const TASK_HISTORY_SECONDS = 30 * DAY_SECONDS;

/** A stopped task past its 30 days, that DynamoDB's TTL has not yet deleted (it takes up to days). */
export const isExpired = (task: TaskRecord, now: number): boolean => {
  if (task.lastStatus !== 'STOPPED') return false;
  const stoppedAt = epochOf(task.stoppedAt) ?? epochOf(task.updatedAt);
  return stoppedAt !== undefined && stoppedAt + TASK_HISTORY_MS <= now;
};

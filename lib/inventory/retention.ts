import { DAY_MS, DAY_SECONDS } from '../time';

/**
 * How long the inventory keeps a stopped task readable (the table's TTL, expiresAt = stoppedAt + 30 days),
 * where ECS forgets it after about an hour.
 */
export const TASK_HISTORY_MS = 30 * DAY_MS;
export const TASK_HISTORY_SECONDS = 30 * DAY_SECONDS;

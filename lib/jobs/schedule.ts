/**
 * A job's schedule: EventBridge Scheduler's cron(min hour dom month dow year), rate(N unit) and
 * at(yyyy-mm-ddThh:mm:ss) in an IANA time zone, read by the same parser as scheduled scaling (croner).
 * A job's ticks are at least a minute apart: the scheduler looks once a minute, and EventBridge
 * Scheduler refuses anything finer.
 */
import { ValidationError } from '../errors';
import { parseSchedule, type Schedule, ScheduleError } from '../scaling/schedule';
import { MINUTE_MS } from '../time';

/** How many occurrences the interval check looks at: enough to meet any pattern's closest pair in an hour. */
const PROBE_OCCURRENCES = 61;

/** Schedules already read and checked, by expression, zone and anchor: a scheduler pass plans every job. */
const checked = new Map<string, Schedule>();
const CHECKED_MAX = 10_000;

/**
 * A tick schedule, or a ValidationError naming the field (`schedule` or `timezone`). Remembered once
 * checked: the check probes 61 occurrences in the zone, and each pass of each job would repeat it.
 */
export const jobSchedule = (expression: string, timezone: string, createdAt: number): Schedule => {
  const key = `${expression}\u0000${timezone}\u0000${createdAt}`;
  const known = checked.get(key);
  if (known) return known;
  const schedule = checkedSchedule(expression, timezone, createdAt);
  if (checked.size >= CHECKED_MAX) checked.clear();
  checked.set(key, schedule);
  return schedule;
};

const checkedSchedule = (expression: string, timezone: string, createdAt: number): Schedule => {
  if (/^rate\(\s*\d+\s+seconds?\s*\)$/.test(expression.trim())) {
    throw new ValidationError(
      'Invalid request body: schedule: more frequent than once a minute; the shortest is rate(1 minute)',
    );
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron && cron[1]!.trim().split(/\s+/).length === 7) {
    throw new ValidationError(
      'Invalid request body: schedule: cron() has no seconds field; its six fields run at most once a minute',
    );
  }
  let schedule: Schedule;
  try {
    schedule = parseSchedule(expression, timezone, createdAt);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    const field = error.message.includes('IANA time zone') ? 'timezone' : 'schedule';
    throw new ValidationError(`Invalid request body: ${field}: ${error.message}`);
  }
  let previous: number | undefined;
  let at = createdAt;
  for (let index = 0; index < PROBE_OCCURRENCES; index++) {
    const next = schedule.nextAfter(at);
    if (next === undefined) break;
    if (previous !== undefined && next - previous < MINUTE_MS) {
      throw new ValidationError('Invalid request body: schedule: more frequent than once a minute');
    }
    previous = next;
    at = next;
  }
  return schedule;
};

/** The next `count` ticks strictly after `after`. */
export const nextTicks = (schedule: Schedule, after: number, count: number): number[] => {
  const ticks: number[] = [];
  let at = after;
  while (ticks.length < count) {
    const next = schedule.nextAfter(at);
    if (next === undefined) break;
    ticks.push(next);
    at = next;
  }
  return ticks;
};

/** The ticks in (after, upTo], oldest first, at most `limit` of them. */
export const ticksBetween = (schedule: Schedule, after: number, upTo: number, limit: number): number[] => {
  const ticks: number[] = [];
  let at = after;
  while (ticks.length < limit) {
    const next = schedule.nextAfter(at);
    if (next === undefined || next > upTo) break;
    ticks.push(next);
    at = next;
  }
  return ticks;
};

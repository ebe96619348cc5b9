/**
 * Application Auto Scaling's schedule forms, read in an IANA time zone:
 *   at(yyyy-mm-ddThh:mm:ss)                 once, at that wall-clock time
 *   rate(N minute|minutes|hour|hours|day|days)   every N units from an anchor (the action's creation)
 *   cron(minutes hours day-of-month month day-of-week year)   AWS's six fields: `?` in exactly one of the
 *     day fields, L, W, #, day-of-week 1-7 = SUN-SAT or names
 * Cron and at are computed by croner (7-part mode with a zero seconds field, Quartz weekday numbering).
 * A wall-clock time that a DST change skips runs at the first time after the gap; one that occurs twice
 * runs once (croner's handling of fixed-time jobs).
 */
import { Cron } from 'croner';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time';

export interface Schedule {
  readonly expression: string;
  readonly timezone: string;
  /** First occurrence strictly after `after` (epoch ms), or undefined if none is left. */
  nextAfter(after: number): number | undefined;
  /** Last occurrence at or before `at`, or undefined. */
  lastAtOrBefore(at: number): number | undefined;
}

export class ScheduleError extends Error {}

const units: Record<string, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

export const isValidTimezone = (timezone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
};

const cronOptions = (timezone: string) => ({
  mode: '7-part' as const,
  alternativeWeekdays: true,
  sloppyRanges: true, // AWS writes steps as 0/15
  domAndDow: true,
  timezone,
  paused: true,
});

/** Occurrences from croner; `previousRuns` finds the last one before a date. */
const fromCron = (expression: string, timezone: string, cron: Cron): Schedule => ({
  expression,
  timezone,
  nextAfter(after) {
    return cron.nextRun(new Date(after))?.getTime();
  },
  lastAtOrBefore(at) {
    return cron.previousRuns(1, new Date(at + 1))[0]?.getTime();
  },
});

const parseAt = (expression: string, body: string, timezone: string): Schedule => {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) throw new ScheduleError('at() takes a date and time as yyyy-mm-ddThh:mm:ss');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    probe.getUTCFullYear() !== year ||
    probe.getUTCMonth() !== month - 1 ||
    probe.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    throw new ScheduleError(`at(${body}) is not a real date and time`);
  const pattern = `${second} ${minute} ${hour} ${day} ${month} * ${year}`;
  return fromCron(expression, timezone, new Cron(pattern, cronOptions(timezone)));
};

const parseRate = (expression: string, body: string, anchor: number): Schedule => {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) throw new ScheduleError('rate() takes a whole number and a unit: minute(s), hour(s) or day(s)');
  const count = Number(match[1]);
  const unit = match[2]!;
  if (count < 1) throw new ScheduleError('rate() needs a value of at least 1');
  if (count === 1 && unit.endsWith('s'))
    throw new ScheduleError(`rate(1 ${unit}) must use the singular unit: rate(1 ${unit.slice(0, -1)})`);
  if (count > 1 && !unit.endsWith('s'))
    throw new ScheduleError(`rate(${count} ${unit}) must use the plural unit: rate(${count} ${unit}s)`);
  const step = count * units[unit.replace(/s$/, '')]!;
  return {
    expression,
    timezone: 'UTC',
    nextAfter(after) {
      if (after < anchor) return anchor;
      return anchor + (Math.floor((after - anchor) / step) + 1) * step;
    },
    lastAtOrBefore(at) {
      if (at < anchor) return undefined;
      return anchor + Math.floor((at - anchor) / step) * step;
    },
  };
};

const parseCronBody = (expression: string, body: string, timezone: string): Schedule => {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new ScheduleError(
      `cron() takes six fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  const [, , dayOfMonth, , dayOfWeek] = fields as [string, string, string, string, string, string];
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    throw new ScheduleError('cron() needs ? in exactly one of day-of-month and day-of-week');
  const pattern = `0 ${fields.map((field) => (field === '?' ? '*' : field)).join(' ')}`;
  try {
    return fromCron(expression, timezone, new Cron(pattern, cronOptions(timezone)));
  } catch (error) {
    throw new ScheduleError(
      `cron(${body}) is not valid: ${(error as Error).message.replace(/^CronPattern: /, '')}`,
    );
  }
};

/**
 * Reads a schedule expression. `anchor` (epoch ms) is where a rate() counts from: Application Auto
 * Scaling starts a rate at the action's start time, which is its creation here. Throws ScheduleError.
 */
export const parseSchedule = (expression: string, timezone = 'UTC', anchor = 0): Schedule => {
  if (!isValidTimezone(timezone)) throw new ScheduleError(`${timezone} is not an IANA time zone`);
  const match = /^(at|rate|cron)\((.*)\)$/.exec(expression.trim());
  if (!match) throw new ScheduleError('must be at(yyyy-mm-ddThh:mm:ss), rate(N unit) or cron(six fields)');
  const [, kind, body] = match as unknown as [string, 'at' | 'rate' | 'cron', string];
  if (kind === 'at') return parseAt(expression, body, timezone);
  if (kind === 'rate') return parseRate(expression, body, anchor);
  return parseCronBody(expression, body, timezone);
};

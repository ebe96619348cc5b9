import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleError } from '../../../lib/scaling/schedule';
import { applyScheduledActions, type ScheduledAction } from '../../../lib/scaling/scheduled';

const ms = (iso: string) => Date.parse(iso);
const iso = (value: number | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

describe('parseSchedule', () => {
  it.each([
    // expression, time zone, after, next occurrence
    ['cron(0 9 * * ? *)', 'UTC', '2026-03-06T09:00:00Z', '2026-03-07T09:00:00.000Z'],
    ['cron(0/15 * * * ? *)', 'UTC', '2026-03-06T09:07:00Z', '2026-03-06T09:15:00.000Z'],
    ['cron(0 9 ? * MON-FRI *)', 'UTC', '2026-03-06T10:00:00Z', '2026-03-09T09:00:00.000Z'], // Fri -> Mon
    ['cron(0 9 ? * 2-6 *)', 'UTC', '2026-03-06T10:00:00Z', '2026-03-09T09:00:00.000Z'], // 2-6 = MON-FRI
    ['cron(0 9 ? * 1 *)', 'UTC', '2026-03-06T10:00:00Z', '2026-03-08T09:00:00.000Z'], // 1 = SUN
    ['cron(0 9 ? * 7 *)', 'UTC', '2026-03-06T10:00:00Z', '2026-03-07T09:00:00.000Z'], // 7 = SAT
    ['cron(0 12 L * ? *)', 'UTC', '2026-02-01T00:00:00Z', '2026-02-28T12:00:00.000Z'], // last day of month
    ['cron(0 9 15W * ? *)', 'UTC', '2026-03-01T00:00:00Z', '2026-03-16T09:00:00.000Z'], // 15th is a Sunday
    ['cron(0 9 ? * 6#3 *)', 'UTC', '2026-03-01T00:00:00Z', '2026-03-20T09:00:00.000Z'], // third Friday
    ['cron(0 0 1 1 ? 2028)', 'UTC', '2026-03-01T00:00:00Z', '2028-01-01T00:00:00.000Z'], // the year field
    // New York: 09:00 local is 14:00Z in winter, 13:00Z after DST starts on 2026-03-08.
    ['cron(0 9 * * ? *)', 'America/New_York', '2026-03-07T15:00:00Z', '2026-03-08T13:00:00.000Z'],
    ['cron(0 9 * * ? *)', 'America/New_York', '2026-03-06T15:00:00Z', '2026-03-07T14:00:00.000Z'],
    // Berlin springs forward at 02:00 on 2026-03-29: 02:30 does not exist and runs at 03:00 CEST.
    ['cron(30 2 * * ? *)', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-29T01:00:00.000Z'],
    // Berlin falls back on 2026-10-25: 02:30 occurs twice and runs once, at the first.
    ['cron(30 2 * * ? *)', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-25T00:30:00.000Z'],
    ['cron(30 2 * * ? *)', 'Europe/Berlin', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00.000Z'],
    ['at(2026-07-01T08:00:00)', 'Asia/Tokyo', '2026-01-01T00:00:00Z', '2026-06-30T23:00:00.000Z'],
    ['at(2026-07-01T08:00:00)', 'UTC', '2026-07-01T08:00:00Z', undefined],
    ['rate(1 hour)', 'UTC', '2026-01-01T00:30:00Z', '2026-01-01T01:00:00.000Z'],
    ['rate(2 days)', 'UTC', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00.000Z'],
    ['rate(5 minutes)', 'UTC', '2025-12-31T00:00:00Z', '2026-01-01T00:00:00.000Z'], // before the anchor
  ])('%s in %s after %s is %s', (expression, timezone, after, next) => {
    const schedule = parseSchedule(expression, timezone, ms('2026-01-01T00:00:00Z'));
    expect(iso(schedule.nextAfter(ms(after)))).toBe(next);
  });

  it('finds the last occurrence at or before an instant', () => {
    const schedule = parseSchedule('cron(0 22 ? * MON-FRI *)', 'Europe/London');
    expect(iso(schedule.lastAtOrBefore(ms('2026-06-08T10:00:00Z')))).toBe('2026-06-05T21:00:00.000Z'); // BST
    expect(iso(schedule.lastAtOrBefore(ms('2026-06-05T21:00:00Z')))).toBe('2026-06-05T21:00:00.000Z');
    const rate = parseSchedule('rate(10 minutes)', 'UTC', ms('2026-01-01T00:00:00Z'));
    expect(iso(rate.lastAtOrBefore(ms('2026-01-01T00:25:00Z')))).toBe('2026-01-01T00:20:00.000Z');
    expect(rate.lastAtOrBefore(ms('2025-12-31T23:59:00Z'))).toBeUndefined();
  });

  it.each([
    ['cron(0 9 * * * *)', /\? in exactly one of day-of-month and day-of-week/],
    ['cron(0 9 ? * ? *)', /\? in exactly one/],
    ['cron(0 9 * * ?)', /six fields .* got 5/],
    ['cron(0 25 ? * * *)', /cron\(0 25 \? \* \* \*\) is not valid/],
    ['cron(0 9 ? * FOO *)', /is not valid/],
    ['rate(1 minutes)', /singular unit: rate\(1 minute\)/],
    ['rate(5 hour)', /plural unit: rate\(5 hours\)/],
    ['rate(0 minutes)', /at least 1/],
    ['rate(5 weeks)', /minute\(s\), hour\(s\) or day\(s\)/],
    ['at(2026-02-30T10:00:00)', /not a real date/],
    ['at(2026-02-10 10:00)', /yyyy-mm-ddThh:mm:ss/],
    ['every day at 9', /must be at\(yyyy-mm-ddThh:mm:ss\), rate\(N unit\) or cron\(six fields\)/],
  ])('rejects %s', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(ScheduleError);
    expect(() => parseSchedule(expression)).toThrow(message);
  });

  it('rejects a time zone that is not IANA', () => {
    expect(() => parseSchedule('rate(1 day)', 'Mars/Olympus')).toThrow(
      'Mars/Olympus is not an IANA time zone',
    );
  });
});

describe('applyScheduledActions', () => {
  const createdAt = ms('2026-01-01T00:00:00Z');
  const actions: ScheduledAction[] = [
    {
      name: 'night',
      schedule: 'cron(0 20 * * ? *)',
      timezone: 'UTC',
      minCapacity: 0,
      maxCapacity: 1,
      createdAt,
    },
    {
      name: 'morning',
      schedule: 'cron(0 7 * * ? *)',
      timezone: 'UTC',
      minCapacity: 2,
      maxCapacity: 10,
      createdAt,
    },
  ];
  const range = { minCapacity: 1, maxCapacity: 5 };

  it('applies the actions that fell due since the last evaluation, in time order', () => {
    const night = applyScheduledActions(
      range,
      actions,
      ms('2026-03-02T19:59:00Z'),
      ms('2026-03-02T20:00:00Z'),
    );
    expect(night).toMatchObject({
      minCapacity: 0,
      maxCapacity: 1,
      cause: 'scheduled action night set minCapacity 0 and maxCapacity 1',
    });
    const both = applyScheduledActions(
      range,
      actions,
      ms('2026-03-02T06:00:00Z'),
      ms('2026-03-02T21:00:00Z'),
    );
    expect(both.applied.map((applied) => applied.name)).toEqual(['morning', 'night']);
    expect(both).toMatchObject({ minCapacity: 0, maxCapacity: 1 });
  });

  it('leaves the range alone between actions', () => {
    const quiet = applyScheduledActions(
      range,
      actions,
      ms('2026-03-02T08:00:00Z'),
      ms('2026-03-02T19:00:00Z'),
    );
    expect(quiet).toEqual({ ...range, applied: [] });
  });

  it('keeps min <= max when an action sets only one of them', () => {
    const raise = [
      { name: 'peak', schedule: 'at(2026-03-02T12:00:00)', timezone: 'UTC', minCapacity: 8, createdAt },
    ];
    expect(
      applyScheduledActions(range, raise, ms('2026-03-02T11:00:00Z'), ms('2026-03-02T12:00:00Z')),
    ).toMatchObject({
      minCapacity: 8,
      maxCapacity: 8,
    });
  });
});

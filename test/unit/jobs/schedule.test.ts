import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors';
import { jobSchedule, nextTicks, ticksBetween } from '../../../lib/jobs/schedule';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

const refusal = (schedule: string, timezone = 'UTC') => {
  try {
    jobSchedule(schedule, timezone, at('2026-01-01T00:00:00Z'));
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error(`${schedule} was accepted`);
};

describe('a job schedule', () => {
  it('refuses a bad cron expression, a bad timezone and anything finer than a minute, naming the field', () => {
    expect(refusal('cron(61 * * * ? *)')).toMatch(/^Invalid request body: schedule: /);
    expect(refusal('cron(0 * * * * *)')).toMatch(/schedule: cron\(\) needs \? in exactly one/);
    expect(refusal('every minute')).toMatch(/^Invalid request body: schedule: /);
    expect(refusal('cron(0 9 * * ? *)', 'Mars/Olympus')).toMatch(/^Invalid request body: timezone: /);
    expect(refusal('rate(30 seconds)')).toMatch(/schedule: more frequent than once a minute/);
    expect(refusal('cron(0/30 * * * * ? *)')).toMatch(/schedule: cron\(\) has no seconds field/);
  });

  it('accepts once a minute, rate(), at() and the other cron forms', () => {
    const created = at('2026-01-01T00:00:30Z');
    expect(nextTicks(jobSchedule('cron(* * * * ? *)', 'UTC', created), created, 2).map(iso)).toEqual([
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:02:00.000Z',
    ]);
    // rate() counts from the job's creation, as EventBridge Scheduler from the schedule's.
    expect(nextTicks(jobSchedule('rate(5 minutes)', 'UTC', created), created, 2).map(iso)).toEqual([
      '2026-01-01T00:05:30.000Z',
      '2026-01-01T00:10:30.000Z',
    ]);
    const once = jobSchedule('at(2026-01-02T08:00:00)', 'Europe/Paris', created);
    expect(nextTicks(once, created, 5).map(iso)).toEqual(['2026-01-02T07:00:00.000Z']);
    expect(nextTicks(jobSchedule('cron(0 9 ? * MON-FRI *)', 'UTC', created), created, 1).map(iso)).toEqual([
      '2026-01-01T09:00:00.000Z',
    ]);
  });

  it('runs cron(30 2 * * ? *) in Europe/Paris once on the spring-forward day and once on the fall-back day', () => {
    const schedule = jobSchedule('cron(30 2 * * ? *)', 'Europe/Paris', at('2026-01-01T00:00:00Z'));
    // 29 March 2026: 02:00 CET becomes 03:00 CEST, so 02:30 never happens; it runs once, right after.
    const spring = ticksBetween(schedule, at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'), 10);
    expect(spring.map(iso)).toEqual(['2026-03-29T01:00:00.000Z']);
    // 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice; it runs at the first.
    const autumn = ticksBetween(schedule, at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'), 10);
    expect(autumn.map(iso)).toEqual(['2026-10-25T00:30:00.000Z']);
    // The days around are ordinary.
    expect(
      ticksBetween(schedule, at('2026-03-27T22:00:00Z'), at('2026-03-28T22:00:00Z'), 10).map(iso),
    ).toEqual(['2026-03-28T01:30:00.000Z']);
  });
});

import { describe, expect, it } from 'vitest';
import type { JobRun, JobView } from '../../client/api-types';
import { jobsPage } from '../../console/jobs-page';
import type { PageContext } from '../../console/render';
import { scheduleInWords } from '../../console/schedule-words';

const ctx: PageContext = { base: '/console', allowWrites: false, live: false };

const job = (fields: Partial<JobView> = {}): JobView => ({
  cluster: 'default',
  jobName: 'nightly-report',
  taskDefinition: 'report',
  schedule: 'cron(30 2 * * ? *)',
  timezone: 'Europe/Paris',
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
  concurrencyPolicy: 'Forbid',
  retry: { attempts: 0, backoffSeconds: 30 },
  suspend: false,
  successfulRunsHistoryLimit: 100,
  failedRunsHistoryLimit: 100,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  version: 1,
  nextRuns: ['2026-12-07T01:30:00.000Z', '2026-12-08T01:30:00.000Z', '2026-12-09T01:30:00.000Z'],
  consecutiveFailures: 0,
  ...fields,
});

const run = (day: number, fields: Partial<JobRun>): JobRun => ({
  cluster: 'default',
  jobName: 'nightly-report',
  scheduledAt: `2026-12-0${day}T01:30:00.000Z`,
  attempt: 1,
  trigger: 'SCHEDULE',
  status: 'DONE',
  createdAt: `2026-12-0${day}T01:30:05.000Z`,
  version: 2,
  ...fields,
});

describe('a schedule in words', () => {
  it.each([
    ['cron(30 2 * * ? *)', 'Europe/Paris', 'every day at 02:30 (Europe/Paris)'],
    ['cron(0 9 ? * MON-FRI *)', 'UTC', 'on weekdays at 09:00 (UTC)'],
    ['cron(15 6 ? * SUN *)', 'UTC', 'every Sunday at 06:15 (UTC)'],
    ['cron(0 4 1 * ? *)', 'UTC', 'on day 1 of every month at 04:00 (UTC)'],
    ['cron(* * * * ? *)', 'UTC', 'every minute'],
    ['cron(5 * * * ? *)', 'UTC', 'every hour at minute 5'],
    ['rate(1 hour)', 'UTC', 'every hour'],
    ['rate(15 minutes)', 'UTC', 'every 15 minutes'],
    ['at(2027-01-01T00:00:00)', 'Asia/Tokyo', 'once, on 2027-01-01 at 00:00 (Asia/Tokyo)'],
    ['cron(0/15 8-17 ? * MON-FRI 2027)', 'UTC', 'cron(0/15 8-17 ? * MON-FRI 2027)'],
  ])('%s in %s reads "%s"', (expression, timezone, words) => {
    expect(scheduleInWords(expression, timezone)).toBe(words);
  });
});

describe('the Jobs page', () => {
  it('shows each job in words, its next runs, a strip of its last runs by verdict linking their tasks', () => {
    const page = jobsPage(ctx, [
      {
        cluster: 'default',
        jobs: [
          {
            job: job({ failing: 'the last 1 finished run failed' }),
            runs: [
              run(6, { verdict: 'FAILED', exitCode: 3, taskId: 'a'.repeat(32), reason: 'exit code 3' }),
              run(5, { verdict: 'SUCCEEDED', exitCode: 0, taskId: 'b'.repeat(32) }),
              run(4, { verdict: 'SKIPPED', reason: 'concurrencyPolicy Forbid: the run of x is still live' }),
            ],
          },
          { job: job({ jobName: 'paused', suspend: true, nextRuns: [] }), runs: [] },
        ],
      },
    ]);
    expect(page).toContain('every day at 02:30 (Europe/Paris)');
    expect(page).toContain('the last 1 finished run failed');
    const strip = /<span class="strip">(.*?)<\/span><details>/s.exec(page)?.[1] ?? '';
    expect([...strip.matchAll(/class="run (\w+)"/g)].map((m) => m[1])).toEqual([
      'FAILED',
      'SUCCEEDED',
      'SKIPPED',
    ]);
    expect(strip).toContain(`href="/console/clusters/default/tasks/${'a'.repeat(32)}"`);
    expect(page).toContain('<time');
    expect(page).toMatch(/data-job="paused"[\s\S]*SUSPENDED/);
    expect(page).toContain('href="/console/jobs"');
  });

  it('says so for a cluster with no jobs, and shows a cluster it could not read', () => {
    const page = jobsPage(ctx, [
      { cluster: 'empty', jobs: [] },
      { cluster: 'broken', jobs: [], error: 'Cluster broken not found' },
    ]);
    expect(page).toContain('No jobs.');
    expect(page).toContain('<div class="error">Cluster broken not found</div>');
  });
});

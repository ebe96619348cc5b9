import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Job, JobRun, TaskRecord } from '../../../lib/domain';
import {
  type JobAction,
  MAX_TICKS_PER_PASS,
  newRun,
  PENDING_GIVE_UP_MS,
  planJob,
  runsPastHistoryLimits,
} from '../../../lib/jobs/plan';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const MIN = 60_000;

const job = (fields: Partial<Job> = {}): Job => ({
  cluster: 'default',
  jobName: 'nightly',
  taskDefinition: 'batch',
  schedule: 'cron(* * * * ? *)',
  timezone: 'UTC',
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
  concurrencyPolicy: 'Allow',
  retry: { attempts: 0, backoffSeconds: 30 },
  suspend: false,
  successfulRunsHistoryLimit: 100,
  failedRunsHistoryLimit: 100,
  createdAt: new Date(T0).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  version: 1,
  ...fields,
});

const running = (j: Job, tick: number, taskId: string, fields: Partial<JobRun> = {}): JobRun => ({
  ...newRun(j, tick, 1, 'SCHEDULE', tick),
  status: 'RUNNING',
  taskId,
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/default/${taskId}`,
  startedAt: new Date(tick).toISOString(),
  version: 2,
  ...fields,
});

const task = (taskId: string, fields: Partial<TaskRecord> = {}): TaskRecord => ({
  cluster: 'default',
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/default/${taskId}`,
  taskId,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  healthStatus: 'UNKNOWN',
  eventVersion: 3,
  updatedAt: new Date(T0).toISOString(),
  ...fields,
});

const plan = (
  j: Job,
  now: number,
  options: { through?: number; open?: JobRun[]; tasks?: TaskRecord[] } = {},
) =>
  planJob({
    job: j,
    cursor: options.through === undefined ? undefined : { evaluatedThrough: options.through },
    openRuns: options.open ?? [],
    tasks: new Map((options.tasks ?? []).map((t) => [t.taskId, t])),
    now,
  });

/** Each action as a line: kind, tick (HH:MM), verdict. */
const summary = (actions: JobAction[]) =>
  actions.map((action) => {
    if (action.kind === 'advance') return `advance ${new Date(action.through).toISOString().slice(11, 16)}`;
    const run = action.kind === 'retry' ? action.run : action.run;
    const tick = run.scheduledAt.slice(11, 16);
    if (action.kind === 'record') return `record ${tick} ${run.verdict}`;
    if (action.kind === 'stop') return `stop ${tick} ${action.verdict}`;
    if (action.kind === 'finish') return `finish ${tick} ${action.update.verdict}`;
    if (action.kind === 'retry') return `retry ${tick} attempt ${run.attempt}`;
    return `${action.kind} ${tick}`;
  });

describe('the jobs planner: ticks', () => {
  it('launches every tick since the last pass, and none at or before the job was created', () => {
    expect(summary(plan(job(), T0 + 2 * MIN + 5_000))).toEqual([
      'launch 12:01',
      'launch 12:02',
      'advance 12:02',
    ]);
    expect(summary(plan(job(), T0 + 30_000))).toEqual(['advance 12:00']);
  });

  it('takes up where the last pass stopped: a tick already recorded is never planned again', () => {
    expect(summary(plan(job(), T0 + 3 * MIN, { through: T0 + 2 * MIN }))).toEqual([
      'launch 12:03',
      'advance 12:03',
    ]);
  });

  it('runs no tick from before the job, whatever cursor a deleted job of the same name left', () => {
    expect(summary(plan(job(), T0 + MIN + 5_000, { through: T0 - 30 * MIN }))).toEqual([
      'launch 12:01',
      'advance 12:01',
    ]);
  });

  it('records ticks SKIPPED while suspended', () => {
    const actions = plan(job({ suspend: true }), T0 + 2 * MIN);
    expect(summary(actions)).toEqual(['record 12:01 SKIPPED', 'record 12:02 SKIPPED', 'advance 12:02']);
    expect(actions[0]).toMatchObject({ run: { status: 'DONE', reason: 'the job is suspended' } });
  });

  it('records a tick later than startingDeadlineSeconds MISSED and runs the ones within it', () => {
    const actions = plan(job({ startingDeadlineSeconds: 90 }), T0 + 3 * MIN);
    expect(summary(actions)).toEqual([
      'record 12:01 MISSED',
      'launch 12:02',
      'launch 12:03',
      'advance 12:03',
    ]);
    expect(actions[0]).toMatchObject({
      run: { reason: expect.stringMatching(/startingDeadlineSeconds \(90 s\): 120 s late/) },
    });
  });

  it('bounds a pass: at most MAX_TICKS_PER_PASS ticks, the cursor at the last one', () => {
    const actions = plan(job({ suspend: true }), T0 + (MAX_TICKS_PER_PASS + 30) * MIN);
    expect(actions.filter((a) => a.kind === 'record')).toHaveLength(MAX_TICKS_PER_PASS);
    expect(actions.at(-1)).toEqual({ kind: 'advance', through: T0 + MAX_TICKS_PER_PASS * MIN });
  });

  it('accounts for every tick exactly once over any sequence of passes (doubled, late or skipped)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 * MIN }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (gaps, suspend) => {
          const j = job({ suspend, schedule: 'rate(1 minute)' });
          let now = T0;
          let through: number | undefined;
          const seen: string[] = [];
          for (const gap of gaps) {
            now += gap;
            for (const action of plan(j, now, through === undefined ? {} : { through })) {
              if (action.kind === 'advance') through = action.through;
              else if (action.kind === 'launch' || action.kind === 'record')
                seen.push(action.run.scheduledAt);
            }
          }
          const expected: string[] = [];
          const end = through ?? T0;
          for (let tick = T0 + MIN; tick <= end; tick += MIN) expected.push(new Date(tick).toISOString());
          expect(seen).toEqual(expected);
        },
      ),
    );
  });
});

describe('the jobs planner: concurrency policies', () => {
  const now = T0 + 5 * MIN;
  const through = T0 + 4 * MIN;

  it('Allow: a new tick runs beside the live run', () => {
    const j = job();
    expect(summary(plan(j, now, { through, open: [running(j, T0 + MIN, 'a')], tasks: [task('a')] }))).toEqual(
      ['launch 12:05', 'advance 12:05'],
    );
  });

  it('Forbid: a tick is SKIPPED while a run is live, naming it; in a catch-up only the first tick runs', () => {
    const j = job({ concurrencyPolicy: 'Forbid' });
    const actions = plan(j, now, { through, open: [running(j, T0 + MIN, 'a')], tasks: [task('a')] });
    expect(summary(actions)).toEqual(['record 12:05 SKIPPED', 'advance 12:05']);
    expect(actions[0]).toMatchObject({
      run: { reason: expect.stringContaining('2026-06-01T12:01:00.000Z') },
    });
    expect(summary(plan(j, T0 + 2 * MIN))).toEqual(['launch 12:01', 'record 12:02 SKIPPED', 'advance 12:02']);
  });

  it('Forbid: a run whose task stopped is no longer live', () => {
    const j = job({ concurrencyPolicy: 'Forbid' });
    const stopped = task('a', { lastStatus: 'STOPPED', containers: [{ name: 'app', exitCode: 0 }] });
    expect(summary(plan(j, now, { through, open: [running(j, T0 + MIN, 'a')], tasks: [stopped] }))).toEqual([
      'finish 12:01 SUCCEEDED',
      'launch 12:05',
      'advance 12:05',
    ]);
  });

  it('Replace: the live run is stopped as REPLACED before the tick launches', () => {
    const j = job({ concurrencyPolicy: 'Replace' });
    expect(summary(plan(j, now, { through, open: [running(j, T0 + MIN, 'a')], tasks: [task('a')] }))).toEqual(
      ['stop 12:01 REPLACED', 'launch 12:05', 'advance 12:05'],
    );
  });
});

describe('the jobs planner: runs', () => {
  const now = T0 + 5 * MIN;
  const through = now;

  it('gives a stopped task its verdict from its exit codes, and LAUNCH_FAILED to one that failed to start', () => {
    const j = job();
    const open = [running(j, T0 + MIN, 'a'), running(j, T0 + 2 * MIN, 'b'), running(j, T0 + 3 * MIN, 'c')];
    const tasks = [
      task('a', {
        lastStatus: 'STOPPED',
        containers: [
          { name: 'app', exitCode: 0 },
          { name: 'side', exitCode: 0 },
        ],
      }),
      task('b', {
        lastStatus: 'STOPPED',
        containers: [
          { name: 'app', exitCode: 0 },
          { name: 'side', exitCode: 3 },
        ],
      }),
      task('c', {
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull access denied',
      }),
    ];
    const actions = plan(j, now, { through, open, tasks });
    expect(summary(actions)).toEqual([
      'finish 12:01 SUCCEEDED',
      'finish 12:02 FAILED',
      'finish 12:03 LAUNCH_FAILED',
    ]);
    expect(actions[1]).toMatchObject({ update: { exitCode: 3, reason: 'exit code 3' } });
    expect(actions[2]).toMatchObject({ update: { reason: 'CannotPullContainerError: pull access denied' } });
  });

  it('schedules a retry with doubling backoff while attempts are left, then launches it when due', () => {
    const j = job({ retry: { attempts: 2, backoffSeconds: 30 } });
    const failed = task('a', {
      lastStatus: 'STOPPED',
      stoppedAt: new Date(now).toISOString(),
      containers: [{ exitCode: 1 }],
    });
    const [first] = plan(j, now, { through, open: [running(j, T0 + MIN, 'a')], tasks: [failed] });
    expect(first).toMatchObject({
      kind: 'finish',
      update: { verdict: 'FAILED', retryAt: new Date(now + 30_000).toISOString() },
    });
    const second = running(j, T0 + MIN, 'b', { attempt: 2 });
    const [again] = plan(j, now, { through, open: [second], tasks: [{ ...failed, taskId: 'b' }] });
    expect(again).toMatchObject({ update: { retryAt: new Date(now + 60_000).toISOString() } });
    const third = running(j, T0 + MIN, 'c', { attempt: 3 });
    const [last] = plan(j, now, { through, open: [third], tasks: [{ ...failed, taskId: 'c' }] });
    expect(last).toMatchObject({ kind: 'finish', update: { verdict: 'FAILED' } });
    expect((last as { update: JobRun }).update.retryAt).toBeUndefined();

    const waiting: JobRun = {
      ...running(j, T0 + MIN, 'a'),
      status: 'DONE',
      verdict: 'FAILED',
      retryAt: new Date(now + 30_000).toISOString(),
    };
    expect(summary(plan(j, now, { through, open: [waiting] }))).toEqual([]);
    expect(summary(plan(j, now + 30_000, { through: now + 30_000, open: [waiting] }))).toEqual([
      'retry 12:01 attempt 2',
    ]);
  });

  it('stops a run that lives past timeoutSeconds as TIMED_OUT', () => {
    const j = job({ timeoutSeconds: 120 });
    const open = [running(j, T0 + MIN, 'a'), running(j, T0 + 4 * MIN, 'b')];
    const tasks = [
      task('a', { startedAt: new Date(T0 + MIN).toISOString() }),
      task('b', { startedAt: new Date(T0 + 4 * MIN).toISOString() }),
    ];
    expect(summary(plan(j, now, { through, open, tasks }))).toEqual(['stop 12:01 TIMED_OUT']);
  });

  it('launches a PENDING run again (same clientToken), and gives it up after 15 minutes', () => {
    const j = job();
    const pending = newRun(j, T0 + MIN, 1, 'SCHEDULE', T0 + MIN);
    expect(summary(plan(j, T0 + 2 * MIN, { through: T0 + 2 * MIN, open: [pending] }))).toEqual([
      'relaunch 12:01',
    ]);
    const late = T0 + MIN + PENDING_GIVE_UP_MS + 1;
    expect(summary(plan(j, late, { through: late, open: [pending] }))).toEqual([
      'finish 12:01 LAUNCH_FAILED',
    ]);
  });

  it('leaves a PENDING run claimed at or after its own instant to its claimer (a doubled pass, a manual run)', () => {
    const j = job();
    const now = T0 + 2 * MIN;
    // The other delivery of the same schedule event claimed 12:02 and is waiting for launch room.
    const doubled = newRun(j, now, 1, 'SCHEDULE', now);
    expect(summary(plan(j, now, { through: T0 + MIN, open: [doubled] }))).toEqual([
      'launch 12:02',
      'advance 12:02',
    ]);
    // A manual run the API claimed after the pass began.
    const manual = newRun(j, now + 5_000, 1, 'MANUAL', now + 5_000);
    expect(summary(plan(j, now, { through: now, open: [manual] }))).toEqual([]);
    // The next pass launches either again if its claimer died.
    expect(summary(plan(j, now + MIN, { through: now + MIN, open: [manual] }))).toEqual(['relaunch 12:02']);
  });

  it('Forbid counts a PENDING run as live: a crash between claim and launch does not open the door to a second run', () => {
    const j = job({ concurrencyPolicy: 'Forbid' });
    const pending = newRun(j, T0 + MIN, 1, 'SCHEDULE', T0 + MIN);
    expect(summary(plan(j, T0 + 2 * MIN, { through: T0 + MIN, open: [pending] }))).toEqual([
      'relaunch 12:01',
      'record 12:02 SKIPPED',
      'advance 12:02',
    ]);
  });
});

describe('history limits', () => {
  it('keeps the newest SUCCEEDED and the newest other finished runs, each to its limit', () => {
    const j = job({ successfulRunsHistoryLimit: 2, failedRunsHistoryLimit: 1 });
    const finished = (minute: number, verdict: JobRun['verdict']): JobRun => ({
      ...newRun(j, T0 + minute * MIN, 1, 'SCHEDULE', T0),
      status: 'DONE',
      verdict,
    });
    const newestFirst = [
      finished(6, 'SUCCEEDED'),
      finished(5, 'FAILED'),
      finished(4, 'SUCCEEDED'),
      finished(3, 'SKIPPED'),
      finished(2, 'SUCCEEDED'),
      { ...finished(1, 'FAILED'), retryAt: new Date(T0).toISOString() },
    ];
    expect(runsPastHistoryLimits(j, newestFirst).map((run) => run.scheduledAt.slice(11, 16))).toEqual([
      '12:02',
      '12:03',
    ]);
  });
});

describe('daylight saving, pass by pass', () => {
  it.each([
    ['spring-forward', '2026-03-28T22:00:00Z', ['2026-03-29T01:00:00.000Z']],
    ['fall-back', '2026-10-24T22:00:00Z', ['2026-10-25T00:30:00.000Z']],
  ])(
    'cron(30 2 * * ? *) in Europe/Paris launches once on the %s day, however often the passes run',
    (_day, from, expected) => {
      const start = Date.parse(from);
      const j = job({ schedule: 'cron(30 2 * * ? *)', timezone: 'Europe/Paris', createdAt: from });
      const launched: string[] = [];
      let through: number | undefined;
      // A pass a minute for 24 hours, each one run twice (a retried invocation).
      for (let now = start + MIN; now <= start + 24 * 60 * MIN; now += MIN) {
        for (let copy = 0; copy < 2; copy++) {
          for (const action of plan(j, now, through === undefined ? {} : { through })) {
            if (action.kind === 'launch') launched.push(action.run.scheduledAt);
            if (action.kind === 'advance') through = action.through;
          }
        }
      }
      expect(launched).toEqual(expected);
    },
  );
});

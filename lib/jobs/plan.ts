/**
 * The jobs planner: what one scheduler pass does for one job, from the job, its open runs, the inventory's
 * records of their tasks and the instant. Pure: the executor (lib/use-cases/job-ticks.ts) does the I/O.
 *
 * Rules, in the order a pass applies them:
 *   settle     a run whose task STOPPED gets its verdict (exit codes; TaskFailedToStart is LAUNCH_FAILED);
 *              a PENDING run (claimed, RunTask not answered: a crash, a failure) is launched again with
 *              the same clientToken, which ECS answers with the task it may already have made, unless it
 *              was claimed at or after the pass's instant (a concurrent claimer is launching it)
 *   timeout    a task living past timeoutSeconds is stopped, the run TIMED_OUT
 *   retry      a failed run with attempts left is followed by the next attempt once its backoff is over
 *   ticks      every tick since the last pass gets a run record: SKIPPED while suspended, MISSED past
 *              startingDeadlineSeconds, SKIPPED by Forbid while a run is live, else launched (Replace
 *              stops the live runs first, as REPLACED)
 */
import {
  FAILED_VERDICTS,
  type Job,
  type JobCursor,
  type JobRun,
  type RunTrigger,
  type RunVerdict,
  type TaskRecord,
} from '../domain';
import { isoOf, SECOND_MS } from '../time';
import { jobSchedule, ticksBetween } from './schedule';

/** Ticks one pass records per job at most; the rest wait for the next pass (bounded work per run). */
export const MAX_TICKS_PER_PASS = 60;
/** A run still PENDING this long after its claim is given up as LAUNCH_FAILED. */
export const PENDING_GIVE_UP_MS = 15 * 60 * SECOND_MS;

export type JobAction =
  /** Claim the run (a conditional create: one writer per tick and attempt wins), then RunTask. */
  | { kind: 'launch'; run: JobRun }
  /** Claim the run with its final verdict (nothing to launch). */
  | { kind: 'record'; run: JobRun }
  /** RunTask again for a PENDING run, with its clientToken. */
  | { kind: 'relaunch'; run: JobRun }
  /** The run's final word (verdict, exit code, times, retryAt). */
  | { kind: 'finish'; run: JobRun; update: Partial<JobRun> }
  /** StopTask the run's task, then finish it with this verdict. */
  | { kind: 'stop'; run: JobRun; verdict: 'TIMED_OUT' | 'REPLACED'; reason: string }
  /** The failed run's retry is claimed: its retryAt is cleared and `run` launched. */
  | { kind: 'retry'; failed: JobRun; run: JobRun }
  /** Every tick up to this instant has its record. */
  | { kind: 'advance'; through: number };

export interface JobPlanInput {
  job: Job;
  cursor: JobCursor | undefined;
  /** The job's open runs: not DONE, or DONE with a retry due. */
  openRuns: readonly JobRun[];
  /** The inventory's records of the open runs' tasks, by task id. */
  tasks: ReadonlyMap<string, TaskRecord>;
  now: number;
}

/** The record a new run starts as. */
export const newRun = (
  job: Job,
  scheduledAt: number,
  attempt: number,
  trigger: RunTrigger,
  now: number,
  fields: Partial<JobRun> = {},
): JobRun => ({
  cluster: job.cluster,
  jobName: job.jobName,
  scheduledAt: isoOf(scheduledAt),
  attempt,
  trigger,
  status: 'PENDING',
  createdAt: isoOf(now),
  version: 1,
  ...fields,
});

const done = (run: JobRun, verdict: RunVerdict, reason: string, now: number): JobRun => ({
  ...run,
  status: 'DONE',
  verdict,
  reason,
  stoppedAt: isoOf(now),
});

/** The exit code a run reports: the first non-zero one of its containers, else the first one's. */
export const exitCodeOf = (task: TaskRecord): number | undefined => {
  const codes = (task.containers ?? []).flatMap((c) => (c.exitCode === undefined ? [] : [c.exitCode]));
  return codes.find((code) => code !== 0) ?? codes[0];
};

/** When a failed attempt's next attempt is due; undefined when none is left. */
export const retryAtOf = (job: Job, run: JobRun, verdict: RunVerdict, failedAt: number) =>
  FAILED_VERDICTS.has(verdict) && run.attempt <= job.retry.attempts
    ? isoOf(failedAt + job.retry.backoffSeconds * SECOND_MS * 2 ** (run.attempt - 1))
    : undefined;

/** The final word on a run whose task stopped (pure: GET runs shows it before a pass writes it). */
export const verdictOfStoppedTask = (task: TaskRecord): { verdict: RunVerdict; reason?: string } => {
  if (task.stopCode === 'TaskFailedToStart') {
    return { verdict: 'LAUNCH_FAILED', reason: task.stoppedReason ?? 'the task failed to start' };
  }
  const exitCode = exitCodeOf(task);
  if (exitCode === 0) return { verdict: 'SUCCEEDED' };
  return {
    verdict: 'FAILED',
    reason:
      exitCode === undefined
        ? (task.stoppedReason ?? 'stopped without an exit code')
        : `exit code ${exitCode}${task.stoppedReason ? ` (${task.stoppedReason})` : ''}`,
  };
};

const finishStopped = (job: Job, run: JobRun, task: TaskRecord, now: number): JobAction => {
  const { verdict, reason } = verdictOfStoppedTask(task);
  const stoppedAt = task.stoppedAt ?? isoOf(now);
  const exitCode = exitCodeOf(task);
  const retryAt = retryAtOf(job, run, verdict, Date.parse(stoppedAt));
  return {
    kind: 'finish',
    run,
    update: {
      status: 'DONE',
      verdict,
      stoppedAt,
      ...(reason === undefined ? {} : { reason }),
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(task.startedAt ? { startedAt: task.startedAt } : {}),
      ...(retryAt ? { retryAt } : {}),
    },
  };
};

/** The open runs' word this pass: verdicts, relaunches, timeouts, due retries. */
const settle = (input: JobPlanInput): { actions: JobAction[]; live: JobRun[] } => {
  const { job, now } = input;
  const actions: JobAction[] = [];
  const live: JobRun[] = [];
  for (const run of input.openRuns) {
    if (run.status === 'DONE') {
      if (run.retryAt !== undefined && Date.parse(run.retryAt) <= now) {
        const next = newRun(job, Date.parse(run.scheduledAt), run.attempt + 1, run.trigger, now);
        actions.push({ kind: 'retry', failed: run, run: next });
        live.push(next);
      }
      continue;
    }
    if (run.status === 'PENDING') {
      const claimedAt = Date.parse(run.createdAt);
      if (now - claimedAt > PENDING_GIVE_UP_MS) {
        const reason = 'RunTask was never answered within 15 minutes';
        const retryAt = retryAtOf(job, run, 'LAUNCH_FAILED', now);
        actions.push({
          kind: 'finish',
          run,
          update: { status: 'DONE', verdict: 'LAUNCH_FAILED', reason, ...(retryAt ? { retryAt } : {}) },
        });
      } else if (claimedAt >= now) {
        // Claimed at this pass's own instant (the same schedule event delivered twice) or since it began (a
        // manual run the API is launching): its claimer is launching it. A RunTask from here as well would
        // spend launch room on the one task ECS makes for the token; a claimer that died leaves it to the
        // next pass, as any PENDING run.
        live.push(run);
      } else {
        actions.push({ kind: 'relaunch', run });
        live.push(run);
      }
      continue;
    }
    const task = run.taskId === undefined ? undefined : input.tasks.get(run.taskId);
    if (task?.lastStatus === 'STOPPED') {
      actions.push(finishStopped(job, run, task, now));
      continue;
    }
    const startedAt = Date.parse(task?.startedAt ?? run.startedAt ?? run.createdAt);
    if (job.timeoutSeconds !== undefined && now - startedAt > job.timeoutSeconds * SECOND_MS) {
      actions.push({
        kind: 'stop',
        run,
        verdict: 'TIMED_OUT',
        reason: `ran longer than timeoutSeconds (${job.timeoutSeconds} s)`,
      });
      continue;
    }
    live.push(run);
  }
  return { actions, live };
};

/** The ticks since the last pass, each with its record or launch. */
const tickActions = (input: JobPlanInput, live: JobRun[]): JobAction[] => {
  const { job, now } = input;
  const createdAt = Date.parse(job.createdAt);
  const schedule = jobSchedule(job.schedule, job.timezone, createdAt);
  // Never a tick from before the job: a cursor left by a job of the same name (deleted mid-pass) is older.
  const after = Math.max(input.cursor?.evaluatedThrough ?? createdAt, createdAt);
  const ticks = ticksBetween(schedule, after, now, MAX_TICKS_PER_PASS);
  const actions: JobAction[] = [];
  const running = [...live];
  for (const tick of ticks) {
    const late = now - tick;
    const skip = (verdict: RunVerdict, reason: string) =>
      actions.push({
        kind: 'record',
        run: done(newRun(job, tick, 1, 'SCHEDULE', now), verdict, reason, now),
      });
    if (job.suspend) {
      skip('SKIPPED', 'the job is suspended');
    } else if (job.startingDeadlineSeconds !== undefined && late > job.startingDeadlineSeconds * SECOND_MS) {
      skip(
        'MISSED',
        `not started within startingDeadlineSeconds (${job.startingDeadlineSeconds} s): ${Math.round(late / SECOND_MS)} s late`,
      );
    } else if (job.concurrencyPolicy === 'Forbid' && running.length > 0) {
      skip('SKIPPED', `concurrencyPolicy Forbid: the run of ${running[0]!.scheduledAt} is still live`);
    } else {
      if (job.concurrencyPolicy === 'Replace') {
        for (const run of running) {
          const reason = `concurrencyPolicy Replace: replaced by the run of ${isoOf(tick)}`;
          actions.push({ kind: 'stop', run, verdict: 'REPLACED', reason });
        }
        running.length = 0;
      }
      const run = newRun(job, tick, 1, 'SCHEDULE', now);
      actions.push({ kind: 'launch', run });
      running.push(run);
    }
  }
  const through = ticks.length === MAX_TICKS_PER_PASS ? ticks[ticks.length - 1]! : now;
  if (through > after) actions.push({ kind: 'advance', through });
  return actions;
};

/** One pass over one job: the open runs settled first, then its ticks. */
export const planJob = (input: JobPlanInput): JobAction[] => {
  const { actions, live } = settle(input);
  // A pass over a job on Replace stops every live run for a new tick, the retries among them.
  return [...actions, ...tickActions(input, live)];
};

/** DONE runs past the job's history limits, oldest first (SUCCEEDED against one limit, the rest the other). */
export const runsPastHistoryLimits = (job: Job, newestFirst: readonly JobRun[]): JobRun[] => {
  let succeeded = 0;
  let other = 0;
  const excess: JobRun[] = [];
  for (const run of newestFirst) {
    if (run.status !== 'DONE' || run.retryAt !== undefined) continue;
    if (run.verdict === 'SUCCEEDED') {
      if (++succeeded > job.successfulRunsHistoryLimit) excess.push(run);
    } else if (++other > job.failedRunsHistoryLimit) excess.push(run);
  }
  return excess.reverse();
};

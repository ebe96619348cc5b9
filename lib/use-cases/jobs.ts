/**
 * Scheduled jobs through the API: create, read (with the next five ticks and whether its last runs
 * failed), change (If-Match as services), delete, list, their runs newest first, and run now.
 */
import { FAILED_VERDICTS, type Job, type JobRun, type Page, type RunVerdict } from '../domain';
import { NotFoundError, PreconditionFailedError, ValidationError, VersionConflictError } from '../errors';
import { exitCodeOf, newRun, verdictOfStoppedTask } from '../jobs/plan';
import { jobSchedule, nextTicks } from '../jobs/schedule';
import type { PageRequest } from '../store/port';
import { createJobSchema, deleteJobQuerySchema, jobNameSchema, updateJobSchema } from '../validation/jobs';
import { parseInput } from '../validation/parse';
import { parseCluster } from '../validation/path-params';
import { sleepBeforeRetry, type UseCaseContext } from './context';
import { jobsOf, launchRun } from './job-launch';
import { parseIfMatch } from './services';
import { resolveUsableTaskDefinition } from './task-definitions';
import { stopTask } from './tasks';

const NEXT_RUNS = 5;
/** The newest runs GET job reads for its last verdict and failure streak. */
const RECENT_RUNS = 20;
const MAX_UPDATE_ATTEMPTS = 5;

export interface JobView extends Job {
  nextRuns: string[];
  lastVerdict?: RunVerdict;
  /** How many of the newest finished runs failed in a row (SKIPPED runs are passed over). */
  consecutiveFailures: number;
  /** Said when the newest finished runs failed: what an operator looks at first. */
  failing?: string;
}

const parseJobName = (jobName: string) => parseInput(jobNameSchema(), jobName, 'job name');

const getJob = async (context: UseCaseContext, cluster: string, jobName: string): Promise<Job> => {
  const job = await jobsOf(context).getJob(cluster, jobName);
  if (!job) throw new NotFoundError(`Job ${jobName} not found in cluster ${cluster}`);
  return job;
};

/** The schedule and timezone as a job would run them, or a 400 naming the field. */
const checkSchedule = (job: Pick<Job, 'schedule' | 'timezone' | 'createdAt'>) =>
  jobSchedule(job.schedule, job.timezone, Date.parse(job.createdAt));

/** The task definition must resolve now (a bare family to an ACTIVE revision), as at every run. */
const checkTaskDefinition = async (context: UseCaseContext, reference: string) => {
  await resolveUsableTaskDefinition(context, reference);
};

/** A run as its task shows it now: a stopped task's verdict before the next pass writes it. */
const runView = async (context: UseCaseContext, run: JobRun): Promise<JobRun> => {
  if (run.status !== 'RUNNING' || run.taskId === undefined) return run;
  const task = await context.store.findTask(run.cluster, run.taskId);
  if (!task) return run;
  const startedAt = task.startedAt ? { startedAt: task.startedAt } : {};
  if (task.lastStatus !== 'STOPPED') return { ...run, ...startedAt };
  const { verdict, reason } = verdictOfStoppedTask(task);
  const exitCode = exitCodeOf(task);
  return {
    ...run,
    ...startedAt,
    status: 'DONE',
    verdict,
    ...(reason === undefined ? {} : { reason }),
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(task.stoppedAt ? { stoppedAt: task.stoppedAt } : {}),
  };
};

export const jobView = async (context: UseCaseContext, job: Job): Promise<JobView> => {
  const now = context.now().getTime();
  const schedule = checkSchedule(job);
  const recent = await jobsOf(context).listJobRuns(job.cluster, job.jobName, { limit: RECENT_RUNS });
  const finished = (await Promise.all(recent.items.map((run) => runView(context, run)))).filter(
    (run) => run.status === 'DONE' && run.verdict !== 'SKIPPED',
  );
  let consecutiveFailures = 0;
  for (const run of finished) {
    if (!run.verdict || !(FAILED_VERDICTS.has(run.verdict) || run.verdict === 'MISSED')) break;
    consecutiveFailures++;
  }
  const last = finished[0]?.verdict;
  return {
    ...job,
    nextRuns: job.suspend ? [] : nextTicks(schedule, now, NEXT_RUNS).map((at) => new Date(at).toISOString()),
    ...(last ? { lastVerdict: last } : {}),
    consecutiveFailures,
    ...(consecutiveFailures > 0
      ? {
          failing: `the last ${consecutiveFailures} finished run${consecutiveFailures === 1 ? '' : 's'} failed`,
        }
      : {}),
  };
};

/** POST /clusters/{cluster}/jobs */
export const createJob = async (context: UseCaseContext, clusterName: string, body: unknown) => {
  const cluster = parseCluster(clusterName);
  const input = parseInput(createJobSchema(), body);
  const at = context.now().toISOString();
  const job: Job = { ...input, cluster, createdAt: at, updatedAt: at, version: 1 };
  checkSchedule(job);
  await checkTaskDefinition(context, job.taskDefinition);
  await jobsOf(context).createJob(job);
  return jobView(context, job);
};

export const describeJob = async (context: UseCaseContext, clusterName: string, jobName: string) =>
  jobView(context, await getJob(context, parseCluster(clusterName), parseJobName(jobName)));

export const listJobs = async (
  context: UseCaseContext,
  clusterName: string,
  page: PageRequest,
): Promise<Page<JobView>> => {
  const result = await jobsOf(context).listJobs(parseCluster(clusterName), page);
  return { ...result, items: await Promise.all(result.items.map((job) => jobView(context, job))) };
};

/** PATCH: the fields given change; null clears startingDeadlineSeconds or timeoutSeconds. */
export const updateJob = async (
  context: UseCaseContext,
  clusterName: string,
  jobName: string,
  body: unknown,
  ifMatch?: string,
): Promise<JobView> => {
  const cluster = parseCluster(clusterName);
  const name = parseJobName(jobName);
  const input = parseInput(updateJobSchema(), body);
  const expected = parseIfMatch(ifMatch);
  if (input.taskDefinition) await checkTaskDefinition(context, input.taskDefinition);
  for (let attempt = 0; ; attempt++) {
    const current = await getJob(context, cluster, name);
    if (expected !== undefined && current.version !== expected) {
      throw new PreconditionFailedError(
        `Job ${name} is at version ${current.version}, not ${expected}; read it again and retry`,
      );
    }
    const { startingDeadlineSeconds, timeoutSeconds, launchType, capacityProviderStrategy, ...rest } = input;
    const next: Job = { ...current, ...rest };
    if (startingDeadlineSeconds === null) delete next.startingDeadlineSeconds;
    else if (startingDeadlineSeconds !== undefined) next.startingDeadlineSeconds = startingDeadlineSeconds;
    if (timeoutSeconds === null) delete next.timeoutSeconds;
    else if (timeoutSeconds !== undefined) next.timeoutSeconds = timeoutSeconds;
    // One placement: the one given replaces the other.
    if (launchType !== undefined) {
      next.launchType = launchType;
      delete next.capacityProviderStrategy;
    }
    if (capacityProviderStrategy !== undefined) {
      next.capacityProviderStrategy = capacityProviderStrategy;
      delete next.launchType;
    }
    checkSchedule(next);
    next.version = current.version + 1;
    next.updatedAt = context.now().toISOString();
    try {
      await jobsOf(context).updateJob(next);
      return jobView(context, next);
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt + 1 >= MAX_UPDATE_ATTEMPTS) throw error;
      if (expected !== undefined) {
        throw new PreconditionFailedError(`Job ${name} was changed concurrently; read it again and retry`);
      }
      await sleepBeforeRetry(attempt);
    }
  }
};

/** DELETE: the job and its history; its live tasks go on unless `?stopRuns=true`. */
export const deleteJob = async (
  context: UseCaseContext,
  clusterName: string,
  jobName: string,
  query: { stopRuns?: string | undefined },
  ifMatch?: string,
): Promise<JobView> => {
  const cluster = parseCluster(clusterName);
  const name = parseJobName(jobName);
  const { stopRuns } = parseInput(
    deleteJobQuerySchema(),
    query.stopRuns === undefined ? {} : { stopRuns: query.stopRuns },
    'query',
  );
  const job = await getJob(context, cluster, name);
  const expected = parseIfMatch(ifMatch);
  if (expected !== undefined && job.version !== expected) {
    throw new PreconditionFailedError(`Job ${name} is at version ${job.version}, not ${expected}`);
  }
  const view = await jobView(context, job);
  if (stopRuns === 'true') {
    const open = await jobsOf(context).listOpenJobRuns(cluster, name);
    for (const run of open) {
      if (run.status !== 'RUNNING' || run.taskId === undefined) continue;
      try {
        await stopTask(context, cluster, run.taskId, `job ${name} deleted with stopRuns`);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
  }
  await jobsOf(context).deleteJob(cluster, name);
  return view;
};

/** GET .../runs: newest first; a run whose task stopped shows its verdict at once. */
export const listJobRuns = async (
  context: UseCaseContext,
  clusterName: string,
  jobName: string,
  page: PageRequest,
): Promise<Page<JobRun>> => {
  const job = await getJob(context, parseCluster(clusterName), parseJobName(jobName));
  const result = await jobsOf(context).listJobRuns(job.cluster, job.jobName, page);
  return { ...result, items: await Promise.all(result.items.map((run) => runView(context, run))) };
};

/** POST .../runs: one run now, outside the schedule (its policies do not apply; retries and timeout do). */
export const runJobNow = async (
  context: UseCaseContext,
  clusterName: string,
  jobName: string,
): Promise<JobRun> => {
  const job = await getJob(context, parseCluster(clusterName), parseJobName(jobName));
  const now = context.now().getTime();
  const run = newRun(job, now, 1, 'MANUAL', now);
  if (!(await jobsOf(context).claimJobRun(run))) {
    throw new ValidationError(`A run of job ${job.jobName} was requested at this very instant; try again`);
  }
  const launched = await launchRun(context, job, run);
  return launched.saved ? launched.run : run;
};

/**
 * Launching one run of a job: through the one-off task path (runTasks: the latest ACTIVE revision of a
 * bare family, the container override checks, the inventory record, the shared launch budget), with a
 * clientToken made of the run's tick and attempt. Whoever launches a run, however often (a retried
 * invocation, a doubled pass, a pass after a crash between claim and launch), ECS answers the one task
 * it made for that token (ECS keeps tokens 24 hours; a PENDING run is given up after 15 minutes).
 */
import { FAILED_VERDICTS, type Job, type JobEvent, type JobRun, type RunVerdict } from '../domain';
import { ConflictError, DependencyError, TugboatError } from '../errors';
import { sha256Hex } from '../hash';
import { idOfArn } from '../inventory/naming';
import { retryAtOf } from '../jobs/plan';
import type { JobStore } from '../store/jobs';
import { installationOfContext, type UseCaseContext } from './context';
import { runTasks } from './tasks';

/** `<tick epoch ms>-<attempt><m for a manual run>-<32 hex of installation, cluster and job>`: 50 characters at most. */
export const runClientToken = (installation: string, run: JobRun): string =>
  `${Date.parse(run.scheduledAt)}-${run.attempt}${run.trigger === 'MANUAL' ? 'm' : ''}-${sha256Hex(
    `${installation}/${run.cluster}/${run.jobName}`,
  ).slice(0, 32)}`;

/** The startedBy of a job's tasks (Tugboat prefixes its installation's `tugboat-<id>_`). */
export const jobStartedBy = (jobName: string): string => `job-${jobName}`;

export const jobsOf = (context: UseCaseContext): JobStore => {
  if (!context.jobs) throw new DependencyError('Scheduled jobs are not configured for this function');
  return context.jobs;
};

/** A failed run's event (and, through `onFailed`, its metric). */
export const failureEvent = (run: JobRun, id: string, at: string): JobEvent => ({
  id,
  createdAt: at,
  message: `run of ${run.scheduledAt} (attempt ${run.attempt}) ${run.verdict}${run.reason ? `: ${run.reason}` : ''}`,
  scheduledAt: run.scheduledAt,
  attempt: run.attempt,
  ...(run.verdict ? { verdict: run.verdict } : {}),
});

export interface RunOutcome {
  run: JobRun;
  /** The write of the outcome landed (another writer may have saved the same run first). */
  saved: boolean;
}

/** Saves the run's next state; a failed verdict becomes a job event. */
export const saveRun = async (
  context: UseCaseContext,
  run: JobRun,
  onFailed?: (run: JobRun) => void,
): Promise<RunOutcome> => {
  const jobs = jobsOf(context);
  const saved = await jobs.saveJobRun(run);
  if (saved && run.status === 'DONE' && run.verdict && FAILED_VERDICTS.has(run.verdict)) {
    const at = context.now().toISOString();
    await jobs.addJobEvents(run.cluster, run.jobName, [failureEvent(run, context.newId(), at)]);
    onFailed?.(run);
  }
  return { run, saved };
};

const launchFailed = (job: Job, run: JobRun, reason: string, now: number): JobRun => {
  const verdict: RunVerdict = 'LAUNCH_FAILED';
  const retryAt = retryAtOf(job, run, verdict, now);
  return {
    ...run,
    status: 'DONE',
    verdict,
    reason,
    stoppedAt: new Date(now).toISOString(),
    ...(retryAt ? { retryAt } : {}),
    version: run.version + 1,
  };
};

/**
 * RunTask for a claimed (PENDING) run, and the run's next state saved: RUNNING with its task, or
 * LAUNCH_FAILED with ECS's reason. An unavailable ECS leaves it PENDING: the next pass launches it again.
 */
export const launchRun = async (
  context: UseCaseContext,
  job: Job,
  run: JobRun,
  onFailed?: (run: JobRun) => void,
): Promise<RunOutcome> => {
  const clientToken = run.clientToken ?? runClientToken(installationOfContext(context), run);
  let result: Awaited<ReturnType<typeof runTasks>>;
  try {
    result = await runTasks(context, job.cluster, {
      taskDefinition: job.taskDefinition,
      networkConfiguration: job.networkConfiguration,
      ...(job.launchType ? { launchType: job.launchType } : {}),
      ...(job.capacityProviderStrategy ? { capacityProviderStrategy: job.capacityProviderStrategy } : {}),
      ...(job.overrides ? { overrides: job.overrides } : {}),
      clientToken,
      startedBy: jobStartedBy(job.jobName),
    });
  } catch (error) {
    const launched = error instanceof ConflictError ? tokenTaskOf(error) : undefined;
    if (launched) return saveRun(context, runningOn(run, clientToken, launched));
    // A refusal (an INACTIVE revision, a bad override) is final; an outage is not.
    if (error instanceof TugboatError && error.statusCode < 500) {
      return saveRun(context, launchFailed(job, run, error.message, context.now().getTime()), onFailed);
    }
    return { run, saved: false };
  }
  const task = result.tasks[0];
  if (!task) {
    const failure = result.failures[0];
    const reason = failure
      ? `${failure.reason ?? 'RunTask failed'}${failure.detail ? `: ${failure.detail}` : ''}`
      : 'RunTask launched nothing';
    return saveRun(context, launchFailed(job, run, reason, context.now().getTime()), onFailed);
  }
  return saveRun(context, runningOn(run, clientToken, task));
};

interface LaunchedTask {
  taskArn: string;
  taskId: string;
  taskDefinition?: string | undefined;
  startedAt?: string | undefined;
}

const runningOn = (run: JobRun, clientToken: string, task: LaunchedTask): JobRun => ({
  ...run,
  status: 'RUNNING',
  clientToken,
  taskArn: task.taskArn,
  taskId: task.taskId,
  ...(task.taskDefinition ? { taskDefinition: task.taskDefinition } : {}),
  ...(task.startedAt ? { startedAt: task.startedAt } : {}),
  version: run.version + 1,
});

/**
 * ECS's ConflictException for a clientToken already used with other parameters (the job was edited
 * between a launch and its retry) names the tasks that token launched: the run has its task.
 */
const tokenTaskOf = (error: ConflictError): LaunchedTask | undefined => {
  const resourceIds = (error.cause as { resourceIds?: unknown } | undefined)?.resourceIds;
  const taskArn = Array.isArray(resourceIds) ? resourceIds.find((id) => typeof id === 'string') : undefined;
  if (typeof taskArn !== 'string') return undefined;
  return { taskArn, taskId: idOfArn(taskArn) };
};

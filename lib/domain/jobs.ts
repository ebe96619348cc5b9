/**
 * Scheduled jobs: a task definition run on a schedule (EventBridge Scheduler's cron/rate/at syntax),
 * with Kubernetes CronJob's policies. Each tick of a job is a run record, written before anything is
 * launched, so a tick is run at most once and never passes without a record of why it did not run.
 */
import type { NetworkConfiguration } from './services';
import type { CapacityProviderStrategyItem } from './spot';

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

export const RUN_VERDICTS = [
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'MISSED',
  'SKIPPED',
  'REPLACED',
  'LAUNCH_FAILED',
] as const;
export type RunVerdict = (typeof RUN_VERDICTS)[number];

/** Verdicts that count as a failed run: a job event, the JobRunsFailed metric, and a retry if allowed. */
export const FAILED_VERDICTS: ReadonlySet<RunVerdict> = new Set(['FAILED', 'TIMED_OUT', 'LAUNCH_FAILED']);

export const DEFAULT_SUCCESSFUL_RUNS_HISTORY_LIMIT = 100;
export const DEFAULT_FAILED_RUNS_HISTORY_LIMIT = 100;

export interface JobRetry {
  /** Further attempts after the first (0-10). */
  attempts: number;
  /** The pause before the first retry; each further one doubles it. */
  backoffSeconds: number;
}

export interface JobContainerOverride {
  name: string;
  command?: string[];
  environment?: Array<{ name: string; value: string }>;
}

export interface Job {
  cluster: string;
  jobName: string;
  /** `family:revision`, or a bare family: its latest ACTIVE revision at each run. */
  taskDefinition: string;
  schedule: string;
  timezone: string;
  networkConfiguration: NetworkConfiguration;
  launchType?: 'FARGATE';
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  overrides?: { containerOverrides: JobContainerOverride[] };
  concurrencyPolicy: ConcurrencyPolicy;
  /** A tick not started this long after its time is MISSED rather than run late; absent: no deadline. */
  startingDeadlineSeconds?: number;
  retry: JobRetry;
  /** A run living longer is stopped (StopTask) and recorded TIMED_OUT; absent: no limit. */
  timeoutSeconds?: number;
  suspend: boolean;
  successfulRunsHistoryLimit: number;
  failedRunsHistoryLimit: number;
  createdAt: string;
  updatedAt: string;
  /** Optimistic-locking version (the ETag). */
  version: number;
}

/** SCHEDULE: a tick of the schedule; MANUAL: POST .../runs (run now). */
export type RunTrigger = 'SCHEDULE' | 'MANUAL';

/**
 * One attempt at one tick. PENDING: claimed, RunTask not yet answered (a crash here is launched again
 * with the same clientToken, which ECS answers with the task it already made); RUNNING: a task was
 * launched; DONE: the verdict is final.
 */
export interface JobRun {
  cluster: string;
  jobName: string;
  /** The tick (ISO), or the request instant of a manual run. */
  scheduledAt: string;
  attempt: number;
  trigger: RunTrigger;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  verdict?: RunVerdict;
  /** Why: ECS's launch failure reason, the stop reason, the policy that skipped the tick. */
  reason?: string;
  clientToken?: string;
  taskArn?: string;
  taskId?: string;
  taskDefinition?: string;
  createdAt: string;
  startedAt?: string;
  stoppedAt?: string;
  exitCode?: number;
  /** When the next attempt is due (a failed run with attempts left); cleared once it is claimed. */
  retryAt?: string;
  version: number;
}

/** The scheduler's bookkeeping of a job, apart from its spec so a PATCH's If-Match never races it. */
export interface JobCursor {
  /** Every tick up to and including this instant (epoch ms) has a run record. */
  evaluatedThrough: number;
}

/** What happened to a job worth an alarm or a look: failed runs, above all. */
export interface JobEvent {
  id: string;
  createdAt: string;
  message: string;
  scheduledAt?: string;
  attempt?: number;
  verdict?: RunVerdict;
}

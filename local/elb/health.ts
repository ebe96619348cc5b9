/**
 * Simulated health checks. A target is checked every interval from its registration; a check passes when the
 * ECS task at the target's address was RUNNING at that instant and its essential images' tags contain neither
 * `unhealthy` (the app answers 500) nor `noport` (nothing listens). Check outcomes over a span of time follow
 * from the task's timestamps alone, so a span is applied in at most three runs of equal outcomes (before,
 * during and after the task's RUNNING window) whatever its length: cheap on a clock moved by hours.
 */
import { imageTag } from '../ecs/model';

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused' | 'unavailable';

export type FailureReason = 'Target.ResponseCodeMismatch' | 'Target.Timeout' | 'Target.FailedHealthChecks';

export interface HealthSettings {
  intervalMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** HTTP and HTTPS checks see a response code; TCP checks only see whether a connection opens. */
  http: boolean;
}

/** What a check needs to know of the task behind a target (see LocalEcs.taskByPrivateIpv4). */
export interface CheckedTask {
  startedAt?: number;
  stoppingAt?: number;
  essentialImages: string[];
}

export interface HealthTrack {
  state: 'initial' | 'healthy' | 'unhealthy';
  /** The failure behind an unhealthy state. */
  reason?: FailureReason;
  passes: number;
  failures: number;
  checks: number;
  /** The instant of the last check applied (the registration time before the first). */
  lastCheckAt: number;
}

export const newTrack = (registeredAt: number): HealthTrack => ({
  state: 'initial',
  passes: 0,
  failures: 0,
  checks: 0,
  lastCheckAt: registeredAt,
});

/** Why a task that is RUNNING fails its checks, or undefined if it passes them. */
const imageFailure = (task: CheckedTask, settings: HealthSettings): FailureReason | undefined => {
  const tags = task.essentialImages.map(imageTag);
  if (tags.some((tag) => tag.includes('noport')))
    return settings.http ? 'Target.Timeout' : 'Target.FailedHealthChecks';
  if (tags.some((tag) => tag.includes('unhealthy')))
    return settings.http ? 'Target.ResponseCodeMismatch' : 'Target.FailedHealthChecks';
  return undefined;
};

/** Applies `count` consecutive checks with the same outcome (undefined: passed). */
const applyRun = (
  track: HealthTrack,
  failure: FailureReason | undefined,
  count: number,
  lastAt: number,
  settings: HealthSettings,
): HealthTrack => {
  if (count <= 0) return track;
  const checks = track.checks + count;
  if (failure === undefined) {
    const passes = track.passes + count;
    const healthy = track.state === 'healthy' || passes >= settings.healthyThreshold;
    return healthy
      ? { state: 'healthy', passes, failures: 0, checks, lastCheckAt: lastAt }
      : { ...track, passes, failures: 0, checks, lastCheckAt: lastAt };
  }
  const failures = track.failures + count;
  if (track.state === 'unhealthy' || failures >= settings.unhealthyThreshold) {
    return { state: 'unhealthy', reason: failure, passes: 0, failures, checks, lastCheckAt: lastAt };
  }
  return { ...track, passes: 0, failures, checks, lastCheckAt: lastAt };
};

/** Number of check instants lastCheckAt + k*interval (k >= 1) in [from, to). */
const checksIn = (track: HealthTrack, intervalMs: number, from: number, to: number): number => {
  const first = Math.max(1, Math.ceil((from - track.lastCheckAt) / intervalMs));
  const last = Math.ceil((to - track.lastCheckAt) / intervalMs) - 1;
  return Math.max(0, last - first + 1);
};

/** Runs every check due at or before `now`. */
export const advanceHealth = (
  track: HealthTrack,
  task: CheckedTask | undefined,
  now: number,
  settings: HealthSettings,
): HealthTrack => {
  const { intervalMs } = settings;
  const due = Math.floor((now - track.lastCheckAt) / intervalMs);
  if (due <= 0) return track;
  const lastAt = track.lastCheckAt + due * intervalMs;
  const end = lastAt + 1;
  const runningFrom = task?.startedAt ?? Number.POSITIVE_INFINITY;
  const runningUntil = task?.stoppingAt ?? Number.POSITIVE_INFINITY;
  const whileRunning = task ? imageFailure(task, settings) : undefined;
  const runs: Array<{ failure: FailureReason | undefined; from: number; to: number }> = [
    { failure: 'Target.FailedHealthChecks', from: Number.NEGATIVE_INFINITY, to: runningFrom },
    { failure: whileRunning, from: runningFrom, to: runningUntil },
    { failure: 'Target.FailedHealthChecks', from: Math.max(runningFrom, runningUntil), to: end },
  ];
  let next = track;
  let appliedAt = track.lastCheckAt;
  for (const run of runs) {
    const from = Math.max(run.from, track.lastCheckAt + 1);
    const to = Math.min(run.to, end);
    if (to <= from) continue;
    const count = checksIn(track, intervalMs, from, to);
    if (count === 0) continue;
    // The last check instant of this run.
    appliedAt = track.lastCheckAt + (Math.ceil((to - track.lastCheckAt) / intervalMs) - 1) * intervalMs;
    next = applyRun(next, run.failure, count, appliedAt, settings);
  }
  return { ...next, lastCheckAt: lastAt };
};

export type TargetHealthView = {
  State: TargetHealthState;
  Reason?: string;
  Description?: string;
};

const failureDescriptions: Record<FailureReason, string> = {
  'Target.ResponseCodeMismatch': 'Health checks failed with these codes: [500]',
  'Target.Timeout': 'Request timed out',
  'Target.FailedHealthChecks': 'Health checks failed',
};

/** TargetHealth as DescribeTargetHealth reports it (reason codes and wording as the service's). */
export const healthView = (track: HealthTrack): TargetHealthView => {
  if (track.state === 'healthy') return { State: 'healthy' };
  if (track.state === 'unhealthy') {
    const reason = track.reason ?? 'Target.FailedHealthChecks';
    return { State: 'unhealthy', Reason: reason, Description: failureDescriptions[reason] };
  }
  return track.checks === 0
    ? {
        State: 'initial',
        Reason: 'Elb.RegistrationInProgress',
        Description: 'Target registration is in progress',
      }
    : {
        State: 'initial',
        Reason: 'Elb.InitialHealthChecking',
        Description: 'Initial health checks in progress',
      };
};

export const drainingView: TargetHealthView = {
  State: 'draining',
  Reason: 'Target.DeregistrationInProgress',
  Description: 'Target deregistration is in progress',
};

export const notRegisteredView: TargetHealthView = {
  State: 'unused',
  Reason: 'Target.NotRegistered',
  Description: 'Target is not registered to the target group',
};

export const checksDisabledView: TargetHealthView = {
  State: 'unavailable',
  Reason: 'Target.HealthCheckDisabled',
  Description: 'Health checks are disabled',
};

/** No zonal shift exists locally; the service reports this for every target. */
export const noOverride = {
  State: 'no_override',
  Reason: 'AdministrativeOverride.NoOverride',
  Description: 'No override is currently active on target',
};

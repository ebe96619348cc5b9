/**
 * A read that fails for one service (its queue, its metrics, its target group's health, its alarm) stays
 * that service's: its policies concerned have no opinion this minute, every other service is still
 * evaluated, and the read is retried on the next evaluation. The service has an event when such a failure
 * starts, changes or ends (not every minute), and each failure counts in the `ScalingReadFailures`
 * metric by its reason.
 */

export type ReadFailureReason =
  | 'QueueAttributes'
  | 'MetricData'
  | 'TargetHealth'
  | 'TaskDefinition'
  | 'DescribeAlarms'
  | 'PutMetricAlarm'
  | 'Evaluation';

export interface ReadFailure {
  reason: ReadFailureReason;
  /** What was not read and why, for the service event. */
  text: string;
}

/** The error's message and that of its cause (an adapter's DependencyError wraps the SDK's error). */
export const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.name}: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
};

/** Failures counted by reason, for the `ScalingReadFailures` metric. */
export type ReadFailureCounts = Partial<Record<ReadFailureReason, number>>;

export const countFailures = (counts: ReadFailureCounts, failures: readonly ReadFailure[]) => {
  for (const failure of failures) counts[failure.reason] = (counts[failure.reason] ?? 0) + 1;
};

/** What a service's failures say, in one line; undefined without failures. */
export const failureSummary = (failures: readonly ReadFailure[]): string | undefined =>
  failures.length === 0 ? undefined : [...new Set(failures.map((failure) => failure.text))].sort().join('; ');

/**
 * The service event of a change in its failures (from the summary kept on its scaling state to this
 * evaluation's), or undefined when nothing changed.
 */
export const failureEvent = (
  serviceName: string,
  previous: string | undefined,
  current: string | undefined,
): string | undefined => {
  if (previous === current) return undefined;
  if (current === undefined)
    return `service ${serviceName} auto scaling: its reads succeed again (${previous} no longer fails).`;
  return `service ${serviceName} auto scaling: ${current}; the policies concerned have no opinion until it succeeds, retried each minute.`;
};

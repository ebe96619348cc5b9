/** One change of a scaled service's count (or range), as Application Auto Scaling's scaling activities. */
export interface ScalingActivity {
  id: string;
  startedAt: string;
  cause: string;
  fromCount: number;
  toCount: number;
  /** The target tracking policy or scheduled action that decided; absent for a range clamp by PATCH. */
  policy?: string;
}

/** How a target tracking policy's metric is named: one of four forms. */
export type PolicyMetricSpec =
  | { predefined: 'CPUUtilization' | 'MemoryUtilization' }
  | { predefined: 'ALBRequestCountPerTarget'; targetGroupArn: string }
  | { queueBacklogPerTask: { queueUrl: string } }
  | {
      custom: {
        namespace: string;
        metricName: string;
        dimensions: { name: string; value: string }[];
        statistic: 'Average' | 'Minimum' | 'Maximum' | 'SampleCount' | 'Sum';
        /** The metric is the service's whole demand (a count of jobs, say), not a per-task value. */
        total: boolean;
      };
    };

/** Keeps a metric near targetValue, as Application Auto Scaling's target tracking. */
export interface TargetTrackingPolicy {
  name: string;
  metric: PolicyMetricSpec;
  targetValue: number;
  scaleOutCooldownSeconds: number;
  scaleInCooldownSeconds: number;
  disableScaleIn: boolean;
}

/** Sets the capacity range at the times a schedule names (at(), rate() or cron()), in a time zone. */
export interface ScheduledScalingAction {
  name: string;
  schedule: string;
  timezone: string;
  minCapacity?: number | undefined;
  maxCapacity?: number | undefined;
}

/** A service's `autoScaling`: its capacity range and what moves desiredCount within it. */
export interface AutoScaling {
  minCapacity: number;
  maxCapacity: number;
  targetTracking: TargetTrackingPolicy[];
  scheduled: ScheduledScalingAction[];
}

/** The CloudWatch alarm kept for a policy: its name and a hash of its spec (a changed hash is re-put). */
export interface AlarmRecord {
  name: string;
  hash: string;
}

/** One reading of a policy's metric. */
export interface Sample {
  at: number;
  /** The metric's value; for queueBacklogPerTask the queue's whole backlog (messages). */
  value: number;
  /** RUNNING tasks when the sample was taken (default: the current running count). */
  running?: number;
  /** queueBacklogPerTask: messages in flight (received, not yet deleted), which hold their workers. */
  inFlight?: number;
}

/**
 * ECS API throttling: one token bucket per action group, refilled continuously at the sustained rate up to
 * the burst size (ECS API reference, "Request throttling"), plus Fargate's task launch bucket.
 */
export type ThrottleGroup =
  | 'cluster-resource-modify'
  | 'cluster-resource-read'
  | 'task-definition-modify'
  | 'task-definition-read'
  | 'cluster-read'
  | 'fargate-task-launch';

export interface BucketSpec {
  burst: number;
  perSecond: number;
}

export const publishedRates: Readonly<Record<ThrottleGroup, BucketSpec>> = {
  'cluster-resource-modify': { burst: 100, perSecond: 40 },
  'cluster-resource-read': { burst: 100, perSecond: 20 },
  'task-definition-modify': { burst: 20, perSecond: 1 },
  'task-definition-read': { burst: 50, perSecond: 20 },
  'cluster-read': { burst: 50, perSecond: 20 },
  'fargate-task-launch': { burst: 100, perSecond: 20 },
};

export const throttleGroupOfAction: Readonly<Record<string, ThrottleGroup | undefined>> = {
  RunTask: 'cluster-resource-modify',
  StopTask: 'cluster-resource-modify',
  DescribeTasks: 'cluster-resource-read',
  ListTasks: 'cluster-resource-read',
  RegisterTaskDefinition: 'task-definition-modify',
  DeregisterTaskDefinition: 'task-definition-modify',
  DescribeTaskDefinition: 'task-definition-read',
  ListTaskDefinitions: 'task-definition-read',
  DescribeClusters: 'cluster-read',
  ListClusters: 'cluster-read',
};

export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export const fullBucket = (spec: BucketSpec, now: number): Bucket => ({ tokens: spec.burst, updatedAt: now });

export const refill = (bucket: Bucket, spec: BucketSpec, now: number): Bucket => {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  return { tokens: Math.min(spec.burst, bucket.tokens + (elapsed * spec.perSecond) / 1000), updatedAt: now };
};

/** Takes `count` tokens if the bucket holds them; otherwise leaves it as it was (refilled). */
export const take = (
  bucket: Bucket,
  spec: BucketSpec,
  now: number,
  count: number,
): { granted: boolean; bucket: Bucket } => {
  const current = refill(bucket, spec, now);
  // A tiny epsilon absorbs float drift from fractional refills.
  if (current.tokens + 1e-9 < count) return { granted: false, bucket: current };
  return { granted: true, bucket: { tokens: current.tokens - count, updatedAt: now } };
};

export const scaledRates = (scale: number): Record<ThrottleGroup, BucketSpec> => {
  const scaled = {} as Record<ThrottleGroup, BucketSpec>;
  for (const [group, spec] of Object.entries(publishedRates) as [ThrottleGroup, BucketSpec][]) {
    scaled[group] = { burst: Math.max(1, Math.round(spec.burst * scale)), perSecond: spec.perSecond * scale };
  }
  return scaled;
};

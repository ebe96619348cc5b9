/**
 * What the local ECS holds: its settings, clock, throttle buckets, clusters, task definitions and the
 * schedule of planned task changes, with the lookups every action shares.
 */
import { clusterNotFound } from './errors';
import { MinHeap } from './heap';
import type { LifecycleTiming } from './model';
import { type Bucket, type BucketSpec, fullBucket, scaledRates, type ThrottleGroup, take } from './throttle';
import type { Clock, ClusterState, LocalEcsOptions, TaskDefinitionState } from './types';
import { UsageTimeline } from './usage';

const hour = 3_600_000;

export interface ScheduleRef {
  cluster: ClusterState;
  taskId: string;
  generation: number;
}

export interface EcsState {
  readonly options: LocalEcsOptions;
  readonly region: string;
  readonly accountId: string;
  readonly arnPrefix: string;
  readonly random: () => number;
  readonly isVirtual: boolean;
  readonly externalClock: Clock | undefined;
  /** The virtual clock's time (clock: 'virtual' only). */
  virtualNow: number;
  now(): number;
  readonly timing: LifecycleTiming;
  /** A duration randomized by the jitter option. */
  jittered(ms: number): number;
  readonly clientTokenTtlMs: number;
  /** Takes tokens from a throttle group's bucket; false when the caller is throttled. */
  takeTokens(group: ThrottleGroup, count: number): boolean;
  readonly clusters: Map<string, ClusterState>;
  readonly taskDefinitions: Map<string, TaskDefinitionState[]>;
  readonly schedule: MinHeap<ScheduleRef>;
  readonly usage: UsageTimeline;
  readonly tasksByAddress: Map<string, { cluster: ClusterState; taskId: string }>;
  scheduleOrder: number;
  /** Local switch (POST /__local/spot-capacity): while false, FARGATE_SPOT launches fail for capacity. */
  spotCapacityAvailable: boolean;
  /** While set: FARGATE_SPOT has room for this many more tasks, and the ones after fail for capacity. */
  spotTasksLeft?: number;
  taskSeq: number;
  totalTasks: number;
}

export const createEcsState = (options: LocalEcsOptions): EcsState => {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const random = options.random ?? Math.random;

  const clockOption = options.clock ?? 'real';
  const isVirtual = clockOption === 'virtual';
  const externalClock = typeof clockOption === 'object' ? clockOption : undefined;

  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0));

  const throttleOption = options.throttle ?? 1;
  const rates: Record<ThrottleGroup, BucketSpec> | undefined =
    throttleOption === 'off' ? undefined : scaledRates(throttleOption);
  const buckets = new Map<ThrottleGroup, Bucket>();

  const state: EcsState = {
    options,
    region,
    accountId,
    arnPrefix: `arn:aws:ecs:${region}:${accountId}`,
    random,
    isVirtual,
    externalClock,
    virtualNow: options.startTime ?? Date.now(),
    now: (): number => (isVirtual ? state.virtualNow : externalClock ? externalClock.now() : Date.now()),
    timing: {
      startMs: options.startMs ?? 2000,
      stopMs: options.stopMs ?? 1000,
      crashAfterMs: options.crashAfterMs ?? 1000,
      stoppedRetentionMs: options.stoppedRetentionMs ?? hour,
    },
    jittered: (ms: number) => Math.max(1, Math.round(ms * (1 + jitter * (random() * 2 - 1)))),
    clientTokenTtlMs: options.clientTokenTtlMs ?? 24 * hour,
    takeTokens: (group: ThrottleGroup, count: number): boolean => {
      if (!rates) return true;
      const spec = rates[group];
      const result = take(buckets.get(group) ?? fullBucket(spec, state.now()), spec, state.now(), count);
      buckets.set(group, result.bucket);
      return result.granted;
    },
    clusters: new Map(),
    taskDefinitions: new Map(),
    schedule: new MinHeap<ScheduleRef>(),
    usage: new UsageTimeline(),
    tasksByAddress: new Map(),
    scheduleOrder: 0,
    spotCapacityAvailable: true,
    taskSeq: 0,
    totalTasks: 0,
  };
  return state;
};

// ---- lookups -------------------------------------------------------------------------------------------

export const clusterNameOf = (reference: string | undefined): string => {
  const value = reference ?? 'default';
  if (value.startsWith('arn:')) return value.slice(value.indexOf(':cluster/') + ':cluster/'.length);
  return value;
};

export const getCluster = (state: EcsState, reference: string | undefined): ClusterState => {
  const cluster = state.clusters.get(clusterNameOf(reference));
  if (!cluster) throw clusterNotFound();
  return cluster;
};

export const taskIdOf = (reference: string) => reference.slice(reference.lastIndexOf('/') + 1);

/** Resolves `family`, `family:revision` or a task definition ARN. */
export const findTaskDefinition = (state: EcsState, reference: string): TaskDefinitionState | undefined => {
  const name = reference.startsWith('arn:')
    ? reference.slice(reference.indexOf('task-definition/') + 16)
    : reference;
  const colon = name.lastIndexOf(':');
  if (colon < 0) {
    const revisions = state.taskDefinitions.get(name) ?? [];
    for (let i = revisions.length - 1; i >= 0; i--)
      if (revisions[i]!.status === 'ACTIVE') return revisions[i];
    return undefined;
  }
  const revision = Number(name.slice(colon + 1));
  return state.taskDefinitions
    .get(name.slice(0, colon))
    ?.find((definition) => definition.revision === revision);
};

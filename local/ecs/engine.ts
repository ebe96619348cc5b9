/**
 * The in-process local ECS: clusters, task definitions and Fargate tasks, driven by a clock. `handle(action,
 * input)` takes the JSON body of an ECS API call and returns the JSON answer or throws EcsServiceError;
 * the HTTP server (server.ts) is a thin shell around it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { clientException, clusterNotFound, EcsServiceError, invalidParameter, throttled } from './errors';
import { isValidFargateSize, parseTaskCpu, parseTaskMemory } from './fargate';
import { MinHeap } from './heap';
import {
  applyPlannedChange,
  type Behaviour,
  beginStop,
  behaviourOf,
  type ContainerState,
  type HealthStatus,
  type LifecycleTiming,
  planLaunch,
  type Tag,
  type TaskState,
} from './model';
import {
  type Bucket,
  type BucketSpec,
  fullBucket,
  scaledRates,
  type ThrottleGroup,
  take,
  throttleGroupOfAction,
} from './throttle';
import { UsageTimeline } from './usage';

export interface Clock {
  now(): number;
}

export interface TaskStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'ECS Task State Change';
  source: 'aws.ecs';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown> & {
    taskArn: string;
    version: number;
    lastStatus: string;
    healthStatus: HealthStatus;
  };
}

export type EventSink = (event: TaskStateChangeEvent) => void | Promise<void>;

/** A read-only view of a task for another local endpoint (the ELB's simulated health checks). */
export interface TaskSnapshot {
  taskArn: string;
  lastStatus: TaskState['lastStatus'];
  /** When it reached RUNNING, epoch ms. */
  startedAt?: number;
  /** When its stop began (it leaves RUNNING then), epoch ms. */
  stoppingAt?: number;
  /** When its containers exited, epoch ms. */
  executionStoppedAt?: number;
  essentialImages: string[];
}

export interface LocalEcsOptions {
  region?: string;
  accountId?: string;
  /** 'real' (default) follows Date.now with a timer; 'virtual' only moves on advance(); or bring your own. */
  clock?: 'real' | 'virtual' | Clock;
  /** Start of the virtual clock, epoch ms (default: now). */
  startTime?: number;
  /** PROVISIONING to RUNNING, ms (default 2000). */
  startMs?: number;
  /** Stop requested to STOPPED, ms (default 1000). */
  stopMs?: number;
  /** Randomizes each task's start and stop duration by up to +/- this fraction (0..1, default 0). */
  jitter?: number;
  /** A `crash` image exits this long after RUNNING (default 1000). */
  crashAfterMs?: number;
  /** How long STOPPED tasks stay visible (default 1 hour). */
  stoppedRetentionMs?: number;
  /** RunTask clientToken lifetime (default 24 hours). */
  clientTokenTtlMs?: number;
  /** 'off', or a factor applied to the published burst and sustained rates (default 1). */
  throttle?: 'off' | number;
  eventSink?: EventSink;
  /** Deliver events at least once the hard way: some twice, and shuffled within each delivery batch. */
  eventChaos?: boolean | { duplicateRate?: number };
  /** Randomness for jitter, placement and chaos; inject a seeded one for repeatable tests. */
  random?: () => number;
}

type Json = Record<string, unknown>;

interface ClusterState {
  name: string;
  arn: string;
  tags: Tag[];
  capacityProviders: string[];
  defaultCapacityProviderStrategy: StrategyItem[];
  createdAt: number;
  tasks: Map<string, TaskState>;
  /** Task ids in launch order, for paging; ids of removed tasks are compacted away lazily. */
  order: { seq: number; id: string }[];
  clientTokens: Map<string, { hash: string; at: number; tasks: TaskState[] }>;
  pendingCount: number;
  runningCount: number;
}

interface StrategyItem {
  capacityProvider: string;
  weight?: number;
  base?: number;
}

interface TaskDefinitionState {
  family: string;
  revision: number;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  registeredAt: number;
  deregisteredAt?: number;
  tags: Tag[];
  cpu?: string;
  memory?: string;
  networkMode: string;
  requiresCompatibilities: string[];
  containerDefinitions: Json[];
  /** The other registered fields, returned as given. */
  rest: Json;
}

interface ScheduleRef {
  cluster: ClusterState;
  taskId: string;
  generation: number;
}

const supportedActions = [
  'CreateCluster',
  'DescribeClusters',
  'ListClusters',
  'RegisterTaskDefinition',
  'DescribeTaskDefinition',
  'DeregisterTaskDefinition',
  'ListTaskDefinitions',
  'RunTask',
  'StopTask',
  'DescribeTasks',
  'ListTasks',
  'TagResource',
  'ListTagsForResource',
  'PutClusterCapacityProviders',
] as const;

export type SupportedAction = (typeof supportedActions)[number];

export const isSupportedAction = (action: string): action is SupportedAction =>
  (supportedActions as readonly string[]).includes(action);

const hour = 3_600_000;
const launchedStatuses = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);
const availabilityZoneLetters = ['a', 'b', 'c', 'd', 'e', 'f'];

// ---- input reading -------------------------------------------------------------------------------------

const optionalString = (input: Json, field: string): string | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string.`);
  return value;
};

const optionalInt = (input: Json, field: string): number | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalidParameter(`${field} must be an integer.`);
  return value;
};

const optionalArray = (input: Json, field: string): unknown[] | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParameter(`${field} must be a list.`);
  return value;
};

const readTags = (value: unknown): Tag[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameter('tags must be a list.');
  if (value.length > 50)
    throw invalidParameter('The specified tags exceed the maximum of 50 tags per resource.');
  return value.map((raw) => {
    const tag = (raw ?? {}) as Json;
    const key = tag.key;
    const tagValue = tag.value ?? '';
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
      throw invalidParameter('Tag keys must be between 1 and 128 characters.');
    }
    if (typeof tagValue !== 'string' || tagValue.length > 256) {
      throw invalidParameter('Tag values must be at most 256 characters.');
    }
    return { key, value: tagValue };
  });
};

const mergeTags = (current: Tag[], added: Tag[]): Tag[] => {
  const byKey = new Map(current.map((tag) => [tag.key, tag.value]));
  for (const tag of added) byKey.set(tag.key, tag.value);
  if (byKey.size > 50)
    throw invalidParameter('The specified tags exceed the maximum of 50 tags per resource.');
  return [...byKey].map(([key, value]) => ({ key, value }));
};

/** Key-sorted JSON, so two RunTask bodies with the same parameters hash alike. */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Json)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

const encodeToken = (position: number) => Buffer.from(JSON.stringify({ p: position })).toString('base64url');

const decodeToken = (token: string | undefined): number | undefined => {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { p?: unknown };
    if (typeof parsed.p === 'number') return parsed.p;
  } catch {
    // falls through to the error below
  }
  throw invalidParameter('Invalid nextToken.');
};

const checkMaxResults = (maxResults: number | undefined) => {
  if (maxResults !== undefined && (maxResults < 1 || maxResults > 100)) {
    throw invalidParameter('maxResults must be between 1 and 100.');
  }
};

// ---- the endpoint ---------------------------------------------------------------------------------------

export interface LocalEcs {
  readonly region: string;
  readonly accountId: string;
  /** Runs one ECS action; throws EcsServiceError for the errors ECS would answer with. */
  handle(action: string, input: Json): Json;
  /** Applies every change due by the clock's current time, emitting its events. */
  tick(): void;
  /** Virtual clock only: moves time forward, applying due changes in timestamp order. */
  advance(ms: number): void;
  now(): number;
  /** Local-only control call: a FARGATE_SPOT interruption of the given running tasks. */
  interruptSpotTasks(input: { cluster?: string; tasks: string[] }): {
    interrupted: string[];
    failures: { arn: string; reason: string }[];
  };
  /** Number of tasks currently held (all clusters, STOPPED ones included until they vanish). */
  taskCount(): number;
  /** When tasks were RUNNING and the demand set on their family, for the local CloudWatch endpoint. */
  readonly usage: UsageTimeline;
  /** The task holding this private IPv4 address on its ENI (STOPPED ones until they vanish), as of now. */
  taskByPrivateIpv4(address: string): TaskSnapshot | undefined;
  close(): void;
}

export const createLocalEcs = (options: LocalEcsOptions = {}): LocalEcs => {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const random = options.random ?? Math.random;
  const arnPrefix = `arn:aws:ecs:${region}:${accountId}`;

  const clockOption = options.clock ?? 'real';
  let virtualNow = options.startTime ?? Date.now();
  const isVirtual = clockOption === 'virtual';
  const externalClock = typeof clockOption === 'object' ? clockOption : undefined;
  const now = (): number => (isVirtual ? virtualNow : externalClock ? externalClock.now() : Date.now());

  const timing: LifecycleTiming = {
    startMs: options.startMs ?? 2000,
    stopMs: options.stopMs ?? 1000,
    crashAfterMs: options.crashAfterMs ?? 1000,
    stoppedRetentionMs: options.stoppedRetentionMs ?? hour,
  };
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0));
  const jittered = (ms: number) => Math.max(1, Math.round(ms * (1 + jitter * (random() * 2 - 1))));
  const clientTokenTtlMs = options.clientTokenTtlMs ?? 24 * hour;

  const throttleOption = options.throttle ?? 1;
  const rates: Record<ThrottleGroup, BucketSpec> | undefined =
    throttleOption === 'off' ? undefined : scaledRates(throttleOption);
  const buckets = new Map<ThrottleGroup, Bucket>();
  const takeTokens = (group: ThrottleGroup, count: number): boolean => {
    if (!rates) return true;
    const spec = rates[group];
    const result = take(buckets.get(group) ?? fullBucket(spec, now()), spec, now(), count);
    buckets.set(group, result.bucket);
    return result.granted;
  };

  const clusters = new Map<string, ClusterState>();
  const taskDefinitions = new Map<string, TaskDefinitionState[]>();
  const schedule = new MinHeap<ScheduleRef>();
  const usage = new UsageTimeline();
  const tasksByAddress = new Map<string, { cluster: ClusterState; taskId: string }>();
  let scheduleOrder = 0;
  let taskSeq = 0;
  let totalTasks = 0;

  // ---- events --------------------------------------------------------------------------------------------

  const chaos = options.eventChaos
    ? {
        duplicateRate:
          typeof options.eventChaos === 'object' ? (options.eventChaos.duplicateRate ?? 0.3) : 0.3,
      }
    : undefined;
  let outbox: TaskStateChangeEvent[] = [];

  const deliver = (event: TaskStateChangeEvent) => {
    const sink = options.eventSink;
    if (!sink) return;
    try {
      const result = sink(event);
      if (result && typeof (result as Promise<void>).catch === 'function') {
        (result as Promise<void>).catch((error: unknown) =>
          console.error('local ECS: event sink failed', error),
        );
      }
    } catch (error) {
      console.error('local ECS: event sink failed', error);
    }
  };

  const flushEvents = () => {
    if (outbox.length === 0) return;
    let batch = outbox;
    outbox = [];
    if (chaos) {
      const withDuplicates: TaskStateChangeEvent[] = [];
      for (const event of batch) {
        withDuplicates.push(event);
        if (random() < chaos.duplicateRate) withDuplicates.push(event);
      }
      for (let i = withDuplicates.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [withDuplicates[i], withDuplicates[j]] = [withDuplicates[j]!, withDuplicates[i]!];
      }
      batch = withDuplicates;
    }
    for (const event of batch) deliver(event);
  };

  const emit = (task: TaskState, at: number) => {
    if (!options.eventSink) return;
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const detail = {
      ...taskView(task, iso, false),
      updatedAt: iso(at),
    } as unknown as TaskStateChangeEvent['detail'];
    outbox.push({
      version: '0',
      id: randomUUID(),
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: accountId,
      time: new Date(at).toISOString(),
      region,
      resources: [task.taskArn],
      detail,
    });
  };

  // ---- views -----------------------------------------------------------------------------------------------

  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

  /** One view for DescribeTasks and event details, so an event is a DescribeTasks snapshot of its instant. */
  function taskView<T>(
    task: TaskState,
    time: (ms: number | undefined) => T | undefined,
    includeTags: boolean,
  ): Json {
    const stopped = task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING';
    return {
      attachments: [
        {
          id: task.attachmentId,
          type: 'ElasticNetworkInterface',
          status: stopped ? 'DELETED' : task.connectivityAt !== undefined ? 'ATTACHED' : 'PRECREATED',
          details: [
            { name: 'subnetId', value: task.subnetId },
            { name: 'privateIPv4Address', value: task.privateIpv4Address },
          ],
        },
      ],
      availabilityZone: task.availabilityZone,
      capacityProviderName: task.capacityProviderName,
      clusterArn: task.clusterArn,
      connectivity: task.connectivityAt !== undefined ? 'CONNECTED' : undefined,
      connectivityAt: time(task.connectivityAt),
      containers: task.containers.map((container) => containerView(task, container)),
      cpu: task.cpu,
      createdAt: time(task.createdAt),
      desiredStatus: task.desiredStatus,
      enableExecuteCommand: false,
      executionStoppedAt: time(task.executionStoppedAt),
      group: task.group,
      healthStatus: task.healthStatus,
      lastStatus: task.lastStatus,
      launchType: task.launchType,
      memory: task.memory,
      overrides: task.overrides,
      platformVersion: task.platformVersion,
      platformFamily: 'Linux',
      pullStartedAt: time(task.pullStartedAt),
      pullStoppedAt: time(task.pullStoppedAt),
      startedAt: time(task.startedAt),
      startedBy: task.startedBy,
      stopCode: task.stopCode,
      stoppedAt: time(task.stoppedAt),
      stoppedReason: task.stoppedReason,
      stoppingAt: time(task.stoppingAt),
      tags: includeTags ? task.tags : undefined,
      taskArn: task.taskArn,
      taskDefinitionArn: task.taskDefinitionArn,
      version: task.version,
    };
  }

  const containerView = (task: TaskState, container: ContainerState) => ({
    containerArn: container.containerArn,
    taskArn: task.taskArn,
    name: container.name,
    image: container.image,
    lastStatus: container.lastStatus,
    exitCode: container.exitCode,
    reason: container.reason,
    healthStatus: container.hasHealthCheck ? task.healthStatus : 'UNKNOWN',
    cpu: container.cpu === undefined ? '0' : String(container.cpu),
    memory: container.memory === undefined ? undefined : String(container.memory),
    networkInterfaces: [{ attachmentId: task.attachmentId, privateIpv4Address: task.privateIpv4Address }],
  });

  const describeView = (task: TaskState, includeTags: boolean) => taskView(task, seconds, includeTags);

  const clusterView = (cluster: ClusterState, include: string[]) => ({
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: 0,
    runningTasksCount: cluster.runningCount,
    pendingTasksCount: cluster.pendingCount,
    activeServicesCount: 0,
    statistics: [],
    tags: include.includes('TAGS') ? cluster.tags : undefined,
    settings: include.includes('SETTINGS') ? [{ name: 'containerInsights', value: 'disabled' }] : undefined,
    capacityProviders: cluster.capacityProviders,
    defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy,
  });

  const taskDefinitionView = (definition: TaskDefinitionState) => ({
    ...definition.rest,
    taskDefinitionArn: definition.arn,
    family: definition.family,
    revision: definition.revision,
    status: definition.status,
    containerDefinitions: definition.containerDefinitions,
    cpu: definition.cpu,
    memory: definition.memory,
    networkMode: definition.networkMode,
    requiresCompatibilities: definition.requiresCompatibilities,
    compatibilities: definition.networkMode === 'awsvpc' ? ['EC2', 'FARGATE'] : ['EC2'],
    registeredAt: seconds(definition.registeredAt),
    registeredBy: `arn:aws:iam::${accountId}:root`,
    deregisteredAt: seconds(definition.deregisteredAt),
    volumes: definition.rest.volumes ?? [],
    placementConstraints: definition.rest.placementConstraints ?? [],
  });

  // ---- lookups -------------------------------------------------------------------------------------------

  const clusterNameOf = (reference: string | undefined): string => {
    const value = reference ?? 'default';
    if (value.startsWith('arn:')) return value.slice(value.indexOf(':cluster/') + ':cluster/'.length);
    return value;
  };

  const getCluster = (reference: string | undefined): ClusterState => {
    const cluster = clusters.get(clusterNameOf(reference));
    if (!cluster) throw clusterNotFound();
    return cluster;
  };

  const taskIdOf = (reference: string) => reference.slice(reference.lastIndexOf('/') + 1);

  /** Resolves `family`, `family:revision` or a task definition ARN. */
  const findTaskDefinition = (reference: string): TaskDefinitionState | undefined => {
    const name = reference.startsWith('arn:')
      ? reference.slice(reference.indexOf('task-definition/') + 16)
      : reference;
    const colon = name.lastIndexOf(':');
    if (colon < 0) {
      const revisions = taskDefinitions.get(name) ?? [];
      for (let i = revisions.length - 1; i >= 0; i--)
        if (revisions[i]!.status === 'ACTIVE') return revisions[i];
      return undefined;
    }
    const revision = Number(name.slice(colon + 1));
    return taskDefinitions.get(name.slice(0, colon))?.find((definition) => definition.revision === revision);
  };

  // ---- scheduling ------------------------------------------------------------------------------------------

  const countBucket = (status: string) =>
    launchedStatuses.has(status) ? 'pending' : status === 'RUNNING' ? 'running' : undefined;

  const store = (cluster: ClusterState, previous: TaskState | undefined, task: TaskState) => {
    const before = previous ? countBucket(previous.lastStatus) : undefined;
    const after = countBucket(task.lastStatus);
    if (before === 'pending') cluster.pendingCount--;
    if (before === 'running') cluster.runningCount--;
    if (after === 'pending') cluster.pendingCount++;
    if (after === 'running') cluster.runningCount++;
    // runDue moves the virtual clock to each change's time first, so now() is when the change happened.
    if (before !== 'running' && after === 'running') usage.taskStarted(task, now());
    if (before === 'running' && after !== 'running') usage.taskLeftRunning(task, now());
    cluster.tasks.set(task.taskId, task);
    const next = task.plan[0];
    if (
      next &&
      (previous === undefined ||
        previous.planGeneration !== task.planGeneration ||
        previous.plan !== task.plan)
    ) {
      schedule.push({
        at: next.at,
        order: scheduleOrder++,
        value: { cluster, taskId: task.taskId, generation: task.planGeneration },
      });
      armTimer();
    }
  };

  const remove = (cluster: ClusterState, task: TaskState) => {
    cluster.tasks.delete(task.taskId);
    if (tasksByAddress.get(task.privateIpv4Address)?.taskId === task.taskId)
      tasksByAddress.delete(task.privateIpv4Address);
    totalTasks--;
    if (cluster.order.length > 64 && cluster.tasks.size < cluster.order.length / 2) {
      cluster.order = cluster.order.filter((entry) => cluster.tasks.has(entry.id));
    }
  };

  /** Applies every planned change due at or before `until`, in timestamp order. */
  const runDue = (until: number) => {
    for (;;) {
      const top = schedule.peek();
      if (!top || top.at > until) break;
      schedule.pop();
      const { cluster, taskId, generation } = top.value;
      const task = cluster.tasks.get(taskId);
      const change = task?.plan[0];
      if (!task || !change || task.planGeneration !== generation || change.at !== top.at) continue;
      if (isVirtual && top.at > virtualNow) virtualNow = top.at;
      const stopMs =
        change.step === 'CRASH' || change.step === 'PULL_FAIL' ? jittered(timing.stopMs) : timing.stopMs;
      const { task: next, emits } = applyPlannedChange(task, change, stopMs, timing);
      if (change.step === 'REMOVE') {
        remove(cluster, task);
        continue;
      }
      store(cluster, task, next);
      if (emits) emit(next, top.at);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let closed = false;

  function armTimer() {
    if (isVirtual || externalClock || closed) return;
    const top = schedule.peek();
    if (!top || top.at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = top.at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
        tick();
      },
      Math.max(0, top.at - Date.now()),
    );
    timer.unref();
  }

  const tick = () => {
    runDue(now());
    flushEvents();
    armTimer();
  };

  // ---- actions -------------------------------------------------------------------------------------------

  const createCluster = (input: Json): Json => {
    const name = optionalString(input, 'clusterName') ?? 'default';
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      throw invalidParameter(
        'Cluster name must be between 1 and 255 characters and contain only letters, numbers, hyphens and underscores.',
      );
    }
    const existing = clusters.get(name);
    if (existing) return { cluster: clusterView(existing, ['TAGS']) };
    const { capacityProviders, strategy } = readClusterCapacityProviders(input);
    const cluster: ClusterState = {
      name,
      arn: `${arnPrefix}:cluster/${name}`,
      tags: readTags(input.tags),
      capacityProviders,
      defaultCapacityProviderStrategy: strategy,
      createdAt: now(),
      tasks: new Map(),
      order: [],
      clientTokens: new Map(),
      pendingCount: 0,
      runningCount: 0,
    };
    clusters.set(name, cluster);
    return { cluster: clusterView(cluster, ['TAGS']) };
  };

  /** A cluster's capacity providers (Fargate's two only) and a default strategy within them. */
  const readClusterCapacityProviders = (input: Json) => {
    const capacityProviders = (optionalArray(input, 'capacityProviders') ?? []).map(String);
    for (const provider of capacityProviders) {
      if (provider !== 'FARGATE' && provider !== 'FARGATE_SPOT') {
        throw invalidParameter(`The specified capacity provider '${provider}' is not valid.`);
      }
    }
    const strategy = readStrategy(input.defaultCapacityProviderStrategy);
    for (const item of strategy) {
      if (!capacityProviders.includes(item.capacityProvider)) {
        throw invalidParameter(
          'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.',
        );
      }
    }
    return { capacityProviders: [...new Set(capacityProviders)], strategy };
  };

  /**
   * Replaces the cluster's capacity providers and default strategy (both required). A provider left out
   * is disassociated, which ECS allows only while no task of the cluster uses it (ResourceInUseException).
   */
  const putClusterCapacityProviders = (input: Json): Json => {
    const reference = optionalString(input, 'cluster');
    if (!reference) throw invalidParameter('cluster must be specified.');
    if (optionalArray(input, 'capacityProviders') === undefined) {
      throw invalidParameter('capacityProviders must be specified.');
    }
    if (optionalArray(input, 'defaultCapacityProviderStrategy') === undefined) {
      throw invalidParameter('defaultCapacityProviderStrategy must be specified.');
    }
    const cluster = getCluster(reference);
    const { capacityProviders, strategy } = readClusterCapacityProviders(input);
    for (const removed of cluster.capacityProviders.filter((name) => !capacityProviders.includes(name))) {
      const inUse = [...cluster.tasks.values()].some(
        (task) => task.capacityProviderName === removed && task.lastStatus !== 'STOPPED',
      );
      if (inUse) {
        throw new EcsServiceError(
          'ResourceInUseException',
          `The specified capacity provider ${removed} is in use and cannot be removed.`,
        );
      }
    }
    cluster.capacityProviders = capacityProviders;
    cluster.defaultCapacityProviderStrategy = strategy;
    return { cluster: clusterView(cluster, []) };
  };

  const readStrategy = (value: unknown): StrategyItem[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalidParameter('capacityProviderStrategy must be a list.');
    return value.map((raw) => {
      const item = (raw ?? {}) as Json;
      if (typeof item.capacityProvider !== 'string') {
        throw invalidParameter('capacityProvider must be specified in a capacity provider strategy item.');
      }
      const weight = typeof item.weight === 'number' ? item.weight : undefined;
      const base = typeof item.base === 'number' ? item.base : undefined;
      if (weight !== undefined && (weight < 0 || weight > 1000))
        throw invalidParameter('weight must be 0-1000.');
      if (base !== undefined && (base < 0 || base > 100000)) throw invalidParameter('base must be 0-100000.');
      return { capacityProvider: item.capacityProvider, weight, base };
    });
  };

  const describeClusters = (input: Json): Json => {
    const include = (optionalArray(input, 'include') ?? []).map(String);
    const references = (optionalArray(input, 'clusters') ?? ['default']).map(String);
    if (references.length > 100) throw invalidParameter('Clusters cannot have more than 100 elements.');
    const found: Json[] = [];
    const failures: Json[] = [];
    for (const reference of references) {
      const cluster = clusters.get(clusterNameOf(reference));
      if (cluster) found.push(clusterView(cluster, include));
      else
        failures.push({
          arn: reference.startsWith('arn:') ? reference : `${arnPrefix}:cluster/${reference}`,
          reason: 'MISSING',
        });
    }
    return { clusters: found, failures };
  };

  const listClusters = (input: Json): Json => {
    const maxResults = optionalInt(input, 'maxResults');
    checkMaxResults(maxResults);
    const start = decodeToken(optionalString(input, 'nextToken')) ?? 0;
    const arns = [...clusters.values()].map((cluster) => cluster.arn);
    const limit = maxResults ?? 100;
    const page = arns.slice(start, start + limit);
    return {
      clusterArns: page,
      nextToken: start + limit < arns.length ? encodeToken(start + limit) : undefined,
    };
  };

  const registerTaskDefinition = (input: Json): Json => {
    const family = optionalString(input, 'family');
    if (!family) throw clientException('Family must be specified.');
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
      throw clientException(
        'Family must be up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores.',
      );
    }
    const containerDefinitions = optionalArray(input, 'containerDefinitions');
    if (!containerDefinitions || containerDefinitions.length === 0) {
      throw clientException('Container definitions must be specified.');
    }
    const containers = containerDefinitions.map((raw) => {
      const container = { ...((raw ?? {}) as Json) };
      if (typeof container.name !== 'string' || container.name.length === 0) {
        throw clientException('Container.name should not be null or empty.');
      }
      if (typeof container.image !== 'string' || container.image.length === 0) {
        throw clientException('Container.image should not be null or empty.');
      }
      container.essential = container.essential ?? true;
      return container;
    });
    if (new Set(containers.map((container) => container.name)).size !== containers.length) {
      throw clientException('Container names must be unique within a task definition.');
    }
    if (!containers.some((container) => container.essential === true)) {
      throw clientException('Task definition must contain at least one essential container.');
    }
    const requiresCompatibilities = (optionalArray(input, 'requiresCompatibilities') ?? []).map(String);
    const networkMode = optionalString(input, 'networkMode') ?? 'bridge';
    const cpuText = optionalString(input, 'cpu');
    const memoryText = optionalString(input, 'memory');
    const cpu = cpuText === undefined ? undefined : parseTaskCpu(cpuText);
    const memory = memoryText === undefined ? undefined : parseTaskMemory(memoryText);
    if (cpuText !== undefined && cpu === undefined) throw clientException("Invalid 'cpu' setting for task.");
    if (memoryText !== undefined && memory === undefined)
      throw clientException("Invalid 'memory' setting for task.");
    if (requiresCompatibilities.includes('FARGATE')) {
      if (networkMode !== 'awsvpc') {
        throw clientException('Fargate only supports network mode \u2018awsvpc\u2019.');
      }
      if (cpu === undefined) throw clientException('Fargate requires task definition to have a cpu value.');
      if (memory === undefined)
        throw clientException('Fargate requires task definition to have a memory value.');
      // Tugboat's contract (issue 3) names InvalidParameterException here; real ECS answers this case
      // with a ClientException carrying the same message.
      if (!isValidFargateSize(cpu, memory)) {
        throw invalidParameter(
          `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
        );
      }
    }
    const tags = readTags(input.tags);
    const revisions = taskDefinitions.get(family) ?? [];
    const revision = (revisions.at(-1)?.revision ?? 0) + 1;
    const {
      family: _family,
      containerDefinitions: _containers,
      cpu: _cpu,
      memory: _memory,
      tags: _tags,
      networkMode: _networkMode,
      requiresCompatibilities: _requires,
      ...rest
    } = input;
    const definition: TaskDefinitionState = {
      family,
      revision,
      arn: `${arnPrefix}:task-definition/${family}:${revision}`,
      status: 'ACTIVE',
      registeredAt: now(),
      tags,
      cpu: cpu === undefined ? undefined : String(cpu),
      memory: memory === undefined ? undefined : String(memory),
      networkMode,
      requiresCompatibilities,
      containerDefinitions: containers,
      rest,
    };
    revisions.push(definition);
    taskDefinitions.set(family, revisions);
    return { taskDefinition: taskDefinitionView(definition), tags };
  };

  const describeTaskDefinition = (input: Json): Json => {
    const reference = optionalString(input, 'taskDefinition');
    if (!reference) throw clientException('taskDefinition must be specified.');
    const definition = findTaskDefinition(reference);
    if (!definition) throw clientException('Unable to describe task definition.');
    const include = (optionalArray(input, 'include') ?? []).map(String);
    return {
      taskDefinition: taskDefinitionView(definition),
      tags: include.includes('TAGS') ? definition.tags : undefined,
    };
  };

  const deregisterTaskDefinition = (input: Json): Json => {
    const reference = optionalString(input, 'taskDefinition');
    if (!reference) throw clientException('taskDefinition must be specified.');
    const name = reference.startsWith('arn:')
      ? reference.slice(reference.indexOf('task-definition/') + 16)
      : reference;
    if (!/:\d+$/.test(name))
      throw clientException(`Invalid revision number. Number: ${name.split(':')[1] ?? ''}`);
    const definition = findTaskDefinition(name);
    if (!definition) throw clientException('The specified task definition does not exist.');
    if (definition.status === 'ACTIVE') {
      definition.status = 'INACTIVE';
      definition.deregisteredAt = now();
    }
    return { taskDefinition: taskDefinitionView(definition) };
  };

  const listTaskDefinitions = (input: Json): Json => {
    const maxResults = optionalInt(input, 'maxResults');
    checkMaxResults(maxResults);
    const familyPrefix = optionalString(input, 'familyPrefix');
    const status = optionalString(input, 'status') ?? 'ACTIVE';
    const sort = optionalString(input, 'sort') ?? 'ASC';
    if (status !== 'ACTIVE' && status !== 'INACTIVE' && status !== 'DELETE_IN_PROGRESS') {
      throw invalidParameter('status must be one of ACTIVE, INACTIVE, DELETE_IN_PROGRESS.');
    }
    if (sort !== 'ASC' && sort !== 'DESC') throw invalidParameter('sort must be ASC or DESC.');
    const families = [...taskDefinitions.keys()]
      .filter((family) => familyPrefix === undefined || family.startsWith(familyPrefix))
      .sort();
    const arns: string[] = [];
    for (const family of families) {
      for (const definition of taskDefinitions.get(family) ?? []) {
        if (definition.status === status) arns.push(definition.arn);
      }
    }
    if (sort === 'DESC') arns.reverse();
    const start = decodeToken(optionalString(input, 'nextToken')) ?? 0;
    const limit = maxResults ?? 100;
    return {
      taskDefinitionArns: arns.slice(start, start + limit),
      nextToken: start + limit < arns.length ? encodeToken(start + limit) : undefined,
    };
  };

  const pickCapacityProviders = (
    strategy: StrategyItem[],
    count: number,
    cluster: ClusterState,
  ): string[] => {
    // Base first, then weights (ECS's capacity provider strategy), counted over the cluster's live tasks.
    const live = new Map<string, number>();
    for (const task of cluster.tasks.values()) {
      if (task.desiredStatus === 'RUNNING' && task.capacityProviderName) {
        live.set(task.capacityProviderName, (live.get(task.capacityProviderName) ?? 0) + 1);
      }
    }
    const picks: string[] = [];
    for (let i = 0; i < count; i++) {
      const belowBase = strategy.find((item) => (live.get(item.capacityProvider) ?? 0) < (item.base ?? 0));
      let chosen = belowBase?.capacityProvider;
      if (!chosen) {
        const weighted = strategy.filter((item) => (item.weight ?? 0) > 0);
        const candidates = weighted.length > 0 ? weighted : strategy;
        // The provider furthest below its weighted share gets the next task.
        let best = candidates[0]!;
        let bestScore = Number.POSITIVE_INFINITY;
        for (const item of candidates) {
          // Tasks placed to satisfy base do not count towards the weighted split.
          const weighted = Math.max(0, (live.get(item.capacityProvider) ?? 0) - (item.base ?? 0));
          const score = (weighted + 1) / Math.max(item.weight ?? 1, 1e-9);
          if (score < bestScore) {
            best = item;
            bestScore = score;
          }
        }
        chosen = best.capacityProvider;
      }
      picks.push(chosen);
      live.set(chosen, (live.get(chosen) ?? 0) + 1);
    }
    return picks;
  };

  const runTask = (input: Json): Json => {
    const cluster = getCluster(optionalString(input, 'cluster'));
    const count = optionalInt(input, 'count') ?? 1;
    if (count < 1 || count > 10) throw invalidParameter('count must be between 1 and 10.');
    const startedBy = optionalString(input, 'startedBy');
    if (startedBy !== undefined && startedBy.length > 128) {
      throw invalidParameter('startedBy must be at most 128 characters.');
    }
    const group = optionalString(input, 'group');
    if (group !== undefined && group.length > 255)
      throw invalidParameter('group must be at most 255 characters.');
    const clientToken = optionalString(input, 'clientToken');
    if (clientToken !== undefined) {
      const printable = [...clientToken].every(
        (char) => char.charCodeAt(0) >= 33 && char.charCodeAt(0) <= 126,
      );
      if (clientToken.length < 1 || clientToken.length > 64 || !printable) {
        throw invalidParameter(
          'clientToken must be between 1 and 64 characters, each in the ASCII range 33-126 inclusive.',
        );
      }
    }
    const reason = optionalString(input, 'reason');
    if (reason !== undefined && reason.length > 255)
      throw invalidParameter('reason must be at most 255 characters.');
    const tags = readTags(input.tags);
    const reference = optionalString(input, 'taskDefinition');
    if (!reference) throw invalidParameter('taskDefinition must be specified.');
    const definition = findTaskDefinition(reference);
    if (!definition) throw clientException('Unable to find task definition.');
    if (definition.status !== 'ACTIVE') throw clientException('TaskDefinition is inactive');

    const launchType = optionalString(input, 'launchType');
    const requestedStrategy = readStrategy(input.capacityProviderStrategy);
    if (launchType !== undefined && requestedStrategy.length > 0) {
      throw invalidParameter(
        'Specifying both a launch type and capacity provider strategy is not supported.',
      );
    }
    let strategy = requestedStrategy;
    if (launchType === undefined && strategy.length === 0) strategy = cluster.defaultCapacityProviderStrategy;
    for (const item of strategy) {
      if (!cluster.capacityProviders.includes(item.capacityProvider)) {
        throw invalidParameter(
          'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.',
        );
      }
    }
    const onFargate = launchType === 'FARGATE' || strategy.length > 0;
    if (!onFargate) {
      if (launchType !== undefined && launchType !== 'EC2' && launchType !== 'EXTERNAL') {
        throw invalidParameter(`launchType '${launchType}' is not valid.`);
      }
      // EC2 capacity is not modelled: the cluster has no container instances, as ECS would report.
      return { tasks: [], failures: [{ reason: 'No Container Instances were found in your cluster.' }] };
    }
    if (!definition.requiresCompatibilities.includes('FARGATE') && definition.networkMode !== 'awsvpc') {
      throw invalidParameter('Task definition does not support launch_type FARGATE.');
    }
    const networkConfiguration = input.networkConfiguration as Json | undefined;
    const awsvpc = networkConfiguration?.awsvpcConfiguration as Json | undefined;
    if (!awsvpc) {
      throw invalidParameter(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
      );
    }
    const subnets = Array.isArray(awsvpc.subnets) ? awsvpc.subnets.map(String) : [];
    if (subnets.length === 0) throw invalidParameter('subnets can not be empty.');
    if (subnets.length > 16) throw invalidParameter('subnets can have at most 16 items.');
    const overrides = (input.overrides ?? {}) as Json;
    const cpuText = typeof overrides.cpu === 'string' ? overrides.cpu : definition.cpu;
    const memoryText = typeof overrides.memory === 'string' ? overrides.memory : definition.memory;
    const cpu = cpuText === undefined ? undefined : parseTaskCpu(cpuText);
    const memory = memoryText === undefined ? undefined : parseTaskMemory(memoryText);
    if (cpu === undefined || memory === undefined || !isValidFargateSize(cpu, memory)) {
      throw invalidParameter(
        `No Fargate configuration exists for given values: ${cpuText ?? 'no'} CPU, ${memoryText ?? 'no'} memory. See the Amazon ECS documentation for the valid values.`,
      );
    }

    const at = now();
    let tokenHash: string | undefined;
    if (clientToken !== undefined) {
      for (const [token, entry] of cluster.clientTokens) {
        if (entry.at + clientTokenTtlMs > at) break;
        cluster.clientTokens.delete(token);
      }
      const { clientToken: _token, ...parameters } = input;
      const hash = createHash('sha256').update(canonicalJson(parameters)).digest('hex');
      tokenHash = hash;
      const seen = cluster.clientTokens.get(clientToken);
      if (seen) {
        if (seen.hash !== hash) {
          throw new EcsServiceError(
            'ConflictException',
            'The specified client token has already been used in a RunTask request with different parameters.',
            400,
            { resourceIds: seen.tasks.map((task) => task.taskArn) },
          );
        }
        return {
          tasks: seen.tasks.map((task) => describeView(cluster.tasks.get(task.taskId) ?? task, false)),
          failures: [],
        };
      }
    }
    if (!takeTokens('fargate-task-launch', count)) throw throttled();
    const launched = launch(cluster, definition, count, strategy, {
      startedBy,
      group,
      tags,
      overrides,
      subnets,
      cpu,
      memory,
      at,
    });
    if (clientToken !== undefined && tokenHash !== undefined) {
      cluster.clientTokens.set(clientToken, { hash: tokenHash, at, tasks: launched });
    }
    return { tasks: launched.map((task) => describeView(task, false)), failures: [] };
  };

  const launch = (
    cluster: ClusterState,
    definition: TaskDefinitionState,
    count: number,
    strategy: StrategyItem[],
    request: {
      startedBy?: string;
      group?: string;
      tags: Tag[];
      overrides: Json;
      subnets: string[];
      cpu: number;
      memory: number;
      at: number;
    },
  ): TaskState[] => {
    const providers = strategy.length > 0 ? pickCapacityProviders(strategy, count, cluster) : [];
    const containersInput = definition.containerDefinitions.map((container) => ({
      name: String(container.name),
      image: String(container.image),
      essential: container.essential !== false,
      healthCheck: container.healthCheck as { startPeriod?: number } | undefined,
      cpu: typeof container.cpu === 'number' ? container.cpu : undefined,
      memory: typeof container.memory === 'number' ? container.memory : undefined,
    }));
    const behaviour: Behaviour = behaviourOf(containersInput);
    const essentialWithHealthCheck = containersInput.filter(
      (container) => container.essential && container.healthCheck,
    );
    const startPeriodSeconds = Math.max(
      0,
      ...essentialWithHealthCheck.map((container) => container.healthCheck?.startPeriod ?? 0),
    );
    const launched: TaskState[] = [];
    for (let i = 0; i < count; i++) {
      const taskId = randomBytes(16).toString('hex');
      const taskArn = `${arnPrefix}:task/${cluster.name}/${taskId}`;
      const subnetIndex = Math.floor(random() * request.subnets.length);
      const subnetId = request.subnets[subnetIndex] ?? request.subnets[0]!;
      const zoneIndex =
        [...subnetId].reduce((sum, char) => sum + char.charCodeAt(0), 0) % availabilityZoneLetters.length;
      const task: TaskState = {
        seq: taskSeq++,
        taskArn,
        taskId,
        clusterName: cluster.name,
        clusterArn: cluster.arn,
        taskDefinitionArn: definition.arn,
        family: definition.family,
        startedBy: request.startedBy,
        group: request.group ?? `family:${definition.family}`,
        tags: request.tags,
        launchType: 'FARGATE',
        capacityProviderName: providers[i],
        cpu: String(request.cpu),
        memory: String(request.memory),
        availabilityZone: `${region}${availabilityZoneLetters[zoneIndex]}`,
        subnetId,
        privateIpv4Address: `10.0.${(taskSeq >> 8) & 255}.${taskSeq & 255}`,
        attachmentId: randomUUID(),
        platformVersion: '1.4.0',
        overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...request.overrides },
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        createdAt: request.at,
        containers: containersInput.map((container) => ({
          name: container.name,
          image: container.image,
          essential: container.essential,
          containerArn: `${arnPrefix}:container/${cluster.name}/${taskId}/${randomUUID()}`,
          cpu: container.cpu,
          memory: container.memory,
          hasHealthCheck: container.healthCheck !== undefined,
          lastStatus: 'PENDING',
        })),
        behaviour,
        healthStartPeriodMs: startPeriodSeconds * 1000,
        hasHealthCheck: essentialWithHealthCheck.length > 0,
        healthStatus: 'UNKNOWN',
        version: 1,
        plan: planLaunch(request.at, behaviour, jittered(timing.startMs), timing, {
          hasHealthCheck: essentialWithHealthCheck.length > 0,
          startPeriodMs: startPeriodSeconds * 1000,
        }),
        planGeneration: 0,
      };
      cluster.order.push({ seq: task.seq, id: taskId });
      tasksByAddress.set(task.privateIpv4Address, { cluster, taskId });
      totalTasks++;
      store(cluster, undefined, task);
      emit(task, request.at);
      launched.push(task);
    }
    return launched;
  };

  const stopTaskById = (
    cluster: ClusterState,
    task: TaskState,
    stop: Parameters<typeof beginStop>[2],
  ): TaskState => {
    const at = now();
    const next = beginStop(task, at, stop, jittered(timing.stopMs), timing);
    if (next !== task) {
      store(cluster, task, next);
      emit(next, at);
    }
    return next;
  };

  const stopTask = (input: Json): Json => {
    const cluster = getCluster(optionalString(input, 'cluster'));
    const reference = optionalString(input, 'task');
    if (!reference) throw invalidParameter('task must be specified.');
    const reason = optionalString(input, 'reason');
    if (reason !== undefined && reason.length > 255)
      throw invalidParameter('reason must be at most 255 characters.');
    const task = cluster.tasks.get(taskIdOf(reference));
    if (!task) throw invalidParameter('The referenced task was not found.');
    const stopped = stopTaskById(cluster, task, {
      stopCode: 'UserInitiated',
      reason: reason ?? 'Task stopped by user',
    });
    return { task: describeView(stopped, false) };
  };

  const describeTasks = (input: Json): Json => {
    const cluster = getCluster(optionalString(input, 'cluster'));
    const references = (optionalArray(input, 'tasks') ?? []).map(String);
    if (references.length === 0) throw invalidParameter('Tasks cannot be empty.');
    if (references.length > 100) throw invalidParameter('Tasks cannot have more than 100 elements.');
    const includeTags = (optionalArray(input, 'include') ?? []).map(String).includes('TAGS');
    const tasks: Json[] = [];
    const failures: Json[] = [];
    for (const reference of references) {
      const task = cluster.tasks.get(taskIdOf(reference));
      if (task) tasks.push(describeView(task, includeTags));
      else failures.push({ arn: reference, reason: 'MISSING' });
    }
    return { tasks, failures };
  };

  const listTasks = (input: Json): Json => {
    const cluster = getCluster(optionalString(input, 'cluster'));
    const maxResults = optionalInt(input, 'maxResults');
    checkMaxResults(maxResults);
    const family = optionalString(input, 'family');
    const startedBy = optionalString(input, 'startedBy');
    const serviceName = optionalString(input, 'serviceName');
    const desiredStatus = optionalString(input, 'desiredStatus') ?? 'RUNNING';
    if (desiredStatus !== 'RUNNING' && desiredStatus !== 'PENDING' && desiredStatus !== 'STOPPED') {
      throw invalidParameter('desiredStatus must be one of RUNNING, PENDING, STOPPED.');
    }
    const launchType = optionalString(input, 'launchType');
    const after = decodeToken(optionalString(input, 'nextToken'));
    const limit = maxResults ?? 100;
    const order = cluster.order;
    // Binary search for the first task launched after the page token's position.
    let low = 0;
    let high = order.length;
    if (after !== undefined) {
      while (low < high) {
        const mid = (low + high) >> 1;
        if (order[mid]!.seq <= after) low = mid + 1;
        else high = mid;
      }
    }
    const arns: string[] = [];
    let lastSeq = -1;
    let more = false;
    for (let i = low; i < order.length; i++) {
      const task = cluster.tasks.get(order[i]!.id);
      if (!task) continue;
      if (task.desiredStatus !== desiredStatus) continue;
      if (family !== undefined && task.family !== family) continue;
      if (startedBy !== undefined && task.startedBy !== startedBy) continue;
      if (serviceName !== undefined && task.group !== `service:${serviceName}`) continue;
      if (launchType !== undefined && task.launchType !== launchType) continue;
      if (arns.length === limit) {
        more = true;
        break;
      }
      arns.push(task.taskArn);
      lastSeq = task.seq;
    }
    return { taskArns: arns, nextToken: more ? encodeToken(lastSeq) : undefined };
  };

  /** Finds a cluster, task or task definition by ARN, for tagging. */
  const taggable = (arn: string): { tags: Tag[]; setTags: (tags: Tag[]) => void } => {
    const resource = arn.split(':').slice(5).join(':');
    if (resource.startsWith('cluster/')) {
      const cluster = getCluster(resource.slice(8));
      return { tags: cluster.tags, setTags: (tags) => (cluster.tags = tags) };
    }
    if (resource.startsWith('task/')) {
      const parts = resource.split('/');
      const cluster = clusters.get(parts.length === 3 ? parts[1]! : 'default');
      const task = cluster?.tasks.get(parts.at(-1)!);
      if (!cluster || !task)
        throw new EcsServiceError('InvalidParameterException', 'The specified task is not found.');
      return { tags: task.tags, setTags: (tags) => store(cluster, task, { ...task, tags }) };
    }
    if (resource.startsWith('task-definition/')) {
      const definition = findTaskDefinition(resource.slice(16));
      if (!definition || !/:\d+$/.test(resource)) {
        throw clientException('The specified task definition does not exist.');
      }
      return { tags: definition.tags, setTags: (tags) => (definition.tags = tags) };
    }
    throw invalidParameter('The ARN provided is invalid.');
  };

  const tagResource = (input: Json): Json => {
    const arn = optionalString(input, 'resourceArn');
    if (!arn) throw invalidParameter('resourceArn must be specified.');
    const tags = readTags(input.tags);
    if (tags.length === 0) throw invalidParameter('tags must be specified.');
    const resource = taggable(arn);
    resource.setTags(mergeTags(resource.tags, tags));
    return {};
  };

  const listTagsForResource = (input: Json): Json => {
    const arn = optionalString(input, 'resourceArn');
    if (!arn) throw invalidParameter('resourceArn must be specified.');
    return { tags: taggable(arn).tags };
  };

  const handlers: Record<SupportedAction, (input: Json) => Json> = {
    CreateCluster: createCluster,
    DescribeClusters: describeClusters,
    ListClusters: listClusters,
    RegisterTaskDefinition: registerTaskDefinition,
    DescribeTaskDefinition: describeTaskDefinition,
    DeregisterTaskDefinition: deregisterTaskDefinition,
    ListTaskDefinitions: listTaskDefinitions,
    RunTask: runTask,
    StopTask: stopTask,
    DescribeTasks: describeTasks,
    ListTasks: listTasks,
    TagResource: tagResource,
    ListTagsForResource: listTagsForResource,
    PutClusterCapacityProviders: putClusterCapacityProviders,
  };

  const handle = (action: string, input: Json): Json => {
    if (!isSupportedAction(action)) {
      throw new EcsServiceError('UnknownOperationException', '', 400);
    }
    runDue(now());
    try {
      const group = throttleGroupOfAction[action];
      if (group && !takeTokens(group, 1)) throw throttled();
      return handlers[action](input ?? {});
    } finally {
      flushEvents();
      armTimer();
    }
  };

  const interruptSpotTasks = (input: { cluster?: string; tasks: string[] }) => {
    runDue(now());
    const cluster = getCluster(input.cluster);
    const interrupted: string[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const reference of input.tasks) {
      const task = cluster.tasks.get(taskIdOf(reference));
      if (!task) failures.push({ arn: reference, reason: 'MISSING' });
      else if (task.capacityProviderName !== 'FARGATE_SPOT')
        failures.push({ arn: task.taskArn, reason: 'NOT_FARGATE_SPOT' });
      else if (task.desiredStatus === 'STOPPED')
        failures.push({ arn: task.taskArn, reason: 'ALREADY_STOPPING' });
      else {
        stopTaskById(cluster, task, {
          stopCode: 'SpotInterruption',
          reason: 'Your Spot Task was interrupted.',
        });
        interrupted.push(task.taskArn);
      }
    }
    flushEvents();
    armTimer();
    return { interrupted, failures };
  };

  return {
    region,
    accountId,
    handle,
    tick,
    advance(ms: number) {
      if (!isVirtual) throw new Error('advance() needs the virtual clock (clock: "virtual")');
      const target = virtualNow + ms;
      runDue(target);
      virtualNow = target;
      flushEvents();
    },
    now,
    interruptSpotTasks,
    taskCount: () => totalTasks,
    usage,
    taskByPrivateIpv4(address: string): TaskSnapshot | undefined {
      tick();
      const entry = tasksByAddress.get(address);
      const task = entry?.cluster.tasks.get(entry.taskId);
      if (!task) return undefined;
      return {
        taskArn: task.taskArn,
        lastStatus: task.lastStatus,
        startedAt: task.startedAt,
        stoppingAt: task.stoppingAt,
        executionStoppedAt: task.executionStoppedAt,
        essentialImages: task.containers.filter((c) => c.essential).map((c) => c.image),
      };
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      flushEvents();
    },
  };
};

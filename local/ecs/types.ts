/** The local ECS endpoint's public types and the state it holds per cluster and task definition. */
import type { HealthStatus, Tag, TaskState } from './model';
import type { UsageTimeline } from './usage';

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
  /** Task ids drawn from `random` instead of the system's, so a seeded run is repeatable (default false). */
  seededTaskIds?: boolean;
  /** Randomness for jitter, placement and chaos; inject a seeded one for repeatable tests. */
  random?: () => number;
  /** Tugboat's API address, named by the error ECS's service APIs answer (read when one is called). */
  servicesApiUrl?: () => string | undefined;
}

export type Json = Record<string, unknown>;

export interface ClusterState {
  name: string;
  arn: string;
  tags: Tag[];
  capacityProviders: string[];
  defaultCapacityProviderStrategy: StrategyItem[];
  createdAt: number;
  tasks: Map<string, TaskState>;
  /** Task ids in launch order, for paging; ids of removed tasks are compacted away lazily. */
  order: { seq: number; id: string }[];
  /** What each clientToken's RunTask answered: its tasks and failures, returned again to a retry. */
  clientTokens: Map<string, { hash: string; at: number; tasks: TaskState[]; failures: Json[] }>;
  pendingCount: number;
  runningCount: number;
}

export interface StrategyItem {
  capacityProvider: string;
  weight?: number;
  base?: number;
}

export interface TaskDefinitionState {
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
  /**
   * Local-only control call: whether FARGATE_SPOT has capacity (while not, its launches fail as ECS's do);
   * with `tasks`, room for that many more Spot tasks only (a RunTask may then be refused in part).
   */
  setSpotCapacity(available: boolean, tasks?: number): { available: boolean; tasks?: number };
  /** When the next planned task change is due (epoch ms; may be a stale entry, never a late one). */
  nextChangeAt(): number | undefined;
  /** Number of tasks currently held (all clusters, STOPPED ones included until they vanish). */
  taskCount(): number;
  /** When tasks were RUNNING and the demand set on their family, for the local CloudWatch endpoint. */
  readonly usage: UsageTimeline;
  /** The task holding this private IPv4 address on its ENI (STOPPED ones until they vanish), as of now. */
  taskByPrivateIpv4(address: string): TaskSnapshot | undefined;
  close(): void;
}

/**
 * What the local CloudWatch endpoint derives Container Insights from: when each task of a family was
 * RUNNING (with what it reserves), and the demand set on the family through POST /__local/load. Both are
 * kept as timelines on the endpoint's clock, so a minute can be averaged after the fact.
 */
import { parseTaskCpu, parseTaskMemory } from './fargate';

export interface RunningInterval {
  taskId: string;
  /** `service:NAME` for tasks of a service, as DescribeTasks shows it. */
  group?: string;
  /** CPU units and MiB the task reserves. */
  cpu: number;
  memory: number;
  from: number;
  /** Left RUNNING at; absent while still RUNNING. */
  to?: number;
}

export interface Demand {
  /** CPU units in use in total (1024 = 1 vCPU). */
  cpu: number;
  /** MiB in use in total. */
  memory: number;
  requestsPerSecond: number;
}

export interface DemandChange extends Demand {
  at: number;
}

/** Key of a family's timelines: cluster name and family name. */
export const familyKey = (cluster: string, family: string) => `${cluster}\u0000${family}`;

/** `arn:aws:ecs:...:cluster/NAME` or NAME to NAME. */
export const clusterNameOf = (reference: string) => reference.slice(reference.lastIndexOf('/') + 1);

export class UsageTimeline {
  private readonly intervals = new Map<string, RunningInterval[]>();
  private readonly open = new Map<string, RunningInterval>();
  private readonly demands = new Map<string, DemandChange[]>();
  private readonly familiesOfCluster = new Map<string, Set<string>>();
  /** Families that tasks of a group (`service:NAME`) ran, by cluster and group. */
  private readonly familiesOfGroup = new Map<string, Set<string>>();

  /** Ended intervals older than this are forgotten (CloudWatch keeps 1-minute data 15 days; here less). */
  constructor(private readonly retentionMs = 24 * 3_600_000) {}

  private remember(cluster: string, family: string) {
    const families = this.familiesOfCluster.get(cluster) ?? new Set();
    this.familiesOfCluster.set(cluster, families);
    families.add(family);
  }

  taskStarted(
    task: {
      taskId: string;
      clusterName: string;
      family: string;
      group?: string;
      cpu: string;
      memory: string;
    },
    at: number,
  ) {
    const key = familyKey(task.clusterName, task.family);
    this.remember(task.clusterName, task.family);
    if (task.group) {
      const groupKey = familyKey(task.clusterName, task.group);
      const families = this.familiesOfGroup.get(groupKey) ?? new Set<string>();
      this.familiesOfGroup.set(groupKey, families);
      families.add(task.family);
    }
    const interval: RunningInterval = {
      taskId: task.taskId,
      cpu: parseTaskCpu(task.cpu) ?? 0,
      memory: parseTaskMemory(task.memory) ?? 0,
      from: at,
      ...(task.group ? { group: task.group } : {}),
    };
    const list = this.intervals.get(key) ?? [];
    this.intervals.set(key, list);
    list.push(interval);
    this.open.set(`${key}\u0000${task.taskId}`, interval);
    this.prune(list, at);
  }

  taskLeftRunning(task: { taskId: string; clusterName: string; family: string }, at: number) {
    const openKey = `${familyKey(task.clusterName, task.family)}\u0000${task.taskId}`;
    const interval = this.open.get(openKey);
    if (!interval) return;
    interval.to = at;
    this.open.delete(openKey);
  }

  setDemand(cluster: string, family: string, demand: Partial<Demand>, at: number): DemandChange {
    const key = familyKey(cluster, family);
    this.remember(cluster, family);
    const list = this.demands.get(key) ?? [];
    this.demands.set(key, list);
    const previous = list.at(-1) ?? { cpu: 0, memory: 0, requestsPerSecond: 0 };
    const change: DemandChange = {
      at,
      cpu: demand.cpu ?? previous.cpu,
      memory: demand.memory ?? previous.memory,
      requestsPerSecond: demand.requestsPerSecond ?? previous.requestsPerSecond,
    };
    // A clock never goes back, so the list stays sorted; a change at the same instant replaces the last.
    if (list.length > 0 && list[list.length - 1]!.at >= at) list[list.length - 1] = { ...change };
    else list.push(change);
    if (list.length > 2 && list[1]!.at < at - this.retentionMs) list.shift();
    return change;
  }

  /** Demand in force at `at` (zero before any was set). */
  demandAt(cluster: string, family: string, at: number): Demand {
    const list = this.demands.get(familyKey(cluster, family)) ?? [];
    let found: Demand = { cpu: 0, memory: 0, requestsPerSecond: 0 };
    for (const change of list) {
      if (change.at > at) break;
      found = change;
    }
    return found;
  }

  demandChanges(cluster: string, family: string): readonly DemandChange[] {
    return this.demands.get(familyKey(cluster, family)) ?? [];
  }

  runningIntervals(cluster: string, family: string): readonly RunningInterval[] {
    return this.intervals.get(familyKey(cluster, family)) ?? [];
  }

  families(cluster: string): string[] {
    return [...(this.familiesOfCluster.get(cluster) ?? [])];
  }

  /** Families whose tasks ran in a group (`service:NAME`) of a cluster. */
  familiesOfTaskGroup(cluster: string, group: string): string[] {
    return [...(this.familiesOfGroup.get(familyKey(cluster, group)) ?? [])];
  }

  clusters(): string[] {
    return [...this.familiesOfCluster.keys()];
  }

  private prune(list: RunningInterval[], now: number) {
    if (list.length < 64) return;
    const horizon = now - this.retentionMs;
    let kept = 0;
    for (const interval of list)
      if (interval.to === undefined || interval.to >= horizon) list[kept++] = interval;
    list.length = kept;
  }
}

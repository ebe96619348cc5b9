/**
 * Metrics derived from the local ECS endpoint: Container Insights (`ECS/ContainerInsights`) from the RUNNING
 * tasks of each family and the demand set on it, and `AWS/ApplicationELB` request counts from the demand's
 * requestsPerSecond through a target group resolver (the local ELB endpoint plugs one in).
 *
 * The demand on a family is spread over its RUNNING tasks in proportion to what each reserves, and capped at
 * what they reserve in total, as real CPU would be. Each datapoint is one completed minute, averaged over
 * the minute (a task RUNNING for half of it counts half). As in Container Insights, each task is one sample:
 * Sum is the tasks' total, Average one task's (SampleCount the task-minutes), so an alarm on the Average
 * does not depend on the task count; RunningTaskCount is one sample of the count.
 */
import type { Demand, RunningInterval, UsageTimeline } from '../ecs/usage';
import { type Datapoint, single } from './datapoints';

export const minuteMs = 60_000;
const retentionMs = 15 * 24 * 3_600_000;

/** The target group behind a `TargetGroup` dimension value (`targetgroup/NAME/ID`) at an instant. */
export interface TargetGroupTargets {
  cluster: string;
  family: string;
  /** Targets that receive requests at that instant (default: the family's RUNNING tasks). */
  targets?: number;
  /** Part of the family's requestsPerSecond sent to this target group (default 1). */
  share?: number;
}

export type TargetGroupResolver = (targetGroup: string, at: number) => TargetGroupTargets | undefined;

export interface DerivedSources {
  usage: UsageTimeline;
  /** Absent until a local ELB endpoint is plugged in: then no AWS/ApplicationELB metrics exist. */
  targetGroups?: TargetGroupResolver;
}

const containerInsightsMetrics = new Set([
  'CpuUtilized',
  'CpuReserved',
  'MemoryUtilized',
  'MemoryReserved',
  'RunningTaskCount',
]);

type Dimensions = ReadonlyMap<string, string>;

const hasExactly = (dimensions: Dimensions, names: string[]) =>
  dimensions.size === names.length && names.every((name) => dimensions.has(name));

/** Instants inside (from, to) where a family's state changes, plus the two ends. */
const segmentsOf = (
  intervals: readonly RunningInterval[],
  demandChanges: readonly { at: number }[],
  from: number,
  to: number,
): number[] => {
  const cuts = new Set([from, to]);
  for (const interval of intervals) {
    if (interval.from > from && interval.from < to) cuts.add(interval.from);
    if (interval.to !== undefined && interval.to > from && interval.to < to) cuts.add(interval.to);
  }
  for (const change of demandChanges) if (change.at > from && change.at < to) cuts.add(change.at);
  return [...cuts].sort((a, b) => a - b);
};

const runningAt = (interval: RunningInterval, at: number) =>
  interval.from <= at && (interval.to === undefined || interval.to > at);

const overlaps = (interval: RunningInterval, from: number, to: number) =>
  interval.from < to && (interval.to === undefined || interval.to > from);

/** One minute of Container Insights for the tasks of a family that `include` selects. */
const familyMinute = (
  usage: UsageTimeline,
  cluster: string,
  family: string,
  include: (interval: RunningInterval) => boolean,
  minute: number,
):
  | { cpu: number; cpuReserved: number; memory: number; memoryReserved: number; tasks: number }
  | undefined => {
  const end = minute + minuteMs;
  const intervals = usage
    .runningIntervals(cluster, family)
    .filter((interval) => overlaps(interval, minute, end));
  if (!intervals.some(include)) return undefined;
  const cuts = segmentsOf(intervals, usage.demandChanges(cluster, family), minute, end);
  const total = { cpu: 0, cpuReserved: 0, memory: 0, memoryReserved: 0, tasks: 0 };
  for (let index = 0; index + 1 < cuts.length; index++) {
    const at = cuts[index]!;
    const weight = (cuts[index + 1]! - at) / minuteMs;
    const running = intervals.filter((interval) => runningAt(interval, at));
    const demand: Demand = usage.demandAt(cluster, family, at);
    const familyCpu = running.reduce((sum, task) => sum + task.cpu, 0);
    const familyMemory = running.reduce((sum, task) => sum + task.memory, 0);
    const cpuShare = familyCpu > 0 ? Math.min(demand.cpu, familyCpu) / familyCpu : 0;
    const memoryShare = familyMemory > 0 ? Math.min(demand.memory, familyMemory) / familyMemory : 0;
    for (const task of running) {
      if (!include(task)) continue;
      total.cpu += weight * task.cpu * cpuShare;
      total.cpuReserved += weight * task.cpu;
      total.memory += weight * task.memory * memoryShare;
      total.memoryReserved += weight * task.memory;
      total.tasks += weight;
    }
  }
  return total;
};

const containerInsights = (
  usage: UsageTimeline,
  metricName: string,
  dimensions: Dimensions,
  minutes: number[],
): Datapoint[] => {
  if (!containerInsightsMetrics.has(metricName)) return [];
  const cluster = dimensions.get('ClusterName');
  if (cluster === undefined) return [];
  let families: string[];
  let include: (interval: RunningInterval) => boolean = () => true;
  if (hasExactly(dimensions, ['ClusterName'])) families = usage.families(cluster);
  else if (hasExactly(dimensions, ['ClusterName', 'TaskDefinitionFamily']))
    families = [dimensions.get('TaskDefinitionFamily')!];
  else if (hasExactly(dimensions, ['ClusterName', 'ServiceName'])) {
    const group = `service:${dimensions.get('ServiceName')}`;
    families = usage.familiesOfTaskGroup(cluster, group);
    include = (interval) => interval.group === group;
  } else return [];
  const unit =
    metricName === 'RunningTaskCount' ? 'Count' : metricName.startsWith('Cpu') ? 'None' : 'Megabytes';
  const points: Datapoint[] = [];
  for (const minute of minutes) {
    let found = false;
    let value = 0;
    let tasks = 0;
    for (const family of families) {
      const one = familyMinute(usage, cluster, family, include, minute);
      if (!one) continue;
      found = true;
      tasks += one.tasks;
      value +=
        metricName === 'CpuUtilized'
          ? one.cpu
          : metricName === 'CpuReserved'
            ? one.cpuReserved
            : metricName === 'MemoryUtilized'
              ? one.memory
              : metricName === 'MemoryReserved'
                ? one.memoryReserved
                : one.tasks;
    }
    if (!found) continue;
    if (metricName === 'RunningTaskCount' || tasks <= 0) points.push(single(minute, value, unit));
    else {
      const perTask = value / tasks;
      points.push({ at: minute, sampleCount: tasks, sum: value, minimum: perTask, maximum: perTask, unit });
    }
  }
  return points;
};

const applicationElb = (
  sources: DerivedSources,
  metricName: string,
  dimensions: Dimensions,
  minutes: number[],
): Datapoint[] => {
  const resolve = sources.targetGroups;
  const targetGroup = dimensions.get('TargetGroup');
  if (!resolve || targetGroup === undefined) return [];
  if (metricName !== 'RequestCountPerTarget' && metricName !== 'RequestCount') return [];
  if (![...dimensions.keys()].every((name) => name === 'TargetGroup' || name === 'LoadBalancer')) return [];
  const points: Datapoint[] = [];
  for (const minute of minutes) {
    const end = minute + minuteMs;
    const link = resolve(targetGroup, minute);
    if (!link) continue;
    const intervals = sources.usage
      .runningIntervals(link.cluster, link.family)
      .filter((interval) => overlaps(interval, minute, end));
    const cuts = segmentsOf(intervals, sources.usage.demandChanges(link.cluster, link.family), minute, end);
    let requests = 0;
    let served = false;
    for (let index = 0; index + 1 < cuts.length; index++) {
      const at = cuts[index]!;
      const seconds = (cuts[index + 1]! - at) / 1000;
      const here = resolve(targetGroup, at) ?? link;
      const targets = here.targets ?? intervals.filter((interval) => runningAt(interval, at)).length;
      if (targets <= 0) continue;
      served = true;
      const perSecond =
        sources.usage.demandAt(here.cluster, here.family, at).requestsPerSecond * (here.share ?? 1);
      requests += metricName === 'RequestCount' ? perSecond * seconds : (perSecond * seconds) / targets;
    }
    if (served) points.push(single(minute, requests, 'Count'));
  }
  return points;
};

/** Datapoints of a derived metric for the completed minutes in [start, end); empty for any other metric. */
export const derivedDatapoints = (
  sources: DerivedSources,
  metric: { namespace: string; metricName: string; dimensions: Dimensions },
  start: number,
  end: number,
  now: number,
): Datapoint[] => {
  if (metric.namespace !== 'ECS/ContainerInsights' && metric.namespace !== 'AWS/ApplicationELB') return [];
  const minutes: number[] = [];
  // Only completed minutes, and no further back than the 15 days CloudWatch keeps 1-minute data.
  const first = Math.floor(Math.max(start, now - retentionMs) / minuteMs) * minuteMs;
  for (let minute = first; minute < end && minute + minuteMs <= now; minute += minuteMs) minutes.push(minute);
  return metric.namespace === 'ECS/ContainerInsights'
    ? containerInsights(sources.usage, metric.metricName, metric.dimensions, minutes)
    : applicationElb(sources, metric.metricName, metric.dimensions, minutes);
};

/**
 * What one evaluation asks CloudWatch for, pure: one metric query per CloudWatch policy of each scaled
 * service, batched into GetMetricData calls of at most 500 queries (the API's limit), so a pass costs
 * ceil(queries / 500) calls; and how each answer becomes a policy's samples.
 *
 * CPU and memory need one metric each: `CpuUtilized` Sum (the tasks' total over the minute: Container
 * Insights has one sample per task, so Average is one task's) divided by what one task reserves is the
 * demand in tasks, which is all the decision needs (ceil(running x utilization / target) =
 * ceil(demand / (task x target))), whatever number of tasks ran in that minute; the utilization is
 * reported against the tasks RUNNING now.
 */

import type { Sample, TargetTrackingPolicy } from '../domain';
import { parseRevisionReference, type Service } from '../domain';
import { DEFAULT_INSTALLATION, ecsFamily } from '../inventory/naming';
import type { PolicyMetric } from './decide';

export const MAX_QUERIES_PER_CALL = 500;
export const METRIC_PERIOD_SECONDS = 60;

export interface MetricQuery {
  /** Unique within one call: `^[a-z][a-zA-Z0-9_]*$`. */
  id: string;
  namespace: string;
  metricName: string;
  dimensions: { name: string; value: string }[];
  stat: string;
}

export interface MetricSeries {
  timestamps: number[];
  values: number[];
}

/** What a policy's query needs to turn a datapoint into a sample. */
export interface PolicyQuery {
  cluster: string;
  serviceName: string;
  policy: string;
  kind: 'utilization' | 'plain';
  query: MetricQuery;
}

/** Task sizes of a service's current revision, for the utilization samples. */
export interface TaskSize {
  cpu: number;
  memory: number;
}

export const policyMetric = (policy: TargetTrackingPolicy): PolicyMetric => {
  const metric = policy.metric;
  if ('predefined' in metric) return { kind: metric.predefined };
  if ('queueBacklogPerTask' in metric) return { kind: 'queueBacklogPerTask' };
  return {
    kind: 'custom',
    metricName: metric.custom.metricName,
    ...(metric.custom.total ? { total: true } : {}),
  };
};

/** `targetgroup/NAME/ID`, the TargetGroup dimension of an ARN. */
export const targetGroupDimension = (arn: string): string => arn.slice(arn.indexOf(':targetgroup/') + 1);

/** The ECS family Container Insights names a Tugboat `family:revision` by: the installation's own. */
const ecsFamilyOf = (reference: string, installation: string): string =>
  ecsFamily(installation, parseRevisionReference(reference).family);

/** The CloudWatch query of a policy, or undefined for a queue backlog policy (read from SQS). */
export const metricQueryFor = (
  service: Pick<Service, 'cluster' | 'taskDefinition'>,
  policy: TargetTrackingPolicy,
  id: string,
  installation: string = DEFAULT_INSTALLATION,
): Omit<PolicyQuery, 'cluster' | 'serviceName' | 'policy'> | undefined => {
  const metric = policy.metric;
  if ('queueBacklogPerTask' in metric) return undefined;
  if ('custom' in metric)
    return {
      kind: 'plain',
      query: {
        id,
        namespace: metric.custom.namespace,
        metricName: metric.custom.metricName,
        dimensions: metric.custom.dimensions,
        stat: metric.custom.statistic,
      },
    };
  if (metric.predefined === 'ALBRequestCountPerTarget')
    return {
      kind: 'plain',
      query: {
        id,
        namespace: 'AWS/ApplicationELB',
        metricName: 'RequestCountPerTarget',
        dimensions: [{ name: 'TargetGroup', value: targetGroupDimension(metric.targetGroupArn) }],
        stat: 'Sum',
      },
    };
  return {
    kind: 'utilization',
    query: {
      id,
      namespace: 'ECS/ContainerInsights',
      metricName: metric.predefined === 'CPUUtilization' ? 'CpuUtilized' : 'MemoryUtilized',
      dimensions: [
        { name: 'ClusterName', value: service.cluster },
        { name: 'TaskDefinitionFamily', value: ecsFamilyOf(service.taskDefinition, installation) },
      ],
      stat: 'Sum',
    },
  };
};

/** Every CloudWatch query of these services, with ids unique across the pass. */
export const buildPolicyQueries = (
  services: readonly Service[],
  installation: string = DEFAULT_INSTALLATION,
  include: (service: Service, policy: TargetTrackingPolicy) => boolean = () => true,
): PolicyQuery[] => {
  const queries: PolicyQuery[] = [];
  for (const service of services) {
    for (const policy of service.autoScaling?.targetTracking ?? []) {
      if (!include(service, policy)) continue;
      const built = metricQueryFor(service, policy, `q${queries.length}`, installation);
      if (built)
        queries.push({
          cluster: service.cluster,
          serviceName: service.serviceName,
          policy: policy.name,
          ...built,
        });
    }
  }
  return queries;
};

/** Splits the queries into GetMetricData calls of at most `size` queries each. */
export const batchQueries = <T>(queries: readonly T[], size = MAX_QUERIES_PER_CALL): T[][] => {
  const batches: T[][] = [];
  for (let start = 0; start < queries.length; start += size) batches.push(queries.slice(start, start + size));
  return batches;
};

/**
 * A query's datapoints as samples, each at the end of its minute. A utilization datapoint is the demand in CPU units (or MiB); as a
 * percentage of the tasks RUNNING now it says the same thing to the decision. Without RUNNING tasks or a
 * task size there is no utilization.
 */
export const samplesFrom = (
  query: PolicyQuery,
  series: MetricSeries,
  running: number,
  size: TaskSize | undefined,
  isCpu: boolean,
): Sample[] => {
  const samples: Sample[] = [];
  for (const [index, periodStart] of series.timestamps.entries()) {
    const value = series.values[index];
    // A minute's datapoint is known at its end: the stabilization window counts it while it overlaps.
    const at = periodStart + METRIC_PERIOD_SECONDS * 1000;
    if (value === undefined) continue;
    if (query.kind === 'plain') {
      samples.push({ at, value });
      continue;
    }
    const perTask = size ? (isCpu ? size.cpu : size.memory) : 0;
    if (running <= 0 || perTask <= 0) continue;
    samples.push({ at, value: (100 * value) / (perTask * running), running });
  }
  return samples;
};

/**
 * The samples a policy keeps: stored and new merged by instant (the newer reading wins), only those of
 * the last `keepMs`, oldest first.
 */
export const mergeSamples = (
  stored: readonly Sample[],
  fresh: readonly Sample[],
  now: number,
  keepMs: number,
): Sample[] => {
  const byInstant = new Map<number, Sample>();
  for (const sample of [...stored, ...fresh]) byInstant.set(sample.at, sample);
  return [...byInstant.values()]
    .filter((sample) => sample.at >= now - keepMs && sample.at <= now)
    .sort((a, b) => a.at - b.at);
};

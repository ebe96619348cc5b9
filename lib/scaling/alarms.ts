/**
 * The scale-out alarm of a target-tracking policy, pure (what Application Auto Scaling does, priced as it
 * is): ONE CloudWatch alarm per CloudWatch policy, 1 evaluation period of 60 s, on a per-task metric so its
 * threshold does not depend on the task count:
 *   - CPU / memory: Container Insights `CpuUtilized` / `MemoryUtilized` Average (per task) > target % x what
 *     one task reserves x 1.1;
 *   - ALB: `RequestCountPerTarget` Sum > target x 1.1;  custom: the metric's statistic > target x 1.1.
 * The alarm only says which services may need more tasks; the decision still reads the metric (for those
 * only). Alarms are named `tugboat-<installation>-scale-out/<cluster>/<service>/<policy>`, so one
 * DescribeAlarms prefix finds the installation's alarms and a name says whose it is. A spec hash kept on the
 * scaling state says when PutMetricAlarm is needed: only when the spec changed.
 */
import { createHash } from 'node:crypto';
import type { AlarmRecord, Service, TargetTrackingPolicy } from '../domain';
import { DEFAULT_INSTALLATION } from '../inventory/naming';
import { tolerance } from './decide';
import { METRIC_PERIOD_SECONDS, type MetricQuery, metricQueryFor, type TaskSize } from './metrics';

export interface AlarmSpec {
  name: string;
  namespace: string;
  metricName: string;
  dimensions: { name: string; value: string }[];
  statistic: string;
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  treatMissingData: 'missing';
  description: string;
}

export const alarmNamePrefix = (installation: string = DEFAULT_INSTALLATION) =>
  `tugboat-${installation}-scale-out/`;

export const alarmName = (
  installation: string | undefined,
  cluster: string,
  serviceName: string,
  policy: string,
): string => `${alarmNamePrefix(installation)}${cluster}/${serviceName}/${policy}`;

/** The service and policy an alarm of this installation belongs to; undefined for any other name. */
export const alarmOwner = (
  installation: string | undefined,
  name: string,
): { cluster: string; serviceName: string; policy: string } | undefined => {
  const prefix = alarmNamePrefix(installation);
  if (!name.startsWith(prefix)) return undefined;
  const [cluster, serviceName, ...rest] = name.slice(prefix.length).split('/');
  if (!cluster || !serviceName || rest.length === 0) return undefined;
  return { cluster, serviceName, policy: rest.join('/') };
};

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * The alarm of a policy, or undefined when it has none: a queue backlog policy (read from SQS each
 * minute), a custom metric marked total (read each minute), or a utilization policy whose task size is
 * not known yet.
 */
export const scaleOutAlarmFor = (
  service: Pick<Service, 'cluster' | 'serviceName' | 'taskDefinition'>,
  policy: TargetTrackingPolicy,
  size: TaskSize | undefined,
  installation?: string,
): AlarmSpec | undefined => {
  // A total has no per-task threshold (it depends on the task count): it is read every minute instead.
  if ('custom' in policy.metric && policy.metric.custom.total) return undefined;
  const built = metricQueryFor(service, policy, 'alarm', installation);
  if (!built) return undefined;
  const query: MetricQuery = built.query;
  let threshold: number;
  let statistic = query.stat;
  if (built.kind === 'utilization') {
    if (!size) return undefined;
    const perTask = query.metricName === 'CpuUtilized' ? size.cpu : size.memory;
    if (!(perTask > 0)) return undefined;
    // Average over the tasks: one task's usage, against what one task reserves at the target.
    statistic = 'Average';
    threshold = (policy.targetValue / 100) * perTask * (1 + tolerance);
  } else threshold = policy.targetValue * (1 + tolerance);
  return {
    name: alarmName(installation, service.cluster, service.serviceName, policy.name),
    namespace: query.namespace,
    metricName: query.metricName,
    dimensions: query.dimensions,
    statistic,
    periodSeconds: METRIC_PERIOD_SECONDS,
    evaluationPeriods: 1,
    threshold: round(threshold),
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'missing',
    description: `Tugboat auto scaling: ${service.cluster}/${service.serviceName} policy ${policy.name} over its target ${policy.targetValue} (scale-out)`,
  };
};

export const alarmSpecHash = (spec: AlarmSpec): string =>
  createHash('sha256').update(JSON.stringify(spec)).digest('base64url').slice(0, 16);

export interface AlarmPlan {
  put: { policy: string; spec: AlarmSpec; hash: string }[];
  /** Alarms recorded for policies that no longer have one. */
  remove: { policy: string; name: string }[];
}

/** What to put and delete so that a service's alarms match its policies, given what was recorded. */
export const planAlarms = (
  desired: ReadonlyMap<string, AlarmSpec>,
  recorded: Readonly<Record<string, AlarmRecord>>,
): AlarmPlan => {
  const put: AlarmPlan['put'] = [];
  for (const [policy, spec] of desired) {
    const hash = alarmSpecHash(spec);
    if (recorded[policy]?.hash !== hash || recorded[policy]?.name !== spec.name)
      put.push({ policy, spec, hash });
  }
  const remove = Object.entries(recorded)
    .filter(([policy, record]) => desired.get(policy)?.name !== record.name)
    .map(([policy, record]) => ({ policy, name: record.name }));
  return { put, remove };
};

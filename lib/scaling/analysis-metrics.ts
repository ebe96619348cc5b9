/**
 * The metric read of deployment analysis: the Application Load Balancer's own per-target-group figures
 * (AWS/ApplicationELB RequestCount and HTTPCode_Target_5XX_Count sums, TargetResponseTime p99) of the new
 * group and, with a baseline, the old one, over one interval, in one GetMetricData call on an injected
 * reader. The LoadBalancer dimension comes from any ARN of the load balancer: its own, a listener's or a
 * listener rule's (the production rule a shift already names, so no DescribeTargetGroups is needed).
 */
import type { GroupFigures } from '../domain';
import type { MetricReader } from './cloudwatch';
import { type MetricQuery, targetGroupDimension } from './metrics';

const NAMESPACE = 'AWS/ApplicationELB';

/** `app/NAME/ID`, the LoadBalancer dimension, from a load balancer, listener or listener rule ARN. */
export const loadBalancerDimension = (arn: string): string => {
  const match = /:(?:loadbalancer|listener|listener-rule)\/((?:app|net)\/[^/]+\/[^/]+)/.exec(arn);
  if (!match?.[1]) throw new Error(`not a load balancer, listener or listener rule ARN: ${arn}`);
  return match[1];
};

const queriesFor = (prefix: string, loadBalancer: string, targetGroupArn: string): MetricQuery[] => {
  const dimensions = [
    { name: 'LoadBalancer', value: loadBalancer },
    { name: 'TargetGroup', value: targetGroupDimension(targetGroupArn) },
  ];
  return [
    { id: `${prefix}_requests`, namespace: NAMESPACE, metricName: 'RequestCount', dimensions, stat: 'Sum' },
    {
      id: `${prefix}_errors`,
      namespace: NAMESPACE,
      metricName: 'HTTPCode_Target_5XX_Count',
      dimensions,
      stat: 'Sum',
    },
    { id: `${prefix}_p99`, namespace: NAMESPACE, metricName: 'TargetResponseTime', dimensions, stat: 'p99' },
  ];
};

const sum = (values: readonly number[] | undefined): number => (values ?? []).reduce((a, b) => a + b, 0);

export interface AnalysisTarget {
  /** Any ARN of the load balancer (the production listener rule will do). */
  loadBalancerArn: string;
  targetGroupArn: string;
  baselineTargetGroupArn?: string;
}

/**
 * Figures of [start, end) (epoch ms, whole minutes). A p99 over several minutes is the highest minute's
 * (the percentiles of the minutes cannot be merged; the highest never hides a slow minute); TargetResponseTime
 * is in seconds, the figures in ms.
 */
export const readAnalysisFigures = async (
  reader: MetricReader,
  target: AnalysisTarget,
  start: number,
  end: number,
): Promise<{ canary: GroupFigures; baseline?: GroupFigures }> => {
  const lb = loadBalancerDimension(target.loadBalancerArn);
  const queries = [
    ...queriesFor('canary', lb, target.targetGroupArn),
    ...(target.baselineTargetGroupArn ? queriesFor('baseline', lb, target.baselineTargetGroupArn) : []),
  ];
  const series = await reader.getMetricData(queries, start, end);
  const figures = (prefix: string): GroupFigures => {
    const p99s = series.get(`${prefix}_p99`)?.values ?? [];
    return {
      requests: sum(series.get(`${prefix}_requests`)?.values),
      errors5xx: sum(series.get(`${prefix}_errors`)?.values),
      ...(p99s.length > 0 ? { p99LatencyMs: Math.max(...p99s) * 1000 } : {}),
    };
  };
  return {
    canary: figures('canary'),
    ...(target.baselineTargetGroupArn ? { baseline: figures('baseline') } : {}),
  };
};

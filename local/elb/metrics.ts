/**
 * AWS/ApplicationELB metrics from the traffic model's minute buckets, with the dimensions the service
 * publishes: per target group (`TargetGroup` and `LoadBalancer`, or `TargetGroup` alone) RequestCount,
 * RequestCountPerTarget, HTTPCode_Target_2XX_Count, HTTPCode_Target_5XX_Count and TargetResponseTime; per
 * load balancer (`LoadBalancer` alone) RequestCount and HTTPCode_ELB_5XX_Count. TargetResponseTime is one
 * datapoint per response time with its request count, so a percentile over it is exact. Counts of HTTP codes
 * are published only for minutes that had some, as the service does.
 */
import type { Datapoint } from '../cloudwatch/datapoints';
import type { Bucket, TrafficModel } from './traffic';

const targetGroupMetrics = new Set([
  'RequestCount',
  'RequestCountPerTarget',
  'HTTPCode_Target_2XX_Count',
  'HTTPCode_Target_5XX_Count',
  'TargetResponseTime',
]);
const loadBalancerMetrics = new Set(['RequestCount', 'HTTPCode_ELB_5XX_Count']);

/**
 * A count of requests as CloudWatch has it: whole. The traffic model splits requests by weight and
 * target as fractions, so a minute's sum is rounded here (299.99999999999994 requests would otherwise
 * reach every reader); RequestCountPerTarget is an average and stays fractional.
 */
const wholeCount = (at: number, value: number): Datapoint => count(at, Math.round(value));

const count = (at: number, value: number): Datapoint => ({
  at,
  sampleCount: 1,
  sum: value,
  minimum: value,
  maximum: value,
  unit: 'Count',
});

/**
 * The datapoints of one metric in [start, end), or undefined when the traffic model never served that target
 * group or load balancer (another source may know it).
 */
export const applicationElbDatapoints = (
  traffic: TrafficModel,
  metric: { namespace: string; metricName: string; dimensions: ReadonlyMap<string, string> },
  start: number,
  end: number,
): Datapoint[] | undefined => {
  if (metric.namespace !== 'AWS/ApplicationELB') return undefined;
  const { dimensions, metricName } = metric;
  if (![...dimensions.keys()].every((name) => name === 'TargetGroup' || name === 'LoadBalancer'))
    return undefined;
  const targetGroup = dimensions.get('TargetGroup');
  const loadBalancer = dimensions.get('LoadBalancer');
  if (
    targetGroup === undefined
      ? loadBalancer === undefined || !loadBalancerMetrics.has(metricName)
      : !targetGroupMetrics.has(metricName)
  )
    return undefined;
  const matching = traffic
    .completedBuckets(start, end)
    .filter(
      (bucket) =>
        bucket.targetGroup === (targetGroup ?? '') &&
        (loadBalancer === undefined || bucket.loadBalancer === loadBalancer),
    );
  if (matching.length === 0) return undefined;
  const byMinute = new Map<number, Bucket[]>();
  for (const bucket of matching)
    byMinute.set(bucket.minute, [...(byMinute.get(bucket.minute) ?? []), bucket]);
  const points: Datapoint[] = [];
  for (const [minute, list] of byMinute) {
    const total = (pick: (bucket: Bucket) => number) => list.reduce((sum, bucket) => sum + pick(bucket), 0);
    switch (metricName) {
      case 'RequestCount':
        if (total((bucket) => bucket.requests) > 0)
          points.push(
            wholeCount(
              minute,
              total((bucket) => bucket.requests),
            ),
          );
        break;
      case 'RequestCountPerTarget':
        if (total((bucket) => bucket.requests) > 0)
          points.push(
            count(
              minute,
              total((bucket) => bucket.perTarget),
            ),
          );
        break;
      case 'HTTPCode_Target_5XX_Count':
        if (total((bucket) => bucket.targetErrors) > 0)
          points.push(
            wholeCount(
              minute,
              total((bucket) => bucket.targetErrors),
            ),
          );
        break;
      case 'HTTPCode_Target_2XX_Count': {
        const served = total((bucket) => [...bucket.latency.values()].reduce((sum, n) => sum + n, 0));
        const ok = served - total((bucket) => bucket.targetErrors);
        if (ok > 0) points.push(wholeCount(minute, ok));
        break;
      }
      case 'HTTPCode_ELB_5XX_Count':
        if (total((bucket) => bucket.elbErrors) > 0)
          points.push(
            wholeCount(
              minute,
              total((bucket) => bucket.elbErrors),
            ),
          );
        break;
      case 'TargetResponseTime':
        for (const bucket of list)
          for (const [ms, requests] of bucket.latency) {
            const seconds = ms / 1000;
            points.push({
              at: minute,
              sampleCount: requests,
              sum: seconds * requests,
              minimum: seconds,
              maximum: seconds,
              unit: 'Seconds',
            });
          }
        break;
    }
  }
  return points.sort((a, b) => a.at - b.at);
};

/**
 * The in-process local CloudWatch: custom metrics pushed with PutMetricData, and metrics derived from the
 * local ECS endpoint (derived.ts). `handle(action, input)` takes the JSON body of a CloudWatch call and
 * returns the JSON answer or throws CloudWatchServiceError; server.ts is the HTTP shell around it.
 */

import { type Bucket, type BucketSpec, fullBucket, take } from '../ecs/throttle';
import type { UsageTimeline } from '../ecs/usage';
import { readDeleteAlarms, readDescribeAlarms, readPutMetricAlarm } from './alarm-input';
import { createAlarmBook } from './alarms';
import type { Datapoint } from './datapoints';
import { derivedDatapoints, type TargetGroupResolver } from './derived';
import { throttled, unknownOperation } from './errors';
import { answerGetMetricData, type MetricQuery, readGetMetricData } from './get-metric-data';
import { type Json, metricKey } from './input';
import { readPutMetricData } from './put-metric-data';
import { validateRequest } from './validate';

export interface LocalCloudWatchOptions {
  /** The clock metrics are kept on; give the local ECS endpoint's (its virtual clock in benchmarks). */
  clock?: { now(): number };
  /** Where Container Insights come from: the local ECS endpoint's `usage`. */
  usage?: UsageTimeline;
  /** Resolves `TargetGroup` dimensions for AWS/ApplicationELB; plugged in later with the local ELB. */
  targetGroups?: TargetGroupResolver;
  /** 'off', or a factor applied to the published rates (default 1). */
  throttle?: 'off' | number;
  /** Metric alarms the account may have before PutMetricAlarm answers LimitExceededFault (default 10,000). */
  maxAlarms?: number;
  region?: string;
}

export type ApplicationElbSource = (
  metric: MetricQuery['metric'],
  start: number,
  end: number,
) => Datapoint[] | undefined;

export interface LocalCloudWatch {
  handle(action: string, input: Json): Json;
  /** Plugs in (or replaces) the target group resolver after start. */
  setTargetGroupResolver(resolver: TargetGroupResolver | undefined): void;
  /**
   * Plugs in the local load balancer's traffic (its AWS/ApplicationELB metrics); where it has no data for a
   * metric (undefined), the target group resolver's request counts still answer.
   */
  setApplicationElbSource(source: ApplicationElbSource | undefined): void;
  now(): number;
}

/** The operations this endpoint implements: the conformance test holds each to the CloudWatch model. */
export const supportedActions = [
  'GetMetricData',
  'PutMetricData',
  'PutMetricAlarm',
  'DescribeAlarms',
  'DeleteAlarms',
] as const;

/** CloudWatch's per-Region TPS quotas (CloudWatch service quotas). */
const publishedRates: Record<(typeof supportedActions)[number], BucketSpec> = {
  GetMetricData: { burst: 50, perSecond: 50 },
  PutMetricData: { burst: 500, perSecond: 500 },
  PutMetricAlarm: { burst: 3, perSecond: 3 },
  DescribeAlarms: { burst: 9, perSecond: 9 },
  DeleteAlarms: { burst: 3, perSecond: 3 },
};

export const createLocalCloudWatch = (options: LocalCloudWatchOptions = {}): LocalCloudWatch => {
  const clock = options.clock ?? { now: () => Date.now() };
  let targetGroups = options.targetGroups;
  let applicationElb: ApplicationElbSource | undefined;
  const custom = new Map<string, Datapoint[]>();
  const buckets = new Map<string, Bucket>();
  const throttleOption = options.throttle ?? 1;

  const admit = (action: keyof typeof publishedRates) => {
    if (throttleOption === 'off') return;
    const published = publishedRates[action];
    const spec = {
      burst: Math.max(1, Math.round(published.burst * throttleOption)),
      perSecond: published.perSecond * throttleOption,
    };
    const now = clock.now();
    const result = take(buckets.get(action) ?? fullBucket(spec, now), spec, now, 1);
    buckets.set(action, result.bucket);
    if (!result.granted) throw throttled();
  };

  const datapointsOf = (query: MetricQuery, start: number, end: number): Datapoint[] => {
    const stored = custom.get(metricKey(query.metric)) ?? [];
    const served = applicationElb?.(query.metric, start, end);
    const derived = served
      ? served
      : options.usage
        ? derivedDatapoints({ usage: options.usage, targetGroups }, query.metric, start, end, clock.now())
        : [];
    const all = derived.length > 0 ? [...stored, ...derived] : stored;
    return query.unit === undefined ? all : all.filter((point) => (point.unit ?? 'None') === query.unit);
  };

  const alarms = createAlarmBook({
    clock,
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAlarms: options.maxAlarms ?? 10_000,
    source: (spec, start, end) =>
      datapointsOf(
        {
          id: 'alarm',
          label: spec.metric.metricName,
          returnData: true,
          metric: spec.metric,
          periodMs: spec.periodSeconds * 1000,
          stat: spec.statistic,
          ...(spec.unit === undefined ? {} : { unit: spec.unit }),
        },
        start,
        end,
      ),
  });

  const handlers: Record<(typeof supportedActions)[number], (input: Json) => Json> = {
    GetMetricData(input) {
      admit('GetMetricData');
      const request = readGetMetricData(input);
      return answerGetMetricData(request, input, (query) => datapointsOf(query, request.start, request.end));
    },
    PutMetricData(input) {
      admit('PutMetricData');
      for (const datum of readPutMetricData(input, clock.now())) {
        const key = metricKey(datum.metric);
        const list = custom.get(key) ?? [];
        custom.set(key, list);
        list.push(...datum.points);
      }
      return {};
    },
    PutMetricAlarm(input) {
      admit('PutMetricAlarm');
      alarms.put(readPutMetricAlarm(input));
      return {};
    },
    DescribeAlarms(input) {
      admit('DescribeAlarms');
      return alarms.describe(readDescribeAlarms(input));
    },
    DeleteAlarms(input) {
      admit('DeleteAlarms');
      alarms.delete(readDeleteAlarms(input));
      return {};
    },
  };

  return {
    handle(action, input) {
      const handler = Object.hasOwn(handlers, action)
        ? handlers[action as (typeof supportedActions)[number]]
        : undefined;
      if (!handler) throw unknownOperation(action);
      validateRequest(action, input);
      return handler(input);
    },
    setTargetGroupResolver(resolver) {
      targetGroups = resolver;
    },
    setApplicationElbSource(source) {
      applicationElb = source;
    },
    now: () => clock.now(),
  };
};

/** The analysis metric read: GetMetricData queries with LoadBalancer and TargetGroup dimensions, and the sums and p99 it makes. */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadBalancerDimension, readAnalysisFigures } from '../../../lib/scaling/analysis-metrics';
import { createMetricReader } from '../../../lib/scaling/cloudwatch';

const rule =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/default-alb/0123456789abcdef/00000000000000a1/00000000000000b1';
const green =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/default-web-green/00000000000000c2';
const blue = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/default-web/00000000000000c1';

describe('loadBalancerDimension', () => {
  it.each([
    [
      'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/alb/0123456789abcdef',
      'app/alb/0123456789abcdef',
    ],
    [
      'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/alb/0123456789abcdef/00000000000000a1',
      'app/alb/0123456789abcdef',
    ],
    [rule, 'app/default-alb/0123456789abcdef'],
  ])('%s -> %s', (arn, expected) => expect(loadBalancerDimension(arn)).toBe(expected));
  it('refuses a target group ARN', () => expect(() => loadBalancerDimension(green)).toThrow());
});

describe('readAnalysisFigures', () => {
  it('reads both groups in one call and sums the minutes, p99 the worst minute in ms', async () => {
    const cw = mockClient(CloudWatchClient);
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'canary_requests', Values: [100, 120] },
        { Id: 'canary_errors', Values: [5, 7] },
        { Id: 'canary_p99', Values: [0.02, 0.035] },
        { Id: 'baseline_requests', Values: [1900, 1880] },
        { Id: 'baseline_errors', Values: [0, 1] },
        { Id: 'baseline_p99', Values: [0.021, 0.02] },
      ],
    });
    const figures = await readAnalysisFigures(
      createMetricReader(cw as unknown as CloudWatchClient),
      { loadBalancerArn: rule, targetGroupArn: green, baselineTargetGroupArn: blue },
      0,
      120_000,
    );
    expect(figures).toEqual({
      canary: { requests: 220, errors5xx: 12, p99LatencyMs: 35 },
      baseline: { requests: 3780, errors5xx: 1, p99LatencyMs: 21 },
    });
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const queries = calls[0]?.args[0].input.MetricDataQueries ?? [];
    expect(queries.map((q) => q.MetricStat?.Metric?.MetricName)).toEqual([
      'RequestCount',
      'HTTPCode_Target_5XX_Count',
      'TargetResponseTime',
      'RequestCount',
      'HTTPCode_Target_5XX_Count',
      'TargetResponseTime',
    ]);
    expect(queries[2]?.MetricStat).toMatchObject({
      Stat: 'p99',
      Metric: {
        Namespace: 'AWS/ApplicationELB',
        Dimensions: [
          { Name: 'LoadBalancer', Value: 'app/default-alb/0123456789abcdef' },
          { Name: 'TargetGroup', Value: 'targetgroup/default-web-green/00000000000000c2' },
        ],
      },
    });
  });

  it('a group without datapoints has no requests and no p99', async () => {
    const cw = mockClient(CloudWatchClient);
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const figures = await readAnalysisFigures(
      createMetricReader(cw as unknown as CloudWatchClient),
      { loadBalancerArn: rule, targetGroupArn: green },
      0,
      60_000,
    );
    expect(figures).toEqual({ canary: { requests: 0, errors5xx: 0 } });
  });
});

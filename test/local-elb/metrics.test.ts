/**
 * The AWS/ApplicationELB datapoints the local load balancer publishes from its traffic model's buckets.
 */
import { describe, expect, it } from 'vitest';
import { applicationElbDatapoints } from '../../local/elb/metrics';
import type { Bucket, TrafficModel } from '../../local/elb/traffic';

const MINUTE = 60_000;
const LB = 'app/web/0123456789abcdef';
const GROUP = 'targetgroup/green/0123456789abcdef';

/** A minute as the model summed it under npm start (10 % of 50 requests a second, 20 % errors). */
const bucket = (): Bucket => {
  const requests = 299.99999999999994;
  const targetErrors = 59.99999999999999;
  return {
    minute: MINUTE,
    loadBalancer: LB,
    targetGroup: GROUP,
    requests,
    targetErrors,
    elbErrors: 0,
    perTarget: requests / 3,
    latency: new Map([[6, requests]]),
  };
};

const model = { completedBuckets: () => [bucket()] } as unknown as TrafficModel;
const datapoint = (metricName: string) =>
  applicationElbDatapoints(
    model,
    { namespace: 'AWS/ApplicationELB', metricName, dimensions: new Map([['TargetGroup', GROUP]]) },
    MINUTE,
    2 * MINUTE,
  )?.[0];

describe('the local ALB metrics', () => {
  it('publishes request counts as whole numbers, as CloudWatch has them, however the model split them', () => {
    expect(Number.isInteger(bucket().requests)).toBe(false);
    expect(datapoint('RequestCount')?.sum).toBe(300);
    expect(datapoint('HTTPCode_Target_5XX_Count')?.sum).toBe(60);
    expect(datapoint('HTTPCode_Target_2XX_Count')?.sum).toBe(240);
  });

  it('keeps RequestCountPerTarget, an average, as it is', () => {
    expect(datapoint('RequestCountPerTarget')?.sum).toBe(bucket().requests / 3);
  });
});

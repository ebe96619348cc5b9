import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalCloudWatchServer, startLocalCloudWatchServer } from '../../local/cloudwatch';
import { type ElbHarness, launchTask, startElbHarness } from './helpers';

const minute = 60_000;
let h: ElbHarness;
let cloudWatch: LocalCloudWatchServer;
let metrics: CloudWatchClient;

beforeEach(async () => {
  h = await startElbHarness();
  cloudWatch = await startLocalCloudWatchServer({ port: 0, clock: h.ecs.server.ecs, throttle: 'off' });
  cloudWatch.cloudWatch.setApplicationElbSource(h.server.elb.applicationElbMetrics);
  metrics = new CloudWatchClient({
    endpoint: cloudWatch.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterEach(async () => {
  metrics.destroy();
  await cloudWatch.close();
  await h.close();
});

const targetGroup = async (name: string) =>
  (
    await h.client.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 80,
        TargetType: 'ip',
        VpcId: 'vpc-1',
        HealthCheckIntervalSeconds: 5,
        HealthyThresholdCount: 2,
      }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;

const forward = (weights: [string, number][]) => [
  {
    Type: 'forward' as const,
    ForwardConfig: {
      TargetGroups: weights.map(([arn, weight]) => ({ TargetGroupArn: arn, Weight: weight })),
    },
  },
];

const setTraffic = async (body: Record<string, unknown>) => {
  const response = await fetch(`${h.server.url}/__local/traffic`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

/** Blue (two healthy `app:v1` tasks) and green (one healthy `app:v2-errors20-slow300` task) behind one ALB. */
const blueGreen = async () => {
  const [blue, green] = [await targetGroup('blue'), await targetGroup('green')];
  const blueTasks = [await launchTask(h, 'blue', 'app:v1'), await launchTask(h, 'blue', 'app:v1')];
  const greenTask = await launchTask(h, 'green', 'app:v2-errors20-slow300');
  h.advance(2_000);
  await h.client.send(
    new RegisterTargetsCommand({
      TargetGroupArn: blue,
      Targets: blueTasks.map((task) => ({ Id: task.address })),
    }),
  );
  await h.client.send(
    new RegisterTargetsCommand({ TargetGroupArn: green, Targets: [{ Id: greenTask.address }] }),
  );
  h.advance(10_000);
  const balancer = (await h.client.send(new CreateLoadBalancerCommand({ Name: 'web' }))).LoadBalancers![0]!;
  const listener = (
    await h.client.send(
      new CreateListenerCommand({
        LoadBalancerArn: balancer.LoadBalancerArn!,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: forward([
          [blue, 90],
          [green, 10],
        ]),
      }),
    )
  ).Listeners![0]!;
  const dimension = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
  return {
    blue,
    green,
    listenerArn: listener.ListenerArn!,
    loadBalancer: balancer.LoadBalancerArn!.split(':loadbalancer/')[1]!,
    blueDimension: dimension(blue),
    greenDimension: dimension(green),
  };
};

/** Moves the clock to the start of the next whole minute; returns it. */
const nextMinute = () => {
  const now = h.ecs.server.ecs.now();
  const next = Math.ceil(now / minute) * minute;
  h.advance(next - now);
  return next;
};

const read = async (
  from: number,
  queries: { id: string; metric: string; targetGroup?: string; loadBalancer?: string; stat: string }[],
) => {
  const output = await metrics.send(
    new GetMetricDataCommand({
      StartTime: new Date(from),
      EndTime: new Date(from + minute),
      MetricDataQueries: queries.map((query) => ({
        Id: query.id,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApplicationELB',
            MetricName: query.metric,
            Dimensions: [
              ...(query.targetGroup ? [{ Name: 'TargetGroup', Value: query.targetGroup }] : []),
              ...(query.loadBalancer ? [{ Name: 'LoadBalancer', Value: query.loadBalancer }] : []),
            ],
          },
          Period: 60,
          Stat: query.stat,
        },
      })),
    }),
  );
  return Object.fromEntries(output.MetricDataResults!.map((result) => [result.Id!, result.Values ?? []]));
};

describe('the traffic model', () => {
  it('splits a listener 90/10 and an errors20 image on the 10 group makes 2 % of all requests 5xx, p99 slow', async () => {
    const setup = await blueGreen();
    const set = await setTraffic({ listenerArn: setup.listenerArn, requestsPerSecond: 100 });
    expect(set.status).toBe(200);
    expect(set.body.targetGroups).toEqual([
      { targetGroupArn: setup.blue, weight: 90 },
      { targetGroupArn: setup.green, weight: 10 },
    ]);
    const from = nextMinute();
    h.advance(minute);
    const both = { loadBalancer: setup.loadBalancer };
    const values = await read(from, [
      { id: 'blue', metric: 'RequestCount', targetGroup: setup.blueDimension, ...both, stat: 'Sum' },
      { id: 'green', metric: 'RequestCount', targetGroup: setup.greenDimension, ...both, stat: 'Sum' },
      { id: 'blue5xx', metric: 'HTTPCode_Target_5XX_Count', targetGroup: setup.blueDimension, stat: 'Sum' },
      { id: 'green5xx', metric: 'HTTPCode_Target_5XX_Count', targetGroup: setup.greenDimension, stat: 'Sum' },
      { id: 'all', metric: 'RequestCount', ...both, stat: 'Sum' },
      { id: 'perTarget', metric: 'RequestCountPerTarget', targetGroup: setup.blueDimension, stat: 'Sum' },
      { id: 'greenP99', metric: 'TargetResponseTime', targetGroup: setup.greenDimension, stat: 'p99' },
      { id: 'blueP99', metric: 'TargetResponseTime', targetGroup: setup.blueDimension, stat: 'p99' },
      { id: 'blueAverage', metric: 'TargetResponseTime', targetGroup: setup.blueDimension, stat: 'Average' },
    ]);
    expect(values.blue![0]).toBeCloseTo(5400, 6);
    expect(values.green![0]).toBeCloseTo(600, 6);
    expect(values.all![0]).toBeCloseTo(6000, 6);
    expect(values.blue5xx).toEqual([]);
    expect(values.green5xx![0]! / values.all![0]!).toBeCloseTo(0.02, 6);
    expect(values.perTarget![0]).toBeCloseTo(2700, 6);
    expect(values.greenP99).toEqual([0.306]);
    expect(values.blueP99).toEqual([0.006]);
    expect(values.blueAverage![0]).toBeGreaterThan(0.004);
    expect(values.blueAverage![0]).toBeLessThan(0.006);
  });

  it('moves traffic at the instant ModifyListener shifts the weights, and a 0/0 split is the load balancer’s 503', async () => {
    const setup = await blueGreen();
    await setTraffic({ listenerArn: setup.listenerArn, requestsPerSecond: 10 });
    const from = nextMinute();
    h.advance(minute / 2);
    await h.client.send(
      new ModifyListenerCommand({
        ListenerArn: setup.listenerArn,
        DefaultActions: forward([
          [setup.blue, 0],
          [setup.green, 100],
        ]),
      }),
    );
    h.advance(minute / 2);
    await h.client.send(
      new ModifyListenerCommand({
        ListenerArn: setup.listenerArn,
        DefaultActions: forward([
          [setup.blue, 0],
          [setup.green, 0],
        ]),
      }),
    );
    h.advance(minute);
    const first = await read(from, [
      { id: 'blue', metric: 'RequestCount', targetGroup: setup.blueDimension, stat: 'Sum' },
      { id: 'green', metric: 'RequestCount', targetGroup: setup.greenDimension, stat: 'Sum' },
    ]);
    expect(first.blue![0]).toBeCloseTo(270, 6); // 30 s x 10 rps x 0.9
    expect(first.green![0]).toBeCloseTo(330, 6); // 30 s x 10 rps x 0.1 + 30 s x 10 rps
    const second = await read(from + minute, [
      { id: 'green', metric: 'RequestCount', targetGroup: setup.greenDimension, stat: 'Sum' },
      { id: 'elb5xx', metric: 'HTTPCode_ELB_5XX_Count', loadBalancer: setup.loadBalancer, stat: 'Sum' },
    ]);
    expect(second.green).toEqual([]);
    expect(second.elb5xx![0]).toBeCloseTo(600, 6);
  });

  it('sends a request a rule matches by its conditions, and refuses an unknown listener or a negative rate', async () => {
    const setup = await blueGreen();
    const rule = await h.client.send(
      new CreateRuleCommand({
        ListenerArn: setup.listenerArn,
        Priority: 1,
        Conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } },
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['yes'] } },
        ],
        Actions: [{ Type: 'forward', TargetGroupArn: setup.green }],
      }),
    );
    const matched = await setTraffic({
      listenerArn: setup.listenerArn,
      requestsPerSecond: 1,
      path: '/api/orders',
      headers: { 'x-canary': 'YES' },
    });
    expect(matched.body.ruleArn).toBe(rule.Rules![0]!.RuleArn);
    const unmatched = await setTraffic({
      listenerArn: setup.listenerArn,
      requestsPerSecond: 1,
      path: '/api/orders',
    });
    expect(unmatched.body.targetGroups).toEqual([
      { targetGroupArn: setup.blue, weight: 90 },
      { targetGroupArn: setup.green, weight: 10 },
    ]);
    const unknown = await setTraffic({
      listenerArn: `${setup.listenerArn.slice(0, -16)}0000000000000000`,
      requestsPerSecond: 1,
    });
    expect(unknown.status).toBe(404);
    expect((await setTraffic({ listenerArn: setup.listenerArn, requestsPerSecond: -1 })).status).toBe(400);
  });
});

import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CloudWatchHarness, registerFargate, runFargate, startCloudWatchHarness, t0 } from './helpers';

let h: CloudWatchHarness;
const minute = 60_000;

beforeEach(async () => {
  h = await startCloudWatchHarness({
    targetGroups: (targetGroup) =>
      targetGroup === 'targetgroup/web/0123456789abcdef' ? { cluster: 'apps', family: 'web' } : undefined,
  });
  await registerFargate(h.ecs.client, 'web', 'nginx', { cpu: '512', memory: '1024' });
});
afterEach(() => h.close());

const query = (
  id: string,
  metricName: string,
  dimensions: Record<string, string>,
  stat = 'Sum',
  namespace = 'ECS/ContainerInsights',
): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: 60,
    Stat: stat,
  },
});

const read = async (queries: MetricDataQuery[], start: number, end: number) => {
  const output = await h.client.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: new Date(start),
      EndTime: new Date(end),
      ScanBy: 'TimestampAscending',
    }),
  );
  return Object.fromEntries(
    (output.MetricDataResults ?? []).map((result) => [
      result.Id,
      (result.Timestamps ?? []).map((at, index) => [at.getTime(), result.Values?.[index]] as const),
    ]),
  );
};

const family = { ClusterName: 'apps', TaskDefinitionFamily: 'web' };

describe('Container Insights from the local ECS tasks and the load set on them', () => {
  it('spreads the demand over the RUNNING tasks: more tasks, lower utilization', async () => {
    await runFargate(h.ecs.client, { count: 2, group: 'service:web' });
    h.advance(2_000); // RUNNING at t0 + 1 s
    const set = await h.setLoad({ cluster: 'apps', family: 'web', cpu: 768, memory: 512 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ cpu: 768, memory: 512, requestsPerSecond: 0, runningTasks: 2 });
    h.advance(2 * minute); // minute t0+1m is complete and steady
    await runFargate(h.ecs.client, { count: 2, group: 'service:web' });
    h.advance(3 * minute);
    const from = t0 + minute;
    const result = await read(
      [
        query('used', 'CpuUtilized', family),
        query('reserved', 'CpuReserved', family),
        query('mem', 'MemoryUtilized', family),
        query('memreserved', 'MemoryReserved', family),
        query('byservice', 'CpuUtilized', { ClusterName: 'apps', ServiceName: 'web' }),
        query('bycluster', 'CpuReserved', { ClusterName: 'apps' }),
        query('pertask', 'CpuUtilized', family, 'Average'),
        query('samples', 'CpuUtilized', family, 'SampleCount'),
      ],
      from,
      from + 4 * minute,
    );
    // One sample per task: Sum is the tasks' total, Average one task's, whatever the task count.
    expect(result.pertask?.[0]).toEqual([from, 384]);
    expect(result.samples?.[0]).toEqual([from, 2]);
    expect(result.pertask?.at(-1)?.[1]).toBe(192);
    expect(result.samples?.at(-1)?.[1]).toBe(4);
    // Minute 1: 2 tasks x 512 reserved, 768 used (75 %). Minute 3 on: 4 tasks, 768 of 2048 (37.5 %).
    expect(result.used?.[0]).toEqual([from, 768]);
    expect(result.reserved?.[0]).toEqual([from, 1024]);
    expect(result.mem?.[0]).toEqual([from, 512]);
    expect(result.memreserved?.[0]).toEqual([from, 2048]);
    expect(result.byservice?.[0]).toEqual([from, 768]);
    expect(result.bycluster?.[0]).toEqual([from, 1024]);
    const last = result.reserved?.at(-1);
    expect(last?.[1]).toBe(2048);
    expect(result.used?.at(-1)?.[1]).toBe(768);
  });

  it('caps usage at what the tasks reserve, and averages a minute in which the load changed', async () => {
    await runFargate(h.ecs.client, { count: 1 });
    h.advance(1_000); // RUNNING at t0 + 1 s
    await h.setLoad({ cluster: 'arn:aws:ecs:us-east-1:000000000000:cluster/apps', family: 'web', cpu: 5000 });
    h.advance(minute - 1_000 + 30_000); // t0 + 1m30s
    await h.setLoad({ cluster: 'apps', family: 'web', cpu: 128 });
    h.advance(minute);
    const result = await read([query('used', 'CpuUtilized', family)], t0 + minute, t0 + 2 * minute);
    // Half a minute at the 512 cap, half at 128.
    expect(result.used).toEqual([[t0 + minute, (512 + 128) / 2]]);
  });

  it('serves only completed minutes, and none where no task ran', async () => {
    await h.setLoad({ cluster: 'apps', family: 'web', cpu: 100 });
    h.advance(2 * minute);
    let result = await read([query('used', 'CpuUtilized', family)], t0 - minute, t0 + 10 * minute);
    expect(result.used).toEqual([]);
    await runFargate(h.ecs.client, { count: 1 });
    h.advance(minute / 2);
    result = await read([query('used', 'CpuUtilized', family)], t0, t0 + 10 * minute);
    expect(result.used).toEqual([]); // the current minute is not complete yet
    h.advance(minute / 2);
    result = await read([query('used', 'CpuUtilized', family)], t0, t0 + 10 * minute);
    expect(result.used).toHaveLength(1);
  });

  it('stops counting a task once it leaves RUNNING', async () => {
    const [first] = await runFargate(h.ecs.client, { count: 2 });
    h.advance(1_000);
    await h.setLoad({ cluster: 'apps', family: 'web', cpu: 512 });
    h.advance(minute - 1_000);
    await h.ecs.client.send(new StopTaskCommand({ cluster: 'apps', task: first!.taskArn! }));
    h.advance(2 * minute);
    const result = await read(
      [query('used', 'CpuUtilized', family), query('reserved', 'CpuReserved', family)],
      t0 + 2 * minute,
      t0 + 3 * minute,
    );
    expect(result.reserved).toEqual([[t0 + 2 * minute, 512]]);
    expect(result.used).toEqual([[t0 + 2 * minute, 512]]);
  });

  it('serves RequestCountPerTarget through a target group resolver, and nothing without one', async () => {
    await runFargate(h.ecs.client, { count: 2 });
    h.advance(1_000);
    await h.setLoad({ cluster: 'apps', family: 'web', requestsPerSecond: 10 });
    h.advance(2 * minute);
    const perTarget = query(
      'pertarget',
      'RequestCountPerTarget',
      { TargetGroup: 'targetgroup/web/0123456789abcdef' },
      'Sum',
      'AWS/ApplicationELB',
    );
    const unknown = query(
      'unknown',
      'RequestCountPerTarget',
      { TargetGroup: 'targetgroup/x/1' },
      'Sum',
      'AWS/ApplicationELB',
    );
    const result = await read([perTarget, unknown], t0 + minute, t0 + 2 * minute);
    expect(result.pertarget).toEqual([[t0 + minute, 300]]); // 10 rps x 60 s / 2 targets
    expect(result.unknown).toEqual([]);
    h.server.cloudWatch.setTargetGroupResolver(undefined);
    expect((await read([perTarget], t0 + minute, t0 + 2 * minute)).pertarget).toEqual([]);
  });

  it('rejects a load without a family, or with a negative demand; the cluster defaults to default', async () => {
    expect((await h.setLoad({ cluster: 'apps', cpu: 1 })).status).toBe(400);
    expect((await h.setLoad({ cluster: '', family: 'web' })).status).toBe(400);
    expect((await h.setLoad({ family: 'web', cpu: 1 })).body.cluster).toBe('default');
    const negative = await h.setLoad({ cluster: 'apps', family: 'web', cpu: -1 });
    expect(negative.status).toBe(400);
    expect(negative.body.message).toMatch(/cpu/);
  });
});

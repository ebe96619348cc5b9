import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsCli } from '../support/aws-cli';
import { type CloudWatchHarness, registerFargate, runFargate, startCloudWatchHarness, t0 } from './helpers';

let h: CloudWatchHarness;
const minute = 60_000;

beforeEach(async () => {
  h = await startCloudWatchHarness();
});
afterEach(() => h.close());

describe('the AWS CLI (v1)', () => {
  it('pushes a custom metric and reads it and Container Insights back through --endpoint-url', async (context) => {
    const aws = await awsCli(context, h.server.url, 'cloudwatch');
    if (!aws) return;
    const iso = (ms: number) => new Date(ms).toISOString();

    await aws(
      'put-metric-data',
      '--namespace',
      'Worker',
      '--metric-name',
      'Backlog',
      '--dimensions',
      'Queue=jobs',
      '--value',
      '42',
      '--timestamp',
      iso(t0 - minute),
    );
    await registerFargate(h.ecs.client, 'web', 'nginx', { cpu: '1024', memory: '2048' });
    await runFargate(h.ecs.client, { count: 2 });
    h.advance(1_000);
    await h.setLoad({ cluster: 'apps', family: 'web', cpu: 1024 });
    h.advance(2 * minute);
    const queries = [
      {
        Id: 'backlog',
        MetricStat: {
          Metric: {
            Namespace: 'Worker',
            MetricName: 'Backlog',
            Dimensions: [{ Name: 'Queue', Value: 'jobs' }],
          },
          Period: 60,
          Stat: 'Maximum',
        },
      },
      {
        Id: 'cpu',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights',
            MetricName: 'CpuUtilized',
            Dimensions: [
              { Name: 'ClusterName', Value: 'apps' },
              { Name: 'TaskDefinitionFamily', Value: 'web' },
            ],
          },
          Period: 60,
          Stat: 'Sum',
        },
      },
    ];
    const output = await aws(
      'get-metric-data',
      '--metric-data-queries',
      JSON.stringify(queries),
      '--start-time',
      iso(t0 - 5 * minute),
      '--end-time',
      iso(t0 + 2 * minute),
      '--scan-by',
      'TimestampAscending',
    );
    const byId = Object.fromEntries(
      output.MetricDataResults.map((result: { Id: string }) => [result.Id, result]),
    );
    expect(byId.backlog.Values).toEqual([42]);
    // AWS JSON 1.0 carries epoch seconds, which CLI v1 prints as they came.
    expect(byId.backlog.Timestamps).toEqual([(t0 - minute) / 1000]);
    expect(byId.cpu.Values).toEqual([(1024 * 59) / 60, 1024]); // RUNNING from t0 + 1 s
    const failed = await aws(
      'put-metric-data',
      '--namespace',
      'AWS/ECS',
      '--metric-name',
      'x',
      '--value',
      '1',
    ).catch((error: { stderr: string }) => error.stderr);
    expect(failed).toMatch(/InvalidParameterValue/);
  });
});

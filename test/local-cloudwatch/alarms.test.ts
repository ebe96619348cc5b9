import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  MissingRequiredParameterException,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCloudWatch } from '../../local/cloudwatch/engine';
import { type CloudWatchHarness, registerFargate, runFargate, startCloudWatchHarness, t0 } from './helpers';

const run = promisify(execFile);
let h: CloudWatchHarness;
const minute = 60_000;
const name = 'tugboat-local-scale-out/apps/web/cpu';

beforeEach(async () => {
  h = await startCloudWatchHarness();
});
afterEach(() => h.close());

/** The scale-out alarm Tugboat puts for a 50 % CPU policy of 512-unit tasks: one task's Average > 281.6. */
const cpuAlarm = (AlarmName = name): PutMetricAlarmCommandInput => ({
  AlarmName,
  Namespace: 'ECS/ContainerInsights',
  MetricName: 'CpuUtilized',
  Dimensions: [
    { Name: 'ClusterName', Value: 'apps' },
    { Name: 'TaskDefinitionFamily', Value: 'web' },
  ],
  Statistic: 'Average',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 281.6,
  ComparisonOperator: 'GreaterThanThreshold',
});

const describeOne = async (AlarmName = name) =>
  (await h.client.send(new DescribeAlarmsCommand({ AlarmNames: [AlarmName] }))).MetricAlarms?.[0];

describe('metric alarms of the local CloudWatch', () => {
  it('starts INSUFFICIENT_DATA, and is evaluated each minute of the clock against the per-task Average', async () => {
    await h.client.send(new PutMetricAlarmCommand(cpuAlarm()));
    expect(await describeOne()).toMatchObject({
      AlarmName: name,
      AlarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`,
      StateValue: 'INSUFFICIENT_DATA',
      StateReason: 'Unchecked: Initial alarm creation',
      Threshold: 281.6,
      TreatMissingData: 'missing',
      DatapointsToAlarm: 1,
    });

    await registerFargate(h.ecs.client, 'web', 'nginx', { cpu: '512', memory: '1024' });
    await runFargate(h.ecs.client, { count: 2 });
    h.advance(1_000);
    await h.setLoad({ cluster: 'apps', family: 'web', cpu: 1024 }); // 512 a task: 100 %
    h.advance(2 * minute);
    const over = await h.client.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'tugboat-local-scale-out/', StateValue: 'ALARM' }),
    );
    expect(over.MetricAlarms?.map((alarm) => alarm.AlarmName)).toEqual([name]);
    const alarm = over.MetricAlarms![0]!;
    expect(alarm.StateReason).toBe(
      'Threshold Crossed: 1 datapoint [512.0 (25/11/26 12:00:00)] was greater than the threshold (281.6).',
    );
    // Evaluated at the end of the first minute with data.
    expect(alarm.StateUpdatedTimestamp?.getTime()).toBe(t0 + minute);
    expect(JSON.parse(alarm.StateReasonData!)).toMatchObject({
      version: '1.0',
      statistic: 'Average',
      period: 60,
      threshold: 281.6,
      startDate: '2026-11-25T12:00:00.000+0000',
      recentDatapoints: [512],
    });
    expect(JSON.parse(alarm.StateReasonData!).evaluatedDatapoints[0].sampleCount).toBeCloseTo(2 * (59 / 60));

    // Twice the tasks for the same load: 256 a task, under the threshold.
    await runFargate(h.ecs.client, { count: 2 });
    h.advance(1_000);
    h.advance(2 * minute);
    // The minute in which the two tasks joined averages over the task-minutes (2 tasks for 2 s, 4 after).
    const ok = await describeOne();
    expect(ok?.StateValue).toBe('OK');
    expect(ok?.StateReason).toMatch(
      /^Threshold Crossed: 1 datapoint \[260\.33\d+ \(25\/11\/26 12:02:00\)\] was not greater than the threshold \(281\.6\)\.$/,
    );
    expect((await h.client.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms).toEqual(
      [],
    );
  });

  it('alarms on a percentile (ExtendedStatistic p99) of Values/Counts, and refuses it with Statistic', async () => {
    const latency = {
      AlarmName: 'p99',
      Namespace: 'Shop',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 0.3,
      ComparisonOperator: 'GreaterThanThreshold' as const,
    };
    await h.client.send(new PutMetricAlarmCommand(latency));
    // 2 % of requests take 0.5 s: the average (0.015 s) is far below the threshold, the p99 above it.
    await h.client.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          {
            MetricName: 'Latency',
            Timestamp: new Date(h.ecs.server.ecs.now()),
            Values: [0.005, 0.5],
            Counts: [98, 2],
          },
        ],
      }),
    );
    h.advance(minute);
    const alarm = await describeOne('p99');
    expect(alarm).toMatchObject({ StateValue: 'ALARM', ExtendedStatistic: 'p99' });
    expect(alarm?.Statistic).toBeUndefined();
    await expect(
      h.client.send(new PutMetricAlarmCommand({ ...latency, Statistic: 'Average' })),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await expect(
      h.client.send(new PutMetricAlarmCommand({ ...latency, ExtendedStatistic: 'tm99' })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('overwrites on a second put keeping the state, pages by name, and deletes (unknown names are no error)', async () => {
    for (const alarm of ['c', 'a', 'b']) await h.client.send(new PutMetricAlarmCommand(cpuAlarm(alarm)));
    await h.client.send(new PutMetricAlarmCommand({ ...cpuAlarm('a'), Threshold: 10 }));
    const first = await h.client.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
    expect(first.MetricAlarms?.map((alarm) => [alarm.AlarmName, alarm.Threshold])).toEqual([
      ['a', 10],
      ['b', 281.6],
    ]);
    const second = await h.client.send(
      new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: first.NextToken }),
    );
    expect(second.MetricAlarms?.map((alarm) => alarm.AlarmName)).toEqual(['c']);
    expect(second.NextToken).toBeUndefined();
    await h.client.send(new DeleteAlarmsCommand({ AlarmNames: ['a', 'nope'] }));
    const left = await h.client.send(new DescribeAlarmsCommand({}));
    expect(left.MetricAlarms?.map((alarm) => alarm.AlarmName)).toEqual(['b', 'c']);
  });

  it('answers the documented errors', async () => {
    await expect(
      h.client.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' })),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await expect(h.client.send(new DescribeAlarmsCommand({ MaxRecords: 101 }))).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
    const { Threshold: _threshold, ...noThreshold } = cpuAlarm();
    await expect(h.client.send(new PutMetricAlarmCommand(noThreshold))).rejects.toBeInstanceOf(
      MissingRequiredParameterException,
    );
    await expect(
      h.client.send(new PutMetricAlarmCommand({ ...cpuAlarm(), Period: 45 })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(
      h.client.send(new PutMetricAlarmCommand({ ...cpuAlarm(), DatapointsToAlarm: 2 })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    const engine = createLocalCloudWatch({ throttle: 'off', maxAlarms: 1 });
    const input = { ...cpuAlarm(), Dimensions: [] } as Record<string, unknown>;
    engine.handle('PutMetricAlarm', input);
    expect(() => engine.handle('PutMetricAlarm', { ...input, AlarmName: 'second' })).toThrow(
      expect.objectContaining({ shape: 'LimitExceededFault', code: 'LimitExceeded' }),
    );
  });

  it('speaks the query protocol too: form-encoded in, XML out with ISO timestamps', async () => {
    await h.client.send(new PutMetricAlarmCommand(cpuAlarm()));
    const response = await fetch(h.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        Action: 'DescribeAlarms',
        Version: '2010-08-01',
        'AlarmNames.member.1': name,
        MaxRecords: '5',
      }).toString(),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain(`<AlarmName>${name}</AlarmName>`);
    expect(text).toContain('<StateValue>INSUFFICIENT_DATA</StateValue>');
    expect(text).toContain(`<StateUpdatedTimestamp>${new Date(t0).toISOString()}</StateUpdatedTimestamp>`);
  });

  it('works with the AWS CLI (v1): put-metric-alarm, describe-alarms, delete-alarms', async (context) => {
    if (
      !(await run('aws', ['--version']).then(
        () => true,
        () => false,
      ))
    ) {
      context.skip('the aws command is not installed');
      return;
    }
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    };
    const aws = async (...args: string[]) => {
      const { stdout } = await run(
        'aws',
        ['--endpoint-url', h.server.url, '--output', 'json', 'cloudwatch', ...args],
        { env },
      );
      return JSON.parse(stdout || '{}') as Record<string, any>;
    };
    await aws(
      'put-metric-alarm',
      '--alarm-name',
      name,
      '--namespace',
      'ECS/ContainerInsights',
      '--metric-name',
      'CpuUtilized',
      '--dimensions',
      'Name=ClusterName,Value=apps',
      'Name=TaskDefinitionFamily,Value=web',
      '--statistic',
      'Average',
      '--period',
      '60',
      '--evaluation-periods',
      '1',
      '--threshold',
      '281.6',
      '--comparison-operator',
      'GreaterThanThreshold',
    );
    const described = await aws(
      'describe-alarms',
      '--alarm-name-prefix',
      'tugboat-local-',
      '--state-value',
      'INSUFFICIENT_DATA',
    );
    expect(described.MetricAlarms.map((alarm: { AlarmName: string }) => alarm.AlarmName)).toEqual([name]);
    await aws('delete-alarms', '--alarm-names', name);
    expect((await aws('describe-alarms')).MetricAlarms).toEqual([]);
  });
});

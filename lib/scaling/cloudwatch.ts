/**
 * The CloudWatch adapters of the scaler, on an injected client: one GetMetricData call per batch of at
 * most 500 queries (following NextToken when a long answer is cut); the scale-out alarms (PutMetricAlarm,
 * DeleteAlarms 100 names a call, DescribeAlarms of those in ALARM by name prefix, 100 a page).
 */
import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
  GetMetricDataCommand,
  type MetricDataResult,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { DependencyError } from '../errors';
import type { AlarmSpec } from './alarms';
import { MAX_QUERIES_PER_CALL, METRIC_PERIOD_SECONDS, type MetricQuery, type MetricSeries } from './metrics';

export interface MetricReader {
  /** Datapoints of each query (by id) between `start` and `end` (epoch ms), one call per 500 queries. */
  getMetricData(
    queries: readonly MetricQuery[],
    start: number,
    end: number,
  ): Promise<Map<string, MetricSeries>>;
}

export const createMetricReader = (client: CloudWatchClient): MetricReader => ({
  async getMetricData(queries, start, end) {
    if (queries.length > MAX_QUERIES_PER_CALL)
      throw new Error(`GetMetricData takes at most ${MAX_QUERIES_PER_CALL} queries, not ${queries.length}`);
    const series = new Map<string, MetricSeries>();
    if (queries.length === 0) return series;
    let nextToken: string | undefined;
    do {
      let results: MetricDataResult[];
      try {
        const answer = await client.send(
          new GetMetricDataCommand({
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
            MetricDataQueries: queries.map((query) => ({
              Id: query.id,
              ReturnData: true,
              MetricStat: {
                Metric: {
                  Namespace: query.namespace,
                  MetricName: query.metricName,
                  Dimensions: query.dimensions.map(({ name, value }) => ({ Name: name, Value: value })),
                },
                Period: METRIC_PERIOD_SECONDS,
                Stat: query.stat,
              },
            })),
          }),
        );
        results = answer.MetricDataResults ?? [];
        nextToken = answer.NextToken;
      } catch (error) {
        throw new DependencyError('CloudWatch GetMetricData failed', error);
      }
      for (const result of results) {
        if (!result.Id) continue;
        const found = series.get(result.Id) ?? { timestamps: [], values: [] };
        found.timestamps.push(...(result.Timestamps ?? []).map((at) => at.getTime()));
        found.values.push(...(result.Values ?? []));
        series.set(result.Id, found);
      }
    } while (nextToken);
    return series;
  },
});

export interface AlarmClient {
  putAlarm(spec: AlarmSpec): Promise<void>;
  /** Unknown names are no error (DeleteAlarms deletes the others). */
  deleteAlarms(names: readonly string[]): Promise<void>;
  /** Names of the alarms with this prefix now in ALARM, and the DescribeAlarms calls it took. */
  alarmsInAlarm(prefix: string): Promise<{ names: string[]; calls: number }>;
}

const MAX_DELETE = 100;
const MAX_RECORDS = 100;

export const createAlarmClient = (client: CloudWatchClient): AlarmClient => {
  const call = async <T>(what: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      throw new DependencyError(`CloudWatch ${what} failed`, error);
    }
  };
  return {
    async putAlarm(spec) {
      await call('PutMetricAlarm', () =>
        client.send(
          new PutMetricAlarmCommand({
            AlarmName: spec.name,
            AlarmDescription: spec.description,
            Namespace: spec.namespace,
            MetricName: spec.metricName,
            Dimensions: spec.dimensions.map(({ name, value }) => ({ Name: name, Value: value })),
            Statistic: spec.statistic as 'Average',
            Period: spec.periodSeconds,
            EvaluationPeriods: spec.evaluationPeriods,
            Threshold: spec.threshold,
            ComparisonOperator: spec.comparisonOperator,
            TreatMissingData: spec.treatMissingData,
          }),
        ),
      );
    },
    async deleteAlarms(names) {
      for (let start = 0; start < names.length; start += MAX_DELETE) {
        const AlarmNames = names.slice(start, start + MAX_DELETE);
        await call('DeleteAlarms', () => client.send(new DeleteAlarmsCommand({ AlarmNames })));
      }
    },
    async alarmsInAlarm(prefix) {
      const names: string[] = [];
      let calls = 0;
      let nextToken: string | undefined;
      do {
        const answer = await call('DescribeAlarms', () =>
          client.send(
            new DescribeAlarmsCommand({
              AlarmNamePrefix: prefix,
              StateValue: 'ALARM',
              AlarmTypes: ['MetricAlarm'],
              MaxRecords: MAX_RECORDS,
              NextToken: nextToken,
            }),
          ),
        );
        calls++;
        for (const alarm of answer.MetricAlarms ?? []) if (alarm.AlarmName) names.push(alarm.AlarmName);
        nextToken = answer.NextToken;
      } while (nextToken);
      return { names, calls };
    },
  };
};

/** Alarm states by name, as a deployment's alarms (DeploymentAlarms) are judged. */
export type AlarmStates = Record<string, { state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; reason?: string }>;

/**
 * The state and reason of each named alarm (DescribeAlarms, 100 names a call); an alarm that does
 * not exist is absent from the answer.
 */
export const createAlarmStateReader =
  (client: CloudWatchClient) =>
  async (names: readonly string[]): Promise<AlarmStates> => {
    const states: AlarmStates = {};
    const unique = [...new Set(names)];
    for (let start = 0; start < unique.length; start += MAX_RECORDS) {
      let nextToken: string | undefined;
      do {
        let answer: DescribeAlarmsCommandOutput;
        try {
          answer = await client.send(
            new DescribeAlarmsCommand({
              AlarmNames: unique.slice(start, start + MAX_RECORDS),
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              MaxRecords: MAX_RECORDS,
              NextToken: nextToken,
            }),
          );
        } catch (error) {
          throw new DependencyError('CloudWatch DescribeAlarms failed', error);
        }
        for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
          if (!alarm.AlarmName || !alarm.StateValue) continue;
          states[alarm.AlarmName] = {
            state: alarm.StateValue as 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
            ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
          };
        }
        nextToken = answer.NextToken;
      } while (nextToken);
    }
    return states;
  };

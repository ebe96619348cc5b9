/**
 * The CloudWatch adapter of the scaler: one GetMetricData call per batch of at most 500 queries (following
 * NextToken when a long answer is cut), on an injected client.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { DependencyError } from '../errors';
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

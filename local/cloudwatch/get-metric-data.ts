/**
 * GetMetricData (CloudWatch API reference): up to 500 MetricDataQuery a call with MetricStat (metric math is
 * not emulated), periods of 1, 5, 10, 30 or a multiple of 60 seconds, ScanBy, and paging by NextToken once
 * MaxDatapoints (default 100,800) datapoints are in the answer.
 */
import { createHash } from 'node:crypto';
import { aggregate, type Datapoint, isPercentile, isStatistic, type Statistic } from './datapoints';
import {
  invalidNextToken,
  invalidParameterCombination,
  invalidParameterValue,
  missingParameter,
} from './errors';
import {
  checkLength,
  isObject,
  type Json,
  type MetricIdentity,
  optionalList,
  optionalNumber,
  optionalString,
  optionalTimestamp,
  readDimensions,
  requiredString,
} from './input';
import { isStandardUnit } from './put-metric-data';

export const maxQueries = 500;
const maxDatapointsDefault = 100_800;

export interface MetricQuery {
  id: string;
  label: string;
  returnData: boolean;
  metric: MetricIdentity;
  periodMs: number;
  /** A standard statistic, or a percentile (`p99`) in GetMetricData. */
  stat: Statistic | `p${string}`;
  unit?: string;
}

export interface GetMetricDataRequest {
  queries: MetricQuery[];
  start: number;
  end: number;
  descending: boolean;
  maxDatapoints: number;
  page: { query: number; offset: number } | undefined;
}

const readQuery = (raw: unknown, index: number): MetricQuery => {
  const path = `MetricDataQueries.member.${index + 1}`;
  if (!isObject(raw)) throw missingParameter(`${path}.Id`);
  const id = requiredString(raw, 'Id', `${path}.Id`);
  checkLength(id, 1, 255, `${path}.Id`);
  if (!/^[a-z][a-zA-Z0-9_]*$/.test(id))
    throw invalidParameterValue(
      `The value ${id} for parameter ${path}.Id is not valid: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
    );
  const returnData = raw.ReturnData === undefined || raw.ReturnData === null ? true : raw.ReturnData;
  if (typeof returnData !== 'boolean')
    throw invalidParameterValue(`The parameter ${path}.ReturnData must be a boolean.`);
  const hasExpression = raw.Expression !== undefined && raw.Expression !== null;
  const stat = raw.MetricStat;
  if (hasExpression && stat != null)
    throw invalidParameterCombination(
      `The parameters ${path}.MetricStat and ${path}.Expression are mutually exclusive and you have specified both.`,
    );
  if (hasExpression)
    throw invalidParameterValue(
      `The parameter ${path}.Expression is not supported by the local CloudWatch endpoint; use MetricStat.`,
    );
  if (!isObject(stat)) throw missingParameter(`${path}.MetricStat`);
  const statPath = `${path}.MetricStat`;
  const metric = stat.Metric;
  if (!isObject(metric)) throw missingParameter(`${statPath}.Metric`);
  const namespace = requiredString(metric, 'Namespace', `${statPath}.Metric.Namespace`);
  const metricName = requiredString(metric, 'MetricName', `${statPath}.Metric.MetricName`);
  checkLength(namespace, 1, 255, `${statPath}.Metric.Namespace`);
  checkLength(metricName, 1, 255, `${statPath}.Metric.MetricName`);
  const dimensions = readDimensions(metric.Dimensions, `${statPath}.Metric.Dimensions`);
  const period = optionalNumber(stat, 'Period', `${statPath}.Period`);
  if (period === undefined) throw missingParameter(`${statPath}.Period`);
  if (!Number.isInteger(period) || period < 1 || (period % 60 !== 0 && ![1, 5, 10, 30].includes(period)))
    throw invalidParameterValue(
      `The parameter ${statPath}.Period must be 1, 5, 10, 30, or a multiple of 60.`,
    );
  const statName = requiredString(stat, 'Stat', `${statPath}.Stat`);
  if (!isStatistic(statName) && !isPercentile(statName))
    throw invalidParameterValue(
      `The value ${statName} for parameter ${statPath}.Stat is not supported: use Average, Sum, Minimum, Maximum, SampleCount or a percentile (p99).`,
    );
  const unit = optionalString(stat, 'Unit', `${statPath}.Unit`);
  if (unit !== undefined && !isStandardUnit(unit))
    throw invalidParameterValue(`The value ${unit} for parameter ${statPath}.Unit is not a valid unit.`);
  const label = optionalString(raw, 'Label', `${path}.Label`) ?? metricName;
  return {
    id,
    label,
    returnData,
    metric: { namespace, metricName, dimensions },
    periodMs: period * 1000,
    stat: statName as Statistic | `p${string}`,
    ...(unit !== undefined ? { unit } : {}),
  };
};

/** Ties a NextToken to the request it came from, so a token is not replayed against another request. */
const fingerprint = (input: Json) => {
  const { NextToken: _token, MaxDatapoints: _max, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 16);
};

const readToken = (token: string, input: Json) => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      isObject(parsed) &&
      parsed.f === fingerprint(input) &&
      Number.isInteger(parsed.q) &&
      Number.isInteger(parsed.o)
    )
      return { query: parsed.q as number, offset: parsed.o as number };
  } catch {
    // reported below
  }
  throw invalidNextToken();
};

export const readGetMetricData = (input: Json): GetMetricDataRequest => {
  const list = optionalList(input, 'MetricDataQueries', 'MetricDataQueries');
  if (list === undefined) throw missingParameter('MetricDataQueries');
  if (list.length > maxQueries)
    throw invalidParameterValue(
      `The collection MetricDataQueries must not have a size greater than ${maxQueries}.`,
    );
  const start = optionalTimestamp(input, 'StartTime', 'StartTime');
  if (start === undefined) throw missingParameter('StartTime');
  const end = optionalTimestamp(input, 'EndTime', 'EndTime');
  if (end === undefined) throw missingParameter('EndTime');
  if (start >= end)
    throw invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  const queries = list.map(readQuery);
  const ids = new Set<string>();
  for (const query of queries) {
    if (ids.has(query.id))
      throw invalidParameterValue(
        `The values for parameter id in MetricDataQueries are not unique: ${query.id}.`,
      );
    ids.add(query.id);
  }
  const scanBy = optionalString(input, 'ScanBy', 'ScanBy') ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending')
    throw invalidParameterValue(
      `The value ${scanBy} for parameter ScanBy is not valid: use TimestampDescending or TimestampAscending.`,
    );
  const maxDatapoints = optionalNumber(input, 'MaxDatapoints', 'MaxDatapoints') ?? maxDatapointsDefault;
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1)
    throw invalidParameterValue('The parameter MaxDatapoints must be a positive integer.');
  const token = optionalString(input, 'NextToken', 'NextToken');
  return {
    queries,
    start,
    end,
    descending: scanBy === 'TimestampDescending',
    maxDatapoints,
    page: token === undefined ? undefined : readToken(token, input),
  };
};

/** Answers a read request from a source of raw datapoints per metric. */
export const answerGetMetricData = (
  request: GetMetricDataRequest,
  input: Json,
  datapointsOf: (query: MetricQuery) => Iterable<Datapoint>,
): Json => {
  const results: Json[] = [];
  let budget = request.maxDatapoints;
  let nextToken: string | undefined;
  const from = request.page ?? { query: 0, offset: 0 };
  for (let index = from.query; index < request.queries.length; index++) {
    const query = request.queries[index]!;
    if (!query.returnData) continue;
    if (budget <= 0) {
      nextToken = Buffer.from(JSON.stringify({ f: fingerprint(input), q: index, o: 0 })).toString(
        'base64url',
      );
      break;
    }
    const { timestamps, values } = aggregate(
      datapointsOf(query),
      query.periodMs,
      request.start,
      request.end,
      query.stat,
    );
    if (request.descending) {
      timestamps.reverse();
      values.reverse();
    }
    const offset = index === from.query ? from.offset : 0;
    const taken = Math.min(budget, timestamps.length - offset);
    budget -= taken;
    const partial = offset + taken < timestamps.length;
    results.push({
      Id: query.id,
      Label: query.label,
      Timestamps: timestamps.slice(offset, offset + taken).map((at) => at / 1000),
      Values: values.slice(offset, offset + taken),
      StatusCode: partial ? 'PartialData' : 'Complete',
      Messages: [],
    });
    if (partial) {
      nextToken = Buffer.from(
        JSON.stringify({ f: fingerprint(input), q: index, o: offset + taken }),
      ).toString('base64url');
      break;
    }
  }
  return { MetricDataResults: results, Messages: [], ...(nextToken ? { NextToken: nextToken } : {}) };
};

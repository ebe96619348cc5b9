/**
 * Metric alarms of the local CloudWatch: PutMetricAlarm creates (state INSUFFICIENT_DATA, "Unchecked:
 * Initial alarm creation") or overwrites an alarm keeping its state; each minute of the endpoint's clock
 * (virtual in benchmarks) every alarm is evaluated against its metric's last EvaluationPeriods periods,
 * giving StateValue, StateReason, StateReasonData and the timestamps as CloudWatch does. Evaluation is lazy:
 * a call evaluates the minutes that passed since the last one (at most the last `maxCatchUpMinutes`).
 */

import type { AlarmSpec, DescribeAlarmsRequest, StateValue } from './alarm-input';
import { aggregate, type Datapoint, isPercentile } from './datapoints';
import { CloudWatchServiceError, invalidNextToken } from './errors';
import type { Json } from './input';

const minuteMs = 60_000;
const maxCatchUpMinutes = 15;
const accountId = '000000000000';

export interface AlarmState {
  spec: AlarmSpec;
  arn: string;
  configurationUpdatedAt: number;
  state: StateValue;
  reason: string;
  reasonData?: string;
  stateUpdatedAt: number;
  stateTransitionedAt: number;
  /** The last minute boundary the alarm was evaluated at. */
  evaluatedAt: number;
}

export interface AlarmBook {
  put(spec: AlarmSpec): void;
  describe(request: DescribeAlarmsRequest): Json;
  delete(names: readonly string[]): void;
  size(): number;
}

/** The datapoints of a metric (stored and derived) in [start, end). */
export type DatapointSource = (spec: AlarmSpec, start: number, end: number) => Datapoint[];

export const limitExceeded = (limit: number) =>
  new CloudWatchServiceError(
    'LimitExceededFault',
    'LimitExceeded',
    `The maximum number of alarms (${limit}) for this account in this Region has been reached.`,
  );

const comparisonText: Record<AlarmSpec['comparisonOperator'], string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

const breaches = (spec: AlarmSpec, value: number): boolean => {
  switch (spec.comparisonOperator) {
    case 'GreaterThanThreshold':
      return value > spec.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= spec.threshold;
    case 'LessThanThreshold':
      return value < spec.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= spec.threshold;
  }
};

/** CloudWatch's forms: `2026-12-01T12:04:00.000+0000` in StateReasonData, `01/12/26 12:04:00` in reasons. */
const dataTime = (at: number) => new Date(at).toISOString().replace('Z', '+0000');
const reasonTime = (at: number) => {
  const iso = new Date(at).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
};
const number = (value: number) => (Number.isInteger(value) ? value.toFixed(1) : String(value));

interface Verdict {
  state: StateValue;
  reason: string;
  reasonData?: string;
}

/** One evaluation at minute boundary `at`: the last EvaluationPeriods periods that ended by then. */
export const evaluateAlarm = (
  spec: AlarmSpec,
  current: StateValue,
  at: number,
  source: DatapointSource,
): Verdict => {
  const periodMs = spec.periodSeconds * 1000;
  const end = Math.floor(at / periodMs) * periodMs;
  const start = end - spec.evaluationPeriods * periodMs;
  const points = source(spec, start, end);
  const found = aggregate(points, periodMs, start, end, spec.statistic);
  const counts = aggregate(points, periodMs, start, end, 'SampleCount');
  const evaluated = found.timestamps
    .map((timestamp, index) => ({
      timestamp,
      value: found.values[index]!,
      sampleCount: counts.values[index]!,
    }))
    .sort((a, b) => b.timestamp - a.timestamp);
  const missing = spec.evaluationPeriods - evaluated.length;
  const breaching =
    evaluated.filter((point) => breaches(spec, point.value)).length +
    (spec.treatMissingData === 'breaching' ? missing : 0);
  if (evaluated.length === 0 && (spec.treatMissingData === 'missing' || spec.treatMissingData === 'ignore')) {
    if (spec.treatMissingData === 'ignore' && current !== 'INSUFFICIENT_DATA')
      return { state: current, reason: '' };
    const plural = spec.evaluationPeriods === 1 ? 'datapoint was' : 'datapoints were';
    return {
      state: 'INSUFFICIENT_DATA',
      reason: `Insufficient Data: ${spec.evaluationPeriods} ${plural} unknown.`,
    };
  }
  const state: StateValue = breaching >= spec.datapointsToAlarm ? 'ALARM' : 'OK';
  const recent = evaluated
    .map((point) => `${number(point.value)} (${reasonTime(point.timestamp)})`)
    .join(', ');
  const verb =
    state === 'ALARM'
      ? comparisonText[spec.comparisonOperator]
      : `not ${comparisonText[spec.comparisonOperator]}`;
  const reason =
    spec.evaluationPeriods === 1 && evaluated.length === 1
      ? `Threshold Crossed: 1 datapoint [${recent}] was ${verb} the threshold (${number(spec.threshold)}).`
      : `Threshold Crossed: ${state === 'ALARM' ? breaching : spec.evaluationPeriods - breaching} out of the last ${spec.evaluationPeriods} datapoints [${recent}] ${state === 'ALARM' ? 'were' : 'were not'} ${comparisonText[spec.comparisonOperator]} the threshold (${number(spec.threshold)}) (minimum ${spec.datapointsToAlarm} datapoint${spec.datapointsToAlarm === 1 ? '' : 's'} for ${state === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`;
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: dataTime(at),
    startDate: dataTime(start),
    statistic: spec.statistic,
    period: spec.periodSeconds,
    recentDatapoints: evaluated.map((point) => point.value),
    threshold: spec.threshold,
    evaluatedDatapoints: evaluated.map((point) => ({
      timestamp: dataTime(point.timestamp),
      sampleCount: point.sampleCount,
      value: point.value,
    })),
  });
  return { state, reason, reasonData };
};

const seconds = (ms: number) => ms / 1000;

const describeOne = (alarm: AlarmState): Json => {
  const { spec } = alarm;
  return {
    AlarmName: spec.name,
    AlarmArn: alarm.arn,
    ...(spec.description === undefined ? {} : { AlarmDescription: spec.description }),
    AlarmConfigurationUpdatedTimestamp: seconds(alarm.configurationUpdatedAt),
    ActionsEnabled: spec.actionsEnabled,
    OKActions: spec.okActions,
    AlarmActions: spec.alarmActions,
    InsufficientDataActions: spec.insufficientDataActions,
    StateValue: alarm.state,
    StateReason: alarm.reason,
    ...(alarm.reasonData === undefined ? {} : { StateReasonData: alarm.reasonData }),
    StateUpdatedTimestamp: seconds(alarm.stateUpdatedAt),
    MetricName: spec.metric.metricName,
    Namespace: spec.metric.namespace,
    ...(isPercentile(spec.statistic) ? { ExtendedStatistic: spec.statistic } : { Statistic: spec.statistic }),
    Dimensions: [...spec.metric.dimensions].map(([Name, Value]) => ({ Name, Value })),
    Period: spec.periodSeconds,
    ...(spec.unit === undefined ? {} : { Unit: spec.unit }),
    EvaluationPeriods: spec.evaluationPeriods,
    DatapointsToAlarm: spec.datapointsToAlarm,
    Threshold: spec.threshold,
    ComparisonOperator: spec.comparisonOperator,
    TreatMissingData: spec.treatMissingData,
    StateTransitionedTimestamp: seconds(alarm.stateTransitionedAt),
  };
};

const encodeToken = (name: string) => Buffer.from(JSON.stringify({ after: name })).toString('base64url');
const decodeToken = (token: string): string => {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // reported below
  }
  throw invalidNextToken();
};

export const createAlarmBook = (options: {
  clock: { now(): number };
  region: string;
  source: DatapointSource;
  /** Metric alarms this account may have (LimitExceededFault beyond). */
  maxAlarms: number;
}): AlarmBook => {
  const alarms = new Map<string, AlarmState>();

  /** Evaluates every alarm at each minute boundary that passed since its last evaluation. */
  const catchUp = () => {
    const now = options.clock.now();
    const boundary = Math.floor(now / minuteMs) * minuteMs;
    for (const alarm of alarms.values()) {
      if (alarm.evaluatedAt >= boundary) continue;
      const first = Math.max(alarm.evaluatedAt + minuteMs, boundary - (maxCatchUpMinutes - 1) * minuteMs);
      for (let at = first; at <= boundary; at += minuteMs) {
        const verdict = evaluateAlarm(alarm.spec, alarm.state, at, options.source);
        if (verdict.state !== alarm.state) {
          alarm.state = verdict.state;
          alarm.reason = verdict.reason;
          if (verdict.reasonData === undefined) delete alarm.reasonData;
          else alarm.reasonData = verdict.reasonData;
          alarm.stateUpdatedAt = at;
          alarm.stateTransitionedAt = at;
        }
      }
      alarm.evaluatedAt = boundary;
    }
  };

  return {
    put(spec) {
      catchUp();
      const now = options.clock.now();
      const existing = alarms.get(spec.name);
      if (existing) {
        // An update overwrites the configuration and leaves the state as it is.
        existing.spec = spec;
        existing.configurationUpdatedAt = now;
        return;
      }
      if (alarms.size >= options.maxAlarms) throw limitExceeded(options.maxAlarms);
      alarms.set(spec.name, {
        spec,
        arn: `arn:aws:cloudwatch:${options.region}:${accountId}:alarm:${spec.name}`,
        configurationUpdatedAt: now,
        state: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        stateUpdatedAt: now,
        stateTransitionedAt: now,
        evaluatedAt: Math.floor(now / minuteMs) * minuteMs,
      });
    },
    describe(request) {
      catchUp();
      const after = request.nextToken === undefined ? undefined : decodeToken(request.nextToken);
      const wanted = request.names ? new Set(request.names) : undefined;
      const matching = [...alarms.values()]
        .filter(
          (alarm) =>
            (!wanted || wanted.has(alarm.spec.name)) &&
            (request.prefix === undefined || alarm.spec.name.startsWith(request.prefix)) &&
            (request.state === undefined || alarm.state === request.state) &&
            (after === undefined || alarm.spec.name > after),
        )
        .sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
      const page = matching.slice(0, request.maxRecords);
      return {
        MetricAlarms: page.map(describeOne),
        CompositeAlarms: [],
        ...(matching.length > page.length ? { NextToken: encodeToken(page.at(-1)!.spec.name) } : {}),
      };
    },
    delete(names) {
      // Unknown names are skipped: the others are still deleted (DeleteAlarms).
      for (const name of names) alarms.delete(name);
    },
    size: () => alarms.size,
  };
};

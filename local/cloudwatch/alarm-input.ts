/**
 * Reading PutMetricAlarm, DescribeAlarms and DeleteAlarms (CloudWatch API reference): metric alarms on one
 * metric with a standard statistic or a percentile ExtendedStatistic (metric math, anomaly detection and
 * Metrics Insights alarms are not emulated and answer InvalidParameterValue), with the documented limits.
 */
import { isPercentile, isStatistic, type Statistic } from './datapoints';
import { invalidParameterCombination, invalidParameterValue, missingParameter } from './errors';
import {
  checkLength,
  type Json,
  type MetricIdentity,
  optionalList,
  optionalNumber,
  optionalString,
  readDimensions,
  requiredString,
} from './input';
import { isStandardUnit } from './put-metric-data';

export const comparisonOperators = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type ComparisonOperator = (typeof comparisonOperators)[number];
export const treatMissingDataValues = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;
export type TreatMissingData = (typeof treatMissingDataValues)[number];
export const stateValues = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type StateValue = (typeof stateValues)[number];

export interface AlarmSpec {
  name: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  metric: MetricIdentity;
  /** A standard statistic, or a percentile given as ExtendedStatistic (`p99`). */
  statistic: Statistic | `p${string}`;
  periodSeconds: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
}

/** DescribeAlarms: at most 100 alarm names and MaxRecords 1-100 (default 50); DeleteAlarms: 100 names. */
export const maxAlarmNames = 100;
export const defaultMaxRecords = 50;

const oneOf = <T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  path: string,
): T | undefined => {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw invalidParameterValue(
      `1 validation error detected: Value '${value}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  return value as T;
};

const stringList = (input: Json, field: string, max: number, path: string): string[] => {
  const list = optionalList(input, field, path) ?? [];
  if (list.length > max)
    throw invalidParameterValue(`The collection ${path} must not have a size greater than ${max}.`);
  return list.map((value, index) => {
    if (typeof value !== 'string')
      throw invalidParameterValue(`The parameter ${path}.member.${index + 1} must be a string.`);
    return value;
  });
};

const alarmName = (value: string, path: string) => {
  checkLength(value, 1, 255, path);
  return value;
};

const unsupported = ['Metrics', 'ThresholdMetricId', 'EvaluateLowSampleCountPercentile'];

export const readPutMetricAlarm = (input: Json): AlarmSpec => {
  const name = alarmName(requiredString(input, 'AlarmName', 'AlarmName'), 'AlarmName');
  for (const field of unsupported)
    if (input[field] !== undefined && input[field] !== null)
      throw invalidParameterValue(
        `The parameter ${field} is not supported by the local CloudWatch endpoint; use MetricName with Statistic.`,
      );
  const namespace = requiredString(input, 'Namespace', 'Namespace');
  const metricName = requiredString(input, 'MetricName', 'MetricName');
  checkLength(namespace, 1, 255, 'Namespace');
  checkLength(metricName, 1, 255, 'MetricName');
  const extended = optionalString(input, 'ExtendedStatistic', 'ExtendedStatistic');
  const standard = optionalString(input, 'Statistic', 'Statistic');
  if (extended !== undefined && standard !== undefined)
    throw invalidParameterCombination('Exactly one of Statistic and ExtendedStatistic must be specified.');
  if (extended !== undefined && !isPercentile(extended))
    throw invalidParameterValue(
      `The value ${extended} for parameter ExtendedStatistic is not supported: use a percentile, p0 to p100.`,
    );
  const statistic = extended ?? requiredString(input, 'Statistic', 'Statistic');
  if (extended === undefined && !isStatistic(statistic))
    throw invalidParameterValue(
      `1 validation error detected: Value '${statistic}' at 'statistic' failed to satisfy constraint: Member must satisfy enum value set: [SampleCount, Average, Sum, Minimum, Maximum]`,
    );
  const periodSeconds = optionalNumber(input, 'Period', 'Period');
  if (periodSeconds === undefined) throw missingParameter('Period');
  if (!Number.isInteger(periodSeconds) || (![10, 20, 30].includes(periodSeconds) && periodSeconds % 60 !== 0))
    throw invalidParameterValue('The parameter Period must be 10, 20, 30 or a multiple of 60.');
  const evaluationPeriods = optionalNumber(input, 'EvaluationPeriods', 'EvaluationPeriods');
  if (evaluationPeriods === undefined) throw missingParameter('EvaluationPeriods');
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1)
    throw invalidParameterValue('The parameter EvaluationPeriods must be an integer of at least 1.');
  if (periodSeconds * evaluationPeriods > 86_400)
    throw invalidParameterValue(
      'The evaluation period (Period x EvaluationPeriods) must not be longer than one day (86400 seconds).',
    );
  const datapointsToAlarm =
    optionalNumber(input, 'DatapointsToAlarm', 'DatapointsToAlarm') ?? evaluationPeriods;
  if (!Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods)
    throw invalidParameterValue('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  const threshold = optionalNumber(input, 'Threshold', 'Threshold');
  if (threshold === undefined) throw missingParameter('Threshold');
  const comparisonOperator = oneOf(
    requiredString(input, 'ComparisonOperator', 'ComparisonOperator'),
    comparisonOperators,
    'comparisonOperator',
  )!;
  const treatMissingData =
    oneOf(
      optionalString(input, 'TreatMissingData', 'TreatMissingData'),
      treatMissingDataValues,
      'treatMissingData',
    ) ?? 'missing';
  const unit = optionalString(input, 'Unit', 'Unit');
  if (unit !== undefined && !isStandardUnit(unit))
    throw invalidParameterValue(`The parameter Unit must be a standard unit, not ${unit}.`);
  const description = optionalString(input, 'AlarmDescription', 'AlarmDescription');
  if (description !== undefined) checkLength(description, 0, 1024, 'AlarmDescription');
  const actionsEnabled = input.ActionsEnabled ?? true;
  if (typeof actionsEnabled !== 'boolean')
    throw invalidParameterValue('The parameter ActionsEnabled must be a boolean.');
  return {
    name,
    ...(description === undefined ? {} : { description }),
    actionsEnabled,
    okActions: stringList(input, 'OKActions', 5, 'OKActions'),
    alarmActions: stringList(input, 'AlarmActions', 5, 'AlarmActions'),
    insufficientDataActions: stringList(input, 'InsufficientDataActions', 5, 'InsufficientDataActions'),
    metric: { namespace, metricName, dimensions: readDimensions(input.Dimensions, 'Dimensions') },
    statistic: statistic as Statistic | `p${string}`,
    periodSeconds,
    ...(unit === undefined ? {} : { unit }),
    evaluationPeriods,
    datapointsToAlarm,
    threshold,
    comparisonOperator,
    treatMissingData,
  };
};

export interface DescribeAlarmsRequest {
  names?: string[];
  prefix?: string;
  state?: StateValue;
  maxRecords: number;
  nextToken?: string;
}

export const readDescribeAlarms = (input: Json): DescribeAlarmsRequest => {
  const names = stringList(input, 'AlarmNames', maxAlarmNames, 'AlarmNames');
  for (const [index, name] of names.entries()) alarmName(name, `AlarmNames.member.${index + 1}`);
  const prefix = optionalString(input, 'AlarmNamePrefix', 'AlarmNamePrefix');
  if (prefix !== undefined) checkLength(prefix, 1, 255, 'AlarmNamePrefix');
  if (prefix !== undefined && names.length > 0)
    throw invalidParameterCombination('AlarmNamePrefix and AlarmNames cannot be specified together.');
  const maxRecords = optionalNumber(input, 'MaxRecords', 'MaxRecords') ?? defaultMaxRecords;
  if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100)
    throw invalidParameterValue('The parameter MaxRecords must be between 1 and 100.');
  const state = oneOf(optionalString(input, 'StateValue', 'StateValue'), stateValues, 'stateValue');
  const types = stringList(input, 'AlarmTypes', 2, 'AlarmTypes');
  for (const type of types) oneOf(type, ['MetricAlarm', 'CompositeAlarm'] as const, 'alarmTypes');
  const nextToken = optionalString(input, 'NextToken', 'NextToken');
  return {
    ...(names.length > 0 ? { names } : {}),
    ...(prefix === undefined ? {} : { prefix }),
    ...(state === undefined ? {} : { state }),
    maxRecords,
    ...(nextToken === undefined ? {} : { nextToken }),
  };
};

export const readDeleteAlarms = (input: Json): string[] => {
  if (input.AlarmNames === undefined || input.AlarmNames === null) throw missingParameter('AlarmNames');
  const names = stringList(input, 'AlarmNames', maxAlarmNames, 'AlarmNames');
  for (const [index, name] of names.entries()) alarmName(name, `AlarmNames.member.${index + 1}`);
  return names;
};

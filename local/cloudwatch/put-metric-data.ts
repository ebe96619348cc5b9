/**
 * PutMetricData (CloudWatch API reference): up to 1,000 MetricDatum a call, each a Value, a StatisticSet,
 * or Values/Counts (up to 150); timestamps from two weeks back to two hours ahead; no `AWS/` namespaces.
 */
import { type Datapoint, single } from './datapoints';
import { invalidParameterCombination, invalidParameterValue, missingParameter } from './errors';
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

const week = 7 * 24 * 3_600_000;
const units = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

export const isStandardUnit = (unit: string) => units.has(unit);

/** CloudWatch rejects values too small or too large for its storage (API reference, MetricDatum.Value). */
const checkValue = (value: number, path: string) => {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 8.51592e-109 || magnitude > 1.174271e108))
    throw invalidParameterValue(`The value ${value} for parameter ${path} is out of range.`);
};

export interface PutDatum {
  metric: MetricIdentity;
  points: Datapoint[];
}

export const readPutMetricData = (input: Json, now: number): PutDatum[] => {
  const namespace = requiredString(input, 'Namespace', 'Namespace');
  checkLength(namespace, 1, 255, 'Namespace');
  if (namespace.startsWith(':') || namespace.startsWith('AWS/'))
    throw invalidParameterValue(`The value ${namespace} for parameter Namespace is invalid.`);
  const data = optionalList(input, 'MetricData', 'MetricData') ?? [];
  if (data.length === 0 && input.EntityMetricData === undefined) throw missingParameter('MetricData');
  if (data.length > 1000)
    throw invalidParameterValue('The collection MetricData must not have a size greater than 1000.');
  return data.map((raw, index) => {
    const path = `MetricData.member.${index + 1}`;
    if (!isObject(raw)) throw missingParameter(`${path}.MetricName`);
    const metricName = requiredString(raw, 'MetricName', `${path}.MetricName`);
    checkLength(metricName, 1, 255, `${path}.MetricName`);
    const dimensions = readDimensions(raw.Dimensions, `${path}.Dimensions`);
    const unit = optionalString(raw, 'Unit', `${path}.Unit`);
    if (unit !== undefined && !units.has(unit))
      throw invalidParameterValue(`The value ${unit} for parameter ${path}.Unit is not a valid unit.`);
    const resolution = optionalNumber(raw, 'StorageResolution', `${path}.StorageResolution`) ?? 60;
    if (resolution !== 1 && resolution !== 60)
      throw invalidParameterValue(`The parameter ${path}.StorageResolution must be 1 or 60.`);
    let at = optionalTimestamp(raw, 'Timestamp', `${path}.Timestamp`) ?? now;
    if (at < now - 2 * week)
      throw invalidParameterValue(
        `The parameter ${path}.Timestamp must specify a time no more than two weeks in the past.`,
      );
    if (at > now + 2 * 3_600_000)
      throw invalidParameterValue(
        `The parameter ${path}.Timestamp must specify a time no more than two hours in the future.`,
      );
    // Standard resolution keeps one-minute granularity.
    if (resolution === 60) at = Math.floor(at / 60_000) * 60_000;
    else at = Math.floor(at / 1000) * 1000;

    const value = optionalNumber(raw, 'Value', `${path}.Value`);
    const statisticValues = raw.StatisticValues;
    const values = optionalList(raw, 'Values', `${path}.Values`);
    const given = [value !== undefined, statisticValues != null, values !== undefined].filter(Boolean).length;
    if (given > 1)
      throw invalidParameterCombination(
        `The parameters ${path}.Value, ${path}.StatisticValues and ${path}.Values are mutually exclusive and you have specified more than one.`,
      );
    let points: Datapoint[];
    if (value !== undefined) {
      checkValue(value, `${path}.Value`);
      points = [single(at, value, unit)];
    } else if (statisticValues != null) {
      const setPath = `${path}.StatisticValues`;
      if (!isObject(statisticValues)) throw missingParameter(`${setPath}.SampleCount`);
      const field = (name: string) => {
        const number = optionalNumber(statisticValues, name, `${setPath}.${name}`);
        if (number === undefined) throw missingParameter(`${setPath}.${name}`);
        checkValue(number, `${setPath}.${name}`);
        return number;
      };
      const set = {
        sampleCount: field('SampleCount'),
        sum: field('Sum'),
        minimum: field('Minimum'),
        maximum: field('Maximum'),
      };
      if (set.sampleCount <= 0 || set.minimum > set.maximum)
        throw invalidParameterValue(`The parameter ${setPath} is not a valid statistic set.`);
      points = [{ at, ...set, ...(unit ? { unit } : {}) }];
    } else if (values !== undefined) {
      if (values.length > 150)
        throw invalidParameterValue(`The collection ${path}.Values must not have a size greater than 150.`);
      const counts = optionalList(raw, 'Counts', `${path}.Counts`);
      if (counts && counts.length !== values.length)
        throw invalidParameterValue(
          `The parameters ${path}.Values and ${path}.Counts must be of the same size.`,
        );
      points = values.map((entry, position) => {
        const count = counts ? counts[position] : 1;
        if (typeof entry !== 'number' || typeof count !== 'number' || !Number.isFinite(entry) || count <= 0)
          throw invalidParameterValue(`The parameter ${path}.Values.member.${position + 1} is not valid.`);
        checkValue(entry, `${path}.Values.member.${position + 1}`);
        return {
          at,
          sampleCount: count,
          sum: entry * count,
          minimum: entry,
          maximum: entry,
          ...(unit ? { unit } : {}),
        };
      });
    } else throw missingParameter(`${path}.Value`);
    return { metric: { namespace, metricName, dimensions }, points };
  });
};

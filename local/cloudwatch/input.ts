/** Reading CloudWatch's JSON input, with errors named as CloudWatch names parameters (`X.member.N.Y`). */
import { invalidParameterValue, missingParameter } from './errors';

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const optionalString = (input: Json, field: string, path: string): string | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameterValue(`The parameter ${path} must be a string.`);
  return value;
};

export const requiredString = (input: Json, field: string, path: string): string => {
  const value = optionalString(input, field, path);
  if (value === undefined) throw missingParameter(path);
  return value;
};

export const optionalNumber = (input: Json, field: string, path: string): number | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalidParameterValue(`The parameter ${path} must be a number.`);
  return value;
};

export const optionalList = (input: Json, field: string, path: string): unknown[] | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParameterValue(`The parameter ${path} must be a list.`);
  return value;
};

export const checkLength = (value: string, min: number, max: number, path: string) => {
  if (value.length < min || value.length > max)
    throw invalidParameterValue(`The parameter ${path} must be between ${min} and ${max} characters long.`);
};

/** A timestamp as the JSON protocols send it (epoch seconds), or as ISO 8601 text; epoch ms out. */
export const optionalTimestamp = (input: Json, field: string, path: string): number | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  const ms =
    typeof value === 'number'
      ? value * 1000
      : typeof value === 'string'
        ? /^\d+(\.\d+)?$/.test(value)
          ? Number(value) * 1000
          : Date.parse(value)
        : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidParameterValue(`The parameter ${path} must be a timestamp.`);
  return ms;
};

export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: ReadonlyMap<string, string>;
}

export const readDimensions = (value: unknown, path: string): Map<string, string> => {
  const dimensions = new Map<string, string>();
  if (value === undefined || value === null) return dimensions;
  if (!Array.isArray(value)) throw invalidParameterValue(`The parameter ${path} must be a list.`);
  if (value.length > 30)
    throw invalidParameterValue(`The collection ${path} must not have a size greater than 30.`);
  value.forEach((raw, index) => {
    const at = `${path}.member.${index + 1}`;
    if (!isObject(raw)) throw missingParameter(`${at}.Name`);
    const name = requiredString(raw, 'Name', `${at}.Name`);
    const dimensionValue = requiredString(raw, 'Value', `${at}.Value`);
    checkLength(name, 1, 255, `${at}.Name`);
    checkLength(dimensionValue, 1, 1024, `${at}.Value`);
    if (dimensions.has(name))
      throw invalidParameterValue(`No metric may have duplicate dimensions: ${path} repeats ${name}.`);
    dimensions.set(name, dimensionValue);
  });
  return dimensions;
};

/** One key per metric: namespace, name and dimensions in name order (their order does not matter). */
export const metricKey = (metric: MetricIdentity) =>
  JSON.stringify([
    metric.namespace,
    metric.metricName,
    [...metric.dimensions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);

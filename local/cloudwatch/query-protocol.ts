/**
 * CloudWatch's older awsQuery form, which CLIs and SDKs from before the move to JSON still send: a
 * form-encoded body with `Action`, `Version` and flattened parameters (`MetricDataQueries.member.1.Id`),
 * answered in XML. Parameters are turned into the JSON input the engine reads; answers back into XML.
 */
import type { CloudWatchServiceError } from './errors';
import type { Json } from './input';

const xmlNamespace = 'http://monitoring.amazonaws.com/doc/2010-08-01/';
const numberFields = new Set([
  'Period',
  'Value',
  'StorageResolution',
  'MaxDatapoints',
  'SampleCount',
  'Sum',
  'Minimum',
  'Maximum',
  'Threshold',
  'EvaluationPeriods',
  'DatapointsToAlarm',
  'MaxRecords',
]);
const numberListFields = new Set(['Values', 'Counts']);
const booleanFields = new Set(['ReturnData', 'StrictEntityValidation', 'ActionsEnabled']);
/** Timestamps travel as epoch seconds in JSON answers and as ISO 8601 in XML ones. */
const timestampFields = new Set([
  'AlarmConfigurationUpdatedTimestamp',
  'StateUpdatedTimestamp',
  'StateTransitionedTimestamp',
]);

type Tree = { [key: string]: Tree | string };

const leaf = (field: string, value: string, inNumberList: boolean): unknown => {
  if (inNumberList || numberFields.has(field)) {
    const number = Number(value);
    return value.trim() === '' || !Number.isFinite(number) ? value : number;
  }
  if (booleanFields.has(field)) return value === 'true' ? true : value === 'false' ? false : value;
  return value;
};

/** `A.member.2.B` keys to nested objects and lists (lists ordered by their 1-based index). */
const build = (tree: Tree | string, field: string, inNumberList = false): unknown => {
  if (typeof tree === 'string') return leaf(field, tree, inNumberList);
  const keys = Object.keys(tree);
  if (keys.length === 1 && keys[0] === 'member') {
    const members = tree.member as Tree;
    return Object.keys(members)
      .filter((index) => /^\d+$/.test(index))
      .sort((a, b) => Number(a) - Number(b))
      .map((index) => build(members[index]!, field, numberListFields.has(field)));
  }
  const object: Json = {};
  for (const key of keys) object[key] = build(tree[key]!, key);
  return object;
};

export const queryToJson = (body: string): { action: string; input: Json } => {
  const params = new URLSearchParams(body);
  const tree: Tree = {};
  let action = '';
  for (const [key, value] of params) {
    if (key === 'Action') {
      action = value;
      continue;
    }
    if (key === 'Version') continue;
    const parts = key.split('.');
    let node = tree;
    parts.forEach((part, index) => {
      if (index === parts.length - 1) node[part] = value;
      else {
        const next = node[part];
        const child: Tree = typeof next === 'object' ? next : {};
        node[part] = child;
        node = child;
      }
    });
  }
  return { action, input: build(tree, '') as Json };
};

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const toXml = (value: unknown, isoTimestamps: boolean): string => {
  if (Array.isArray(value))
    return value.map((item) => `<member>${toXml(item, isoTimestamps)}</member>`).join('');
  if (value !== null && typeof value === 'object')
    return Object.entries(value as Json)
      .map(([key, child]) =>
        timestampFields.has(key)
          ? `<${key}>${new Date((child as number) * 1000).toISOString()}</${key}>`
          : key === 'Timestamps'
            ? `<${key}>${toXml(
                (child as number[]).map((seconds) => new Date(seconds * 1000).toISOString()),
                false,
              )}</${key}>`
            : `<${key}>${toXml(child, isoTimestamps)}</${key}>`,
      )
      .join('');
  return escapeXml(String(value));
};

export const queryResponseXml = (action: string, output: Json, requestId: string): string => {
  const result =
    Object.keys(output).length > 0 ? `<${action}Result>${toXml(output, true)}</${action}Result>` : '';
  return `<${action}Response xmlns="${xmlNamespace}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
};

export const queryErrorXml = (error: CloudWatchServiceError, requestId: string): string =>
  `<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;

/**
 * CloudWatch's older awsQuery form, which CLIs and SDKs from before the move to JSON still send: a
 * form-encoded body with `Action`, `Version` and flattened parameters (`MetricDataQueries.member.1.Id`),
 * answered in XML. Parameters are turned into the JSON input the engine reads, typed by the CloudWatch model
 * (numbers, booleans, empty lists); answers back into XML.
 */
import { type Shape, serviceModel } from '../models/model';
import type { CloudWatchServiceError } from './errors';
import type { Json } from './input';

const xmlNamespace = 'http://monitoring.amazonaws.com/doc/2010-08-01/';
/** Timestamps travel as epoch seconds in JSON answers and as ISO 8601 in XML ones. */
const timestampFields = new Set([
  'AlarmConfigurationUpdatedTimestamp',
  'StateUpdatedTimestamp',
  'StateTransitionedTimestamp',
]);

type Tree = { [key: string]: Tree | string };

/** A parameter's text as its shape's type in the CloudWatch model: numbers and booleans as JSON has them. */
const leaf = (shape: Shape | undefined, value: string): unknown => {
  switch (shape?.type) {
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const number = Number(value);
      return value.trim() === '' || !Number.isFinite(number) ? value : number;
    }
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'list':
      return value === '' ? [] : value;
    default:
      return value;
  }
};

/** `A.member.2.B` keys to nested objects and lists (lists ordered by their 1-based index), typed by the model. */
const build = (tree: Tree | string, shapeName: string | undefined): unknown => {
  const shape = shapeName === undefined ? undefined : serviceModel('cloudwatch').shapes[shapeName];
  if (typeof tree === 'string') return leaf(shape, tree);
  const keys = Object.keys(tree);
  if (keys.length === 1 && keys[0] === 'member') {
    const members = tree.member as Tree;
    return Object.keys(members)
      .filter((index) => /^\d+$/.test(index))
      .sort((a, b) => Number(a) - Number(b))
      .map((index) => build(members[index]!, shape?.member?.shape));
  }
  const object: Json = {};
  for (const key of keys) object[key] = build(tree[key]!, shape?.members?.[key]?.shape);
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
  const input = serviceModel('cloudwatch').operations[action]?.input?.shape;
  return { action, input: build(tree, input) as Json };
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

/** Reading ECS request fields, tags and page tokens, answering bad input as ECS does. */
import { invalidParameter } from './errors';
import type { Tag } from './model';
import type { Json } from './types';

export const optionalString = (input: Json, field: string): string | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string.`);
  return value;
};

export const optionalInt = (input: Json, field: string): number | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalidParameter(`${field} must be an integer.`);
  return value;
};

export const optionalArray = (input: Json, field: string): unknown[] | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParameter(`${field} must be a list.`);
  return value;
};

export const readTags = (value: unknown): Tag[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameter('tags must be a list.');
  if (value.length > 50)
    throw invalidParameter('The specified tags exceed the maximum of 50 tags per resource.');
  return value.map((raw) => {
    const tag = (raw ?? {}) as Json;
    const key = tag.key;
    const tagValue = tag.value ?? '';
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
      throw invalidParameter('Tag keys must be between 1 and 128 characters.');
    }
    if (typeof tagValue !== 'string' || tagValue.length > 256) {
      throw invalidParameter('Tag values must be at most 256 characters.');
    }
    return { key, value: tagValue };
  });
};

export const mergeTags = (current: Tag[], added: Tag[]): Tag[] => {
  const byKey = new Map(current.map((tag) => [tag.key, tag.value]));
  for (const tag of added) byKey.set(tag.key, tag.value);
  if (byKey.size > 50)
    throw invalidParameter('The specified tags exceed the maximum of 50 tags per resource.');
  return [...byKey].map(([key, value]) => ({ key, value }));
};

/** Key-sorted JSON, so two RunTask bodies with the same parameters hash alike. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Json)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

export const encodeToken = (position: number) =>
  Buffer.from(JSON.stringify({ p: position })).toString('base64url');

export const decodeToken = (token: string | undefined): number | undefined => {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { p?: unknown };
    if (typeof parsed.p === 'number') return parsed.p;
  } catch {
    // falls through to the error below
  }
  throw invalidParameter('Invalid nextToken.');
};

export const checkMaxResults = (maxResults: number | undefined) => {
  if (maxResults !== undefined && (maxResults < 1 || maxResults > 100)) {
    throw invalidParameter('maxResults must be between 1 and 100.');
  }
};

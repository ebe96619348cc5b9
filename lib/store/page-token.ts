/**
 * The one page-token codec: a nextToken is the JSON of where the next page starts, base64url-encoded.
 * Each list says what a position of its own looks like; a token that is not one is a 400.
 */
import { ValidationError } from '../errors';
import type { ItemKey } from './keys';

export const encodePageToken = (position: unknown): string =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

/** The position a token names, if `accept` recognises it as one of its list's; a ValidationError otherwise. */
export const decodePageToken = <T>(token: string, accept: (parsed: unknown) => T | undefined): T => {
  let position: T | undefined;
  try {
    position = accept(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    // the error below
  }
  if (position !== undefined) return position;
  throw new ValidationError('Invalid nextToken: it must be a token returned by an earlier page of this list');
};

const asRecord = (parsed: unknown): Record<string, unknown> =>
  typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};

/** A table page's token: DynamoDB's LastEvaluatedKey; it must stay within the partition asked for. */
export const encodeKeyPageToken = (lastKey: Record<string, unknown> | undefined): string | undefined =>
  lastKey ? encodePageToken({ PK: lastKey.PK, SK: lastKey.SK }) : undefined;

export const decodeKeyPageToken = (token: string | undefined, partition: string): ItemKey | undefined =>
  token === undefined
    ? undefined
    : decodePageToken(token, (parsed) => {
        const { PK, SK } = asRecord(parsed);
        return PK === partition && typeof SK === 'string' ? { PK, SK } : undefined;
      });

/** A page token of the sparse alive-tasks index: the table key plus the index key, within one index partition. */
export const encodeIndexPageToken = (lastKey: Record<string, unknown> | undefined): string | undefined =>
  lastKey
    ? encodePageToken({ PK: lastKey.PK, SK: lastKey.SK, GSI1PK: lastKey.GSI1PK, GSI1SK: lastKey.GSI1SK })
    : undefined;

export const decodeIndexPageToken = (
  token: string | undefined,
  indexPartition: string,
): Record<string, string> | undefined =>
  token === undefined
    ? undefined
    : decodePageToken(token, (parsed) => {
        const { PK, SK, GSI1PK, GSI1SK } = asRecord(parsed);
        return GSI1PK === indexPartition &&
          typeof PK === 'string' &&
          typeof SK === 'string' &&
          typeof GSI1SK === 'string'
          ? { PK, SK, GSI1PK, GSI1SK }
          : undefined;
      });

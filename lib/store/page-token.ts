import { ValidationError } from '../errors';
import type { ItemKey } from './keys';

/** nextToken is the DynamoDB LastEvaluatedKey, base64url-encoded; it must stay within the partition asked for. */
export const encodePageToken = (lastKey: Record<string, unknown> | undefined): string | undefined =>
  lastKey ? Buffer.from(JSON.stringify({ PK: lastKey.PK, SK: lastKey.SK })).toString('base64url') : undefined;

export const decodePageToken = (token: string | undefined, partition: string): ItemKey | undefined => {
  if (token === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'PK' in parsed &&
      'SK' in parsed &&
      parsed.PK === partition &&
      typeof parsed.SK === 'string'
    ) {
      return { PK: parsed.PK, SK: parsed.SK };
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('Invalid nextToken: it must be a token returned by an earlier page of this list');
};

/** A page token of the sparse alive-tasks index: the table key plus the index key, within one index partition. */
export const encodeIndexPageToken = (lastKey: Record<string, unknown> | undefined): string | undefined =>
  lastKey
    ? Buffer.from(
        JSON.stringify({ PK: lastKey.PK, SK: lastKey.SK, GSI1PK: lastKey.GSI1PK, GSI1SK: lastKey.GSI1SK }),
      ).toString('base64url')
    : undefined;

export const decodeIndexPageToken = (
  token: string | undefined,
  indexPartition: string,
): Record<string, string> | undefined => {
  if (token === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const { PK, SK, GSI1PK, GSI1SK } = parsed as Record<string, unknown>;
      if (
        GSI1PK === indexPartition &&
        typeof PK === 'string' &&
        typeof SK === 'string' &&
        typeof GSI1SK === 'string'
      ) {
        return { PK, SK, GSI1PK, GSI1SK };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('Invalid nextToken: it must be a token returned by an earlier page of this list');
};

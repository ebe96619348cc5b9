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

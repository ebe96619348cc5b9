/**
 * The page token of the cluster-wide task listing (GET /clusters/{cluster}/tasks without serviceName).
 */
import { decodePageToken, encodePageToken } from '../store/page-token';

/** The cluster-wide listing's position: the alive index first, then stopped tasks partition by partition. */
export type ListCursor =
  | { phase: 'alive'; token?: string }
  | {
      phase: 'stopped';
      /** The partition being read: `-` (tasks no service claims) first, then each service by name. */
      partition: string;
      token?: string;
      /** listServices' token for the service after `partition`; null when it was the last. */
      services?: string | null;
    };

export const encodeCursor = (cursor: ListCursor): string => encodePageToken(cursor);

export const decodeCursor = (token: string | undefined): ListCursor => {
  if (token === undefined) return { phase: 'alive' };
  return decodePageToken(token, (parsed) => {
    const cursor = parsed as Record<string, unknown>;
    const optionalString = (value: unknown) => value === undefined || typeof value === 'string';
    if (cursor.phase === 'alive' && optionalString(cursor.token)) return cursor as ListCursor;
    if (
      cursor.phase === 'stopped' &&
      typeof cursor.partition === 'string' &&
      optionalString(cursor.token) &&
      (cursor.services === null || optionalString(cursor.services))
    ) {
      return cursor as ListCursor;
    }
    return undefined;
  });
};

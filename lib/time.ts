/** Tugboat's time conversions: instants are epoch milliseconds in code and ISO 8601 strings in storage. */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const DAY_SECONDS = DAY_MS / SECOND_MS;

/** The ISO 8601 string of an epoch-ms instant. */
export const isoOf = (epochMs: number): string => new Date(epochMs).toISOString();

/** The epoch-ms instant of an ISO string; undefined for none or one that does not parse. */
export const epochOf = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? undefined : parsed;
};

/** An SDK timestamp (a Date) or an event's (already a string) as an ISO string. */
export const isoOfTimestamp = (value: Date | string | undefined): string | undefined =>
  value instanceof Date ? value.toISOString() : value;

/** Whole seconds since the epoch, as DynamoDB's TTL attributes take them. */
export const epochSeconds = (epochMs: number): number => Math.floor(epochMs / SECOND_MS);

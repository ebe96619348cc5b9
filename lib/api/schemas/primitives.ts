/** The building blocks every response schema shares: an instant, a page of a list. */
import * as z from 'zod';

/** An ISO-8601 instant, as every time the API answers. */
export const timestamp = z.string().meta({ format: 'date-time' });
/** A page of a list: `{ items, nextToken? }`. */
export const page = <T extends z.ZodType>(
  item: T,
  nextToken = 'Pass as nextToken for the next page; absent on the last page.',
) => z.strictObject({ items: z.array(item), nextToken: z.string().describe(nextToken).optional() });

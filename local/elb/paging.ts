/** Marker/PageSize paging of the Describe actions; a marker names the last item shown by its sequence number. */
import { constraintError, validationError } from './errors';
import type { QueryInput } from './query';

const encodeMarker = (seq: number) => Buffer.from(`tg:${seq}`).toString('base64');
const decodeMarker = (marker: string): number => {
  const match = /^tg:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'));
  if (!match) throw validationError('The marker is not valid');
  return Number(match[1]);
};

/** One page of `selected` (in the order given) after the item the request's Marker names, and the next marker. */
export const page = <Item extends { seq: number }>(
  selected: Item[],
  input: QueryInput,
): { items: Item[]; nextMarker: string | undefined } => {
  const pageSizeText = input.PageSize;
  const pageSize = pageSizeText === undefined ? 400 : Number(pageSizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 400)
    throw constraintError('pageSize', pageSizeText, 'Member must have value between 1 and 400');
  const after = typeof input.Marker === 'string' && input.Marker !== '' ? decodeMarker(input.Marker) : -1;
  const at = selected.findIndex((item) => item.seq === after);
  // The marked item may be gone since: then the page starts at the first later-created item.
  const start = at >= 0 ? at + 1 : selected.findIndex((item) => item.seq > after);
  const taken = start < 0 ? [] : selected.slice(start, start + pageSize + 1);
  const items = taken.slice(0, pageSize);
  return {
    items,
    nextMarker: taken.length > pageSize && items.length > 0 ? encodeMarker(items.at(-1)!.seq) : undefined,
  };
};

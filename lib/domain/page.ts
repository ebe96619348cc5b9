/** One page of a listing, with the token of the next page when there is one. */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

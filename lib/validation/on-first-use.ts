/**
 * A value built on its first use rather than at module load, once. For a request schema only some
 * requests need: building zod schemas is most of what loading them costs, and every cold start of a
 * function that bundles one paid for it (cold start, docs/performance.md).
 */
export const onFirstUse = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
};

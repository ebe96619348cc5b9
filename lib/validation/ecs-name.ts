// zod/mini: the reconcile worker checks names on every message and should not load the full zod for it.
import * as z from 'zod/mini';

/** ECS names (family, container, service, cluster): up to 255 letters, digits, hyphens and underscores. */
export const ECS_NAME = {
  max: 255,
  pattern: /^[A-Za-z0-9_-]+$/,
  empty: 'must not be empty',
  tooLong: 'must be at most 255 characters',
  characters: 'may contain only letters, digits, hyphens (-) and underscores (_)',
} as const;

/** The ECS name rule as a zod/mini schema, for the functions that load no other schema. */
export const ecsNameMini = z
  .string()
  .check(
    z.minLength(1, ECS_NAME.empty),
    z.maxLength(ECS_NAME.max, ECS_NAME.tooLong),
    z.regex(ECS_NAME.pattern, ECS_NAME.characters),
  );

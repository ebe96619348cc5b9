import type * as z from 'zod/v4/core';
import { ValidationError } from '../errors';

export interface FieldIssue {
  field?: string;
  message: string;
}

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part),
    '',
  );

const toFieldIssues = (issue: z.$ZodIssue): FieldIssue[] => {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: formatPath([...issue.path, key]), message: 'unknown field' }));
  }
  const field = formatPath(issue.path);
  return [field ? { field, message: issue.message } : { message: issue.message }];
};

/** Parses with a zod schema; a failure becomes one ValidationError naming each wrong field and why. */
export const parseInput = <
  S extends z.$ZodType & { safeParse(input: unknown): z.util.SafeParseResult<z.output<S>> },
>(
  schema: S,
  input: unknown,
  what = 'request body',
): z.output<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap(toFieldIssues);
  const summary = issues
    .map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message))
    .join('; ');
  throw new ValidationError(`Invalid ${what}: ${summary}`, { issues });
};

/** What `apply -f` compares with for a service and for a job: task definitions, and stored against desired. */
import { dump } from 'js-yaml';

/** The fields of a task definition that make a revision; the rest is bookkeeping the API adds. */
const TASK_DEFINITION_FIELDS = [
  'family',
  'cpu',
  'memory',
  'containerDefinitions',
  'executionRoleArn',
  'taskRoleArn',
  'tags',
];
export const comparableTaskDefinition = (definition: Record<string, unknown>) => {
  const result: Record<string, unknown> = {};
  for (const field of TASK_DEFINITION_FIELDS) {
    const value = definition[field];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    result[field] = field === 'cpu' || field === 'memory' ? String(value) : value;
  }
  return result;
};

/** `stored` cut down to the keys `desired` names, recursively: a PATCH changes only what it names. */
export const projectOnto = (stored: unknown, desired: unknown): unknown => {
  // Element by element: a policy in a list compares on the fields the file names too.
  if (Array.isArray(stored) && Array.isArray(desired) && stored.length === desired.length)
    return stored.map((value, index) => projectOnto(value, desired[index]));
  if (
    !desired ||
    typeof desired !== 'object' ||
    Array.isArray(desired) ||
    !stored ||
    typeof stored !== 'object'
  )
    return stored;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(desired)) {
    const value = (stored as Record<string, unknown>)[key];
    if (value !== undefined) result[key] = projectOnto(value, (desired as Record<string, unknown>)[key]);
  }
  return result;
};

export const yaml = (value: unknown) =>
  value === undefined ? '' : dump(value, { lineWidth: 120, noRefs: true, skipInvalid: true }).trimEnd();

/**
 * A request held to its operation's input shape, as AWS's front end holds it before the service sees it:
 * required members, enums, length and value ranges, patterns. Each local endpoint calls this before it
 * dispatches and answers the violations with its service's validation error (ECS InvalidParameterException,
 * ELB ValidationError, CloudWatch MissingParameter / InvalidParameterValue).
 *
 * A value of the wrong type is left alone here: each endpoint's readers answer those as they always have.
 * On the query protocol every scalar arrives as text, so numbers are read from it and an empty list is ''.
 */
import { patternOf, type ServiceModel, shapeOf } from './model';

export type Wire = 'json' | 'query';

export interface Violation {
  /** Member names and 1-based list positions from the input's root. */
  path: (string | number)[];
  kind: 'required' | 'enum' | 'length' | 'range' | 'pattern';
  value: unknown;
  /** Coral's wording: "Member must have value greater than or equal to 5". */
  constraint: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const numberOf = (value: unknown, wire: Wire): number | undefined => {
  if (typeof value === 'number') return value;
  if (wire === 'query' && typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    if (Number.isFinite(number)) return number;
  }
  return undefined;
};

const listOf = (value: unknown, wire: Wire): unknown[] | undefined =>
  Array.isArray(value) ? value : wire === 'query' && value === '' ? [] : undefined;

export const violationsOf = (
  model: ServiceModel,
  shapeName: string,
  input: unknown,
  wire: Wire,
): Violation[] => {
  const found: Violation[] = [];
  const walk = (name: string, value: unknown, path: (string | number)[]) => {
    if (value === undefined || value === null) return;
    const shape = shapeOf(model, name);
    const limits = (size: number, unit: 'length' | 'value') => {
      const kind = unit === 'length' ? 'length' : 'range';
      if (shape.min !== undefined && size < shape.min)
        found.push({
          path,
          kind,
          value,
          constraint: `Member must have ${unit} greater than or equal to ${shape.min}`,
        });
      if (shape.max !== undefined && size > shape.max)
        found.push({
          path,
          kind,
          value,
          constraint: `Member must have ${unit} less than or equal to ${shape.max}`,
        });
    };
    switch (shape.type) {
      case 'structure': {
        if (!isObject(value)) return;
        for (const member of shape.required ?? []) {
          if (value[member] === undefined || value[member] === null)
            found.push({
              path: [...path, member],
              kind: 'required',
              value: null,
              constraint: 'Member must not be null',
            });
        }
        for (const [member, ref] of Object.entries(shape.members ?? {}))
          if (Object.hasOwn(value, member)) walk(ref.shape, value[member], [...path, member]);
        return;
      }
      case 'list': {
        const list = listOf(value, wire);
        if (!list || !shape.member) return;
        limits(list.length, 'length');
        list.forEach((item, index) => {
          walk(shape.member!.shape, item, [...path, index + 1]);
        });
        return;
      }
      case 'map': {
        if (!isObject(value) || !shape.value) return;
        limits(Object.keys(value).length, 'length');
        for (const [key, item] of Object.entries(value)) {
          if (shape.key) walk(shape.key.shape, key, [...path, key]);
          walk(shape.value.shape, item, [...path, key]);
        }
        return;
      }
      case 'string': {
        if (typeof value !== 'string') return;
        if (shape.enum && !shape.enum.includes(value)) {
          found.push({
            path,
            kind: 'enum',
            value,
            constraint: `Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
          });
          return;
        }
        limits([...value].length, 'length');
        const pattern = shape.pattern === undefined ? undefined : patternOf(shape.pattern);
        if (pattern && !pattern.test(value))
          found.push({
            path,
            kind: 'pattern',
            value,
            constraint: `Member must satisfy regular expression pattern: ${shape.pattern}`,
          });
        return;
      }
      case 'integer':
      case 'long':
      case 'double':
      case 'float': {
        const number = numberOf(value, wire);
        if (number !== undefined) limits(number, 'value');
        return;
      }
      default:
        return;
    }
  };
  walk(shapeName, input, []);
  return found;
};

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** Coral's path: `targets.1.member.port`, member names in lower camel case. */
export const coralPath = (path: (string | number)[]): string =>
  path.map((step) => (typeof step === 'number' ? `${step}.member` : lowerFirst(step))).join('.');

/** The query protocol's parameter name: `MetricDataQueries.member.1.Id`. */
export const queryPath = (path: (string | number)[]): string =>
  path.map((step) => (typeof step === 'number' ? `member.${step}` : step)).join('.');

const shown = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(shown).join(', ')}]`
    : isObject(value)
      ? JSON.stringify(value)
      : String(value);

/** "2 validation errors detected: Value '4' at 'port' failed to satisfy constraint: ...; Value null at ..." */
export const validationMessage = (violations: Violation[], path = coralPath): string => {
  const parts = violations.map(
    (violation) =>
      `Value ${violation.kind === 'required' ? 'null' : `'${shown(violation.value)}'`} at '${path(violation.path)}' failed to satisfy constraint: ${violation.constraint}`,
  );
  const count = violations.length;
  return `${count} validation error${count === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
};

/** The violations of one operation's request; an operation outside the model has none here. */
export const requestViolations = (
  model: ServiceModel,
  operation: string,
  input: unknown,
  wire: Wire,
): Violation[] => {
  const shape = model.operations[operation]?.input?.shape;
  return shape ? violationsOf(model, shape, input ?? {}, wire) : [];
};

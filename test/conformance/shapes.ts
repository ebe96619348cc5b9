/**
 * The conformance test's use of a service model: values generated from shapes (a minimal valid value, the
 * values that break each constraint), the requests that break one rule each, and an answer walked against
 * its output shape.
 */
import { patternOf, type ServiceModel, type Shape, shapeOf } from '../../local/models/model';
import type { Wire } from '../../local/models/validate';
import type { XmlNode } from './wire';

export type Json = Record<string, unknown>;
type Step = string | number;

const clone = <T>(value: T): T => structuredClone(value);

const stringCandidates = (shape: Shape): string[] => {
  const min = Math.max(shape.min ?? 0, 1);
  return ['a', 'a'.repeat(min), 'abc-1', 'x1', '1', 'a.b', 'A', 'arn:aws:ecs:us-east-1:000000000000:x/y'];
};

const fits = (shape: Shape, text: string) => {
  const length = [...text].length;
  if (shape.min !== undefined && length < shape.min) return false;
  if (shape.max !== undefined && length > shape.max) return false;
  const pattern = shape.pattern === undefined ? undefined : patternOf(shape.pattern);
  return !pattern || pattern.test(text);
};

/** A value of the shape that the model accepts, with only the required members; undefined if none found. */
export const minimalValue = (model: ServiceModel, name: string, wire: Wire, depth = 0): unknown => {
  const shape = shapeOf(model, name);
  if (depth > 8) return undefined;
  switch (shape.type) {
    case 'structure': {
      const value: Json = {};
      for (const member of shape.required ?? []) {
        const ref = shape.members?.[member];
        const item = ref && minimalValue(model, ref.shape, wire, depth + 1);
        if (item === undefined) return undefined;
        value[member] = item;
      }
      // A nested empty structure vanishes from a query request: give it its first scalar member.
      if (wire === 'query' && depth > 0 && Object.keys(value).length === 0) {
        for (const [member, ref] of Object.entries(shape.members ?? {})) {
          const item = minimalValue(model, ref.shape, wire, depth + 1);
          if (item !== undefined && typeof item !== 'object') {
            value[member] = item;
            break;
          }
        }
      }
      return value;
    }
    case 'list': {
      const count = shape.min ?? 0;
      const item = shape.member && minimalValue(model, shape.member.shape, wire, depth + 1);
      if (count > 0 && item === undefined) return undefined;
      return Array.from({ length: count }, () => clone(item));
    }
    case 'map':
      return {};
    case 'string':
      return shape.enum ? shape.enum[0] : stringCandidates(shape).find((text) => fits(shape, text));
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return Math.max(shape.min ?? 1, Math.min(1, shape.max ?? 1));
    case 'boolean':
      return true;
    case 'timestamp':
      return wire === 'json' ? Math.floor(Date.now() / 1000) : new Date().toISOString();
    case 'blob':
      return 'AA==';
  }
};

/** Values of the shape that break one of its constraints, each with what it breaks. */
export const breakingValues = (model: ServiceModel, name: string, wire: Wire): [string, unknown][] => {
  const shape = shapeOf(model, name);
  const found: [string, unknown][] = [];
  if (shape.type === 'string') {
    if (shape.enum) return [['enum', 'NOT_IN_THE_ENUM']];
    if (shape.min !== undefined && shape.min > 0) found.push(['min length', 'a'.repeat(shape.min - 1)]);
    if (shape.max !== undefined && shape.max < 5000) found.push(['max length', 'a'.repeat(shape.max + 1)]);
    const pattern = shape.pattern === undefined ? undefined : patternOf(shape.pattern);
    const min = Math.max(shape.min ?? 0, 1);
    const misfit = ['!', '#', ' ', ':', '-', '~~', 'a b', '$$$']
      .map((text) => text.padEnd(min, text.charAt(0)))
      .find((text) => pattern && !pattern.test(text) && fits({ ...shape, pattern: undefined }, text));
    if (misfit !== undefined) found.push(['pattern', misfit]);
  }
  if (['integer', 'long', 'double', 'float'].includes(shape.type)) {
    if (shape.min !== undefined) found.push(['min value', shape.min - 1]);
    if (shape.max !== undefined) found.push(['max value', shape.max + 1]);
  }
  if (shape.type === 'list' && shape.member) {
    const item = minimalValue(model, shape.member.shape, wire);
    if (item !== undefined) {
      if (shape.min !== undefined && shape.min > 0)
        found.push(['min count', Array.from({ length: shape.min - 1 }, () => clone(item))]);
      if (shape.max !== undefined && shape.max <= 1000)
        found.push(['max count', Array.from({ length: shape.max + 1 }, () => clone(item))]);
    }
  }
  return found;
};

export interface BrokenRequest {
  /** What it breaks: `containerDefinitions.1.name: max length`. */
  label: string;
  /** The member the error must name. */
  member: string;
  kind: 'required' | 'constraint';
  input: Json;
}

/** Walks into `input` along `path`, creating what is missing with minimal values; the last container. */
const containerAt = (
  model: ServiceModel,
  root: Json,
  rootShape: string,
  path: Step[],
  wire: Wire,
): { parent: Json | unknown[]; key: Step } | undefined => {
  let node: Json | unknown[] = root;
  let shape = shapeOf(model, rootShape);
  for (let index = 0; index < path.length - 1; index++) {
    const step = path[index]!;
    const childShapeName =
      shape.type === 'structure' ? shape.members?.[step as string]?.shape : shape.member?.shape;
    if (!childShapeName) return undefined;
    const container = node as Record<string | number, unknown>;
    const slot = typeof step === 'number' ? step - 1 : step;
    let child = container[slot];
    if (child === undefined || child === null || (Array.isArray(child) && child.length === 0)) {
      child = shapeOf(model, childShapeName).type === 'list' ? [] : minimalValue(model, childShapeName, wire);
      if (child === undefined) return undefined;
      container[slot] = child;
    }
    const childShape = shapeOf(model, childShapeName);
    if (childShape.type === 'list' && Array.isArray(child) && child.length === 0) {
      const item = childShape.member && minimalValue(model, childShape.member.shape, wire);
      if (item === undefined) return undefined;
      child.push(item);
    }
    node = child as Json | unknown[];
    shape = childShape;
  }
  const last = path[path.length - 1]!;
  return { parent: node, key: typeof last === 'number' ? last - 1 : last };
};

const lastMember = (path: Step[]) => [...path].reverse().find((step) => typeof step === 'string') ?? '';
const label = (path: Step[]) => path.join('.');

/**
 * Requests that each break one rule of the input shape: a required member left out (of the root and of each
 * structure the valid input holds or reaches within `maxDepth`), and each constrained member set to a value
 * that breaks its enum, length, range or pattern.
 */
const holdsScalar = (value: unknown): boolean =>
  value !== null && typeof value === 'object' ? Object.values(value).some(holdsScalar) : value !== undefined;

/** A value of the shape that does not vanish from a request: the minimal one, or one holding a nested scalar. */
const presentValue = (model: ServiceModel, name: string, wire: Wire, depth = 0): unknown => {
  if (depth > 8) return undefined;
  const shape = shapeOf(model, name);
  const minimal = minimalValue(model, name, wire, depth);
  if (minimal === undefined || holdsScalar(minimal)) return minimal;
  if (shape.type === 'list' && shape.member) {
    const item = presentValue(model, shape.member.shape, wire, depth + 1);
    return item === undefined ? undefined : [item];
  }
  if (shape.type === 'structure' && minimal && typeof minimal === 'object') {
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      const item = presentValue(model, ref.shape, wire, depth + 1);
      if (item !== undefined) return { ...(minimal as Json), [member]: item };
    }
  }
  return undefined;
};

export const brokenRequests = (
  model: ServiceModel,
  operation: string,
  valid: Json,
  wire: Wire,
  maxDepth = 5,
): BrokenRequest[] => {
  const rootShape = model.operations[operation]?.input?.shape;
  if (!rootShape) return [];
  const requests: BrokenRequest[] = [];
  const visit = (name: string, path: Step[], seen: string[]) => {
    const shape = shapeOf(model, name);
    if (path.length > 0) {
      for (const [what, value] of breakingValues(model, name, wire)) {
        const input = clone(valid);
        const slot = containerAt(model, input, rootShape, path, wire);
        if (!slot) continue;
        (slot.parent as Record<string | number, unknown>)[slot.key] = value;
        requests.push({
          label: `${label(path)}: ${what}`,
          member: lastMember(path),
          kind: 'constraint',
          input,
        });
      }
    }
    if (path.length >= maxDepth || seen.includes(name)) return;
    const inside = [...seen, name];
    if (shape.type === 'structure') {
      for (const member of shape.required ?? []) {
        const input = clone(valid);
        const slot = containerAt(model, input, rootShape, [...path, member], wire);
        if (!slot) continue;
        const parent = slot.parent as Json;
        delete parent[member];
        // A structure left empty would vanish from a query request: give it another member.
        if (Object.keys(parent).length === 0) {
          for (const [other, ref] of Object.entries(shape.members ?? {})) {
            const value = other === member ? undefined : minimalValue(model, ref.shape, wire);
            if (value !== undefined && typeof value !== 'object') {
              parent[other] = value;
              break;
            }
          }
        }
        // With no scalar to give, a member that nests one (RuleTransform: only Type and rewrite configs).
        if (Object.keys(parent).length === 0) {
          for (const [other, ref] of Object.entries(shape.members ?? {})) {
            const value = other === member ? undefined : presentValue(model, ref.shape, wire);
            if (value !== undefined) {
              parent[other] = value;
              break;
            }
          }
        }
        requests.push({
          label: `${label([...path, member])}: required`,
          member,
          kind: 'required',
          input,
        });
      }
      for (const [member, ref] of Object.entries(shape.members ?? {}))
        visit(ref.shape, [...path, member], inside);
    }
    if (shape.type === 'list' && shape.member) visit(shape.member.shape, [...path, 1], inside);
  };
  visit(rootShape, [], []);
  return requests;
};

const scalarProblem = (shape: Shape, value: unknown, wire: Wire): string | undefined => {
  const text = typeof value === 'string' ? value : undefined;
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') return `${JSON.stringify(value)} is not a string`;
      if (shape.enum && !shape.enum.includes(value))
        return `'${value}' is not one of the enum's values [${shape.enum.join(', ')}]`;
      return undefined;
    case 'integer':
    case 'long':
      if (wire === 'query' ? !/^-?\d+$/.test(text ?? '') : !Number.isInteger(value))
        return `${JSON.stringify(value)} is not an integer`;
      return undefined;
    case 'double':
    case 'float':
      if (wire === 'query' ? !Number.isFinite(Number(text ?? 'x')) : typeof value !== 'number')
        return `${JSON.stringify(value)} is not a number`;
      return undefined;
    case 'boolean':
      if (wire === 'query' ? text !== 'true' && text !== 'false' : typeof value !== 'boolean')
        return `${JSON.stringify(value)} is not a boolean`;
      return undefined;
    case 'timestamp':
      if (wire === 'query' ? !Number.isFinite(Date.parse(text ?? '')) : typeof value !== 'number')
        return `${JSON.stringify(value)} is not a timestamp (${wire === 'json' ? 'epoch seconds' : 'ISO 8601'})`;
      return undefined;
    case 'blob':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
        return `${JSON.stringify(value)} is not base64`;
      return undefined;
    default:
      return `a ${shape.type} where a scalar was expected`;
  }
};

/** Where a JSON answer departs from the shape: members the model lacks, values of the wrong type. */
export const jsonProblems = (model: ServiceModel, name: string, value: unknown, at = '$'): string[] => {
  const shape = shapeOf(model, name);
  if (value === null) return [`${at}: null where the model has a ${shape.type} (${name})`];
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: not a structure (${name})`];
      return Object.entries(value as Json).flatMap(([key, item]) => {
        const ref = shape.members?.[key];
        return ref
          ? jsonProblems(model, ref.shape, item, `${at}.${key}`)
          : [`${at}.${key}: a member ${name} does not have`];
      });
    }
    case 'list':
      if (!Array.isArray(value)) return [`${at}: not a list (${name})`];
      return value.flatMap((item, index) =>
        jsonProblems(model, shape.member!.shape, item, `${at}[${index}]`),
      );
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: not a map (${name})`];
      return Object.entries(value as Json).flatMap(([key, item]) =>
        jsonProblems(model, shape.value!.shape, item, `${at}.${key}`),
      );
    default: {
      const problem = scalarProblem(shape, value, 'json');
      return problem ? [`${at}: ${problem} (${name})`] : [];
    }
  }
};

/** Where an XML answer's element departs from the shape, as the query protocol lays shapes out. */
export const xmlProblems = (model: ServiceModel, name: string, node: XmlNode, at: string): string[] => {
  const shape = shapeOf(model, name);
  const here = `${at}`;
  switch (shape.type) {
    case 'structure': {
      if (node.text.trim() !== '') return [`${here}: text in a structure (${name})`];
      const names = new Map(
        Object.entries(shape.members ?? {}).map(([member, ref]) => [ref.locationName ?? member, ref]),
      );
      const seen = new Set<string>();
      return node.children.flatMap((child) => {
        const ref = names.get(child.name);
        if (!ref) return [`${here}/${child.name}: a member ${name} does not have`];
        const flattened = shapeOf(model, ref.shape).flattened;
        if (seen.has(child.name) && !flattened) return [`${here}/${child.name}: given twice`];
        seen.add(child.name);
        return xmlProblems(model, ref.shape, child, `${here}/${child.name}`);
      });
    }
    case 'list': {
      const itemName = shape.member!.locationName ?? 'member';
      return node.children.flatMap((child, index) =>
        child.name === itemName
          ? xmlProblems(model, shape.member!.shape, child, `${here}/${itemName}[${index + 1}]`)
          : [`${here}/${child.name}: a list holds <${itemName}> elements only`],
      );
    }
    case 'map':
      return node.children.flatMap((entry, index) => {
        const key = entry.children.find((child) => child.name === 'key');
        const value = entry.children.find((child) => child.name === 'value');
        if (entry.name !== 'entry' || !key || !value) return [`${here}/${entry.name}: not a map entry`];
        return xmlProblems(model, shape.value!.shape, value, `${here}/entry[${index + 1}]/value`);
      });
    default: {
      if (node.children.length > 0)
        return [`${here}: elements where the model has a ${shape.type} (${name})`];
      const problem = scalarProblem(shape, node.text, 'query');
      return problem ? [`${here}: ${problem} (${name})`] : [];
    }
  }
};

import { loadOpenApiDocument, type OpenApiDocument } from './openapi';

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/** An answer's documented shape, from the OpenAPI document. */
export interface Presenter {
  /**
   * The value as the schema documents it: its documented properties in the document's order, so every
   * route answers one resource with one key order; a closed object (additionalProperties false) shows
   * nothing else, so internal bookkeeping never leaks into an answer. Other values pass through.
   */
  present(schema: Schema, value: unknown): unknown;
  /** The documented schema of a route's answer with this status, if there is one. */
  responseSchema(method: string, path: string, status: number): Schema | undefined;
}

/** The presenter of a document: its schemas are flattened on first use, once per process. */
const presenterOf = (openApiDocument: OpenApiDocument): Presenter => {
  const components = openApiDocument.components.schemas as Record<string, Schema>;

  const resolve = (schema: Schema): Schema =>
    schema.$ref ? (components[schema.$ref.slice('#/components/schemas/'.length)] ?? {}) : schema;

  /** Flattened schemas: the document never changes, so each schema is flattened once. */
  const flattened = new WeakMap<Schema, Schema>();

  /** An allOf of objects as one object schema (the answer's own properties, in their order). */
  const flatten = (schema: Schema): Schema => {
    const known = flattened.get(schema);
    if (known) return known;
    const resolved = resolve(schema);
    const shape: Schema = resolved.allOf
      ? (() => {
          const parts = resolved.allOf.map(flatten);
          return {
            properties: Object.assign({}, ...parts.map((part) => part.properties ?? {})),
            additionalProperties: parts.every((part) => part.additionalProperties === false)
              ? false
              : undefined,
          };
        })()
      : resolved;
    flattened.set(schema, shape);
    return shape;
  };

  const present = (schema: Schema, value: unknown): unknown => {
    const shape = flatten(schema);
    if (Array.isArray(value)) return shape.items ? value.map((item) => present(shape.items!, item)) : value;
    if (value === null || typeof value !== 'object' || !shape.properties) return value;
    const source = value as Record<string, unknown>;
    const shown: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(shape.properties)) {
      if (source[key] !== undefined) shown[key] = present(property, source[key]);
    }
    // An open object keeps what it does not declare, after what it does.
    if (shape.additionalProperties !== false) {
      for (const [key, field] of Object.entries(source)) if (!(key in shown)) shown[key] = field;
    }
    return shown;
  };

  const shapeOf = (path: string) => path.replace(/\{[^}]+\}/g, '{}');
  const operations = new Map<string, Schema>();
  for (const [path, item] of Object.entries(
    openApiDocument.paths as Record<string, Record<string, Schema>>,
  )) {
    for (const [method, operation] of Object.entries(item))
      operations.set(`${method.toUpperCase()} ${shapeOf(path)}`, operation);
  }

  const responseSchema = (method: string, path: string, status: number): Schema | undefined =>
    operations.get(`${method} ${shapeOf(path)}`)?.responses?.[String(status)]?.content?.['application/json']
      ?.schema;
  return { present, responseSchema };
};

let presenter: Promise<Presenter> | undefined;

/** The presenter, built once, when the first answer is shaped (the document is loaded then: openapi.ts). */
export const documentedAnswers = (): Promise<Presenter> => {
  presenter ??= loadOpenApiDocument().then(presenterOf);
  return presenter;
};

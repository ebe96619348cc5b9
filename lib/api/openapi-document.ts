/**
 * Builds the API's OpenAPI 3.1 description from the zod schemas: the request schemas the API validates
 * with, the response schemas (schemas/responses.ts) and the operations table (schemas/operations.ts).
 * `npm run openapi` writes it to lib/api/openapi.json, which the API serves and shapes its answers by
 * (present.ts); test/unit/openapi-generated.test.ts checks the committed file is what this builds. Built
 * ahead rather than at module load, where zod's JSON Schema output would add about 30 ms to a cold start.
 */
import * as z from 'zod';
import { acceptedInputs, components } from './schemas/components';
import { type Answer, type Operation, operations, tags } from './schemas/operations';

type Json = Record<string, unknown>;

const SCHEMAS = '#/components/schemas/';
const options = {
  target: 'draft-2020-12',
  io: 'input',
  unrepresentable: 'any',
  // A field zod takes through a transform is documented by what it accepts.
  override: ({ zodSchema, jsonSchema }) => {
    const accepted = acceptedInputs.get(zodSchema);
    if (accepted) Object.assign(jsonSchema, schemaOf(accepted));
  },
} satisfies z.core.ToJSONSchemaParams;

/** Drops what zod adds that an OpenAPI schema does not want: $schema, $id, the safe-integer bounds of z.int(). */
const tidy = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(tidy);
  if (!value || typeof value !== 'object') return value;
  const result: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$schema' || key === '$id') continue;
    if (key === 'maximum' && inner === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'minimum' && inner === Number.MIN_SAFE_INTEGER) continue;
    result[key] = tidy(inner);
  }
  return result;
};

const schemaOf = (schema: z.ZodType): Json => tidy(z.toJSONSchema(schema, options)) as Json;

const named = new Map<z.ZodType, string>();
const buildComponents = (): Record<string, Json> => {
  const registry = z.registry<{ id: string }>();
  for (const [id, { schema, extra }] of Object.entries(components)) {
    // The id marks the schema for a $ref wherever it is used (zod reads ids from its global registry).
    z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), ...extra, id });
    registry.add(schema, { id });
    named.set(schema, id);
  }
  const { schemas } = z.toJSONSchema(registry, { ...options, uri: (id) => `${SCHEMAS}${id}` });
  return tidy(schemas) as Record<string, Json>;
};

const reference = (schema: z.ZodType): Json => {
  const id = named.get(schema);
  return id ? { $ref: `${SCHEMAS}${id}` } : schemaOf(schema);
};

const ERROR = { $ref: `${SCHEMAS}Error` };
const json = (schema: Json) => ({ 'application/json': { schema } });

const answer = (value: Answer) =>
  typeof value === 'string'
    ? { description: value, content: json(ERROR) }
    : {
        description: value.description,
        content: json(reference(value.schema)),
        ...((value.etag || value.warning) && {
          headers: {
            ...(value.etag && {
              ETag: { description: "The service's spec version, for If-Match", schema: { type: 'string' } },
            }),
            ...(value.warning && {
              'Tugboat-Warning': { description: value.warning, schema: { type: 'string' } },
            }),
          },
        }),
      };

const operationObject = (operation: Operation): Json => ({
  operationId: operation.operationId,
  summary: operation.summary,
  description: operation.description,
  tags: [operation.tag],
  ...(operation.parameters && {
    parameters: operation.parameters.map((parameter) => ({
      name: parameter.name,
      in: parameter.in,
      required: parameter.in === 'path',
      description: parameter.description,
      schema: schemaOf(parameter.schema),
    })),
  }),
  ...(operation.body && {
    requestBody: { required: operation.body.required, content: json(reference(operation.body.schema)) },
  }),
  responses: {
    ...Object.fromEntries(
      Object.entries(operation.responses).map(([status, value]) => [status, answer(value)]),
    ),
    default: {
      description: 'An unexpected error (500) or an unavailable dependency (503)',
      content: json(ERROR),
    },
  },
});

export const buildOpenApiDocument = () => {
  const schemas = buildComponents();
  const paths: Record<string, Record<string, Json>> = {};
  for (const operation of operations) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = operationObject(operation);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Tugboat API',
      version: '0.1.0',
      description:
        'Tugboat, a serverless control plane for containers on Amazon ECS/Fargate. Errors are `{ error: { code, message, details? } }`; lists are `{ items, nextToken? }`.',
      contact: { name: 'Tugboat maintainers' },
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'npm start' }],
    tags: Object.entries(tags).map(([name, description]) => ({ name, description })),
    paths,
    components: { schemas },
  };
};

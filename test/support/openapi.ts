import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormatsModule from 'ajv-formats';
import document from '../../lib/api/openapi.json' with { type: 'json' };
import type { JsonResponse } from './api';
import { httpClient } from './api';

// ajv-formats is CommonJS: its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as typeof addFormatsModule;

type Json = Record<string, unknown>;
const SCHEMA_ID = 'https://tugboat.local/openapi.json';

/** OpenAPI's "#/components/schemas/X" as a reference into one JSON Schema 2020-12 document of $defs. */
const rewriteRefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const result: Json = {};
    for (const [key, inner] of Object.entries(value)) {
      result[key] =
        key === '$ref' && typeof inner === 'string'
          ? inner.replace('#/components/schemas/', `${SCHEMA_ID}#/$defs/`)
          : rewriteRefs(inner);
    }
    return result;
  }
  return value;
};

export const openApiPaths = document.paths as Record<string, Record<string, Json>>;

/** `/clusters/{cluster}/tasks` as a matcher of concrete paths. */
const templateMatcher = (template: string) =>
  new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`);

const templates = Object.keys(openApiPaths).map((template) => ({
  template,
  matcher: templateMatcher(template),
}));

/** Compiles the document's schemas with ajv's JSON Schema 2020-12 build (OpenAPI 3.1's dialect), strictly. */
export const createContractValidator = () => {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMA_ID, $defs: rewriteRefs(document.components.schemas) as Json });
  const compiled = new Map<string, ValidateFunction>();

  const operationOf = (method: string, path: string) => {
    const pathname = path.split('?')[0]!;
    const found = templates.find(({ matcher }) => matcher.test(pathname));
    if (!found) throw new Error(`${method} ${pathname} is not in the OpenAPI document`);
    const operation = openApiPaths[found.template]![method.toLowerCase()] as Json | undefined;
    if (!operation) throw new Error(`${method} ${found.template} is not in the OpenAPI document`);
    return { template: found.template, operation };
  };

  /** Validates a real response against the document: its status must be documented, its body must fit. */
  const validate = (method: string, path: string, status: number, body: unknown): void => {
    const { template, operation } = operationOf(method, path);
    const responses = operation.responses as Record<string, Json>;
    const documented = responses[String(status)] ?? (status >= 400 ? responses.default : undefined);
    if (!documented) throw new Error(`${method} ${template} answered ${status}, which is not documented`);
    const schema = (documented.content as Record<string, { schema: Json }>)['application/json']!.schema;
    const key = `${method} ${template} ${status}`;
    let check = compiled.get(key);
    if (!check) {
      check = ajv.compile(rewriteRefs(schema) as Json);
      compiled.set(key, check);
    }
    if (!check(body)) {
      throw new Error(
        `${method} ${path} ${status} does not match the OpenAPI document: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
      );
    }
  };
  return { validate, ajv };
};

/** An HTTP client whose every response is checked against the OpenAPI document. */
export const contractCheckedClient = (baseUrl: string) => {
  const client = httpClient(baseUrl);
  const { validate } = createContractValidator();
  let checked = 0;
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<JsonResponse<T>> => {
    const response = await client.call<T>(method, path, body, headers);
    validate(method, path, response.status, response.body);
    checked++;
    return response;
  };
  return {
    call,
    get: <T = any>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    patch: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('PATCH', path, body, headers),
    delete: <T = any>(path: string, headers?: Record<string, string>) =>
      call<T>('DELETE', path, undefined, headers),
    checkedCount: () => checked,
  };
};

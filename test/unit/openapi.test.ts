import { describe, expect, it } from 'vitest';
import { loadOpenApiDocument } from '../../lib/api/openapi';
import openApiDocument from '../../lib/api/openapi.json' with { type: 'json' };
import { apiRoutes } from '../../lib/api/routes';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { createContractValidator, openApiPaths } from '../support/openapi';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Parameter names may differ between the router and the document; positions may not. */
const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

// Building the routes only makes closures over the context; no route runs here.
const served = apiRoutes({} as UseCaseContext).map((route) => `${route.method} ${shape(route.path)}`);
const documented = Object.entries(openApiPaths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((key) => METHODS.includes(key))
    .map((method) => `${method.toUpperCase()} ${shape(path)}`),
);

describe('the OpenAPI document', () => {
  it('describes every route the router serves', () => {
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
  });

  it('describes no route the router lacks', () => {
    expect(documented.filter((route) => !served.includes(route))).toEqual([]);
  });

  it('has no duplicate routes', () => {
    expect(new Set(served).size).toBe(served.length);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('is what GET /openapi.json serves, loaded on first use (once)', async () => {
    const loaded = await loadOpenApiDocument();
    expect(loaded).toEqual(openApiDocument);
    expect(await loadOpenApiDocument()).toBe(loaded);
  });

  it('is OpenAPI 3.1 whose schemas all compile under JSON Schema 2020-12 (strict)', () => {
    expect(openApiDocument.openapi).toBe('3.1.0');
    const { ajv } = createContractValidator();
    for (const name of Object.keys(openApiDocument.components.schemas)) {
      expect(ajv.getSchema(`https://tugboat.local/openapi.json#/$defs/${name}`), name).toBeDefined();
    }
  });

  it('declares every path parameter of every operation, with a documented error answer', () => {
    for (const [path, item] of Object.entries(openApiPaths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(item)) {
        const parameters = (operation.parameters ?? []) as Array<{ name: string; in: string }>;
        const declared = parameters.filter((parameter) => parameter.in === 'path').map((p) => p.name);
        expect(declared.sort(), `${method} ${path}`).toEqual([...names].sort());
        expect(Object.keys(operation.responses as object), `${method} ${path}`).toContain('default');
      }
    }
  });

  it('rejects a body that breaks the schema (the contract check can fail)', () => {
    const { validate } = createContractValidator();
    expect(() => validate('GET', '/clusters/default/tasks/0123', 200, { taskId: 'x', timing: {} })).toThrow(
      /does not match/,
    );
    // Undocumented statuses fall to the default answer: the error document.
    expect(() =>
      validate('GET', '/clusters/default/tasks', 418, {
        error: { code: 'Teapot', message: 'short and stout' },
      }),
    ).not.toThrow();
    expect(() => validate('GET', '/clusters/default/tasks', 418, {})).toThrow(/required property 'error'/);
    expect(() => validate('GET', '/nowhere', 200, {})).toThrow(/not in the OpenAPI document/);
    expect(() => validate('POST', '/clusters/default/tasks', 200, {})).toThrow(/not documented/);
  });
});

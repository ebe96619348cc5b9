import { jsonRoute, type Route } from './router';

/**
 * The API's OpenAPI 3.1 description, generated from the zod schemas by `npm run openapi` (see
 * openapi-document.ts); test/unit/openapi.test.ts holds it to the routes the router serves.
 *
 * Loaded on first use (import()), not with the API's bundle: it is about 110 KB of object literal that
 * a cold start would otherwise compile and build before the first request (cold start,
 * docs/performance.md). The first answer loads it (present.ts shapes every answer by it).
 */
export type OpenApiDocument = typeof import('./openapi.json');

let loading: Promise<OpenApiDocument> | undefined;
export const loadOpenApiDocument = (): Promise<OpenApiDocument> => {
  loading ??= import('./openapi.json', { with: { type: 'json' } }).then((module) => module.default);
  return loading;
};

export const openApiRoutes = (): Route[] => [jsonRoute('GET', '/openapi.json', () => loadOpenApiDocument())];

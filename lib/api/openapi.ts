import { jsonResponse } from './http';
import openApiDocument from './openapi.json' with { type: 'json' };
import type { Route } from './router';

/**
 * The API's OpenAPI 3.1 description, generated from the zod schemas by `npm run openapi` (see
 * openapi-document.ts); test/unit/openapi.test.ts holds it to the routes the router serves.
 */
export { openApiDocument };

export const openApiRoutes = (): Route[] => [
  {
    method: 'GET',
    path: '/openapi.json',
    handler: async () => jsonResponse(200, openApiDocument),
  },
];

import openApiDocument from './openapi.json' with { type: 'json' };
import { jsonRoute, type Route } from './router';

/**
 * The API's OpenAPI 3.1 description, generated from the zod schemas by `npm run openapi` (see
 * openapi-document.ts); test/unit/openapi.test.ts holds it to the routes the router serves.
 */
export { openApiDocument };

export const openApiRoutes = (): Route[] => [jsonRoute('GET', '/openapi.json', async () => openApiDocument)];

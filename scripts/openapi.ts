/**
 * `npm run openapi`: writes lib/api/openapi.json, the API's OpenAPI document, from the zod schemas
 * (lib/api/openapi-document.ts). Run it after changing a request or response schema or an operation;
 * test/unit/openapi-generated.test.ts fails while the committed file is not what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../lib/api/openapi-document';

const file = fileURLToPath(new URL('../lib/api/openapi.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${file}`);

/**
 * `npm run lint:openapi`: lints the OpenAPI document (built from the zod schemas, lib/api/openapi.ts) with
 * Spectral's spectral:oas ruleset (.spectral.yaml); a warning fails like an error. Extra arguments go to
 * `spectral lint`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiDocument } from '../lib/api/openapi';

const directory = mkdtempSync(join(tmpdir(), 'tugboat-openapi-'));
const file = join(directory, 'openapi.json');
writeFileSync(file, `${JSON.stringify(openApiDocument, null, 2)}\n`);
const result = spawnSync(
  'spectral',
  ['lint', file, '--ruleset', '.spectral.yaml', '--fail-severity', 'warn', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
rmSync(directory, { recursive: true, force: true });
if (result.error) throw result.error;
process.exit(result.status ?? 1);

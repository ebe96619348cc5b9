#!/usr/bin/env node
// The `tugboat` CLI. Its TypeScript runs through tsx's loader, so nothing needs building after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv);
// Let stdout drain (a piped `--output json`), then exit with the command's verdict.
process.stdout.write('', () => process.exit(code));

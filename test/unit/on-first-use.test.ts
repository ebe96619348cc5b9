import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onFirstUse } from '../../lib/validation/on-first-use';
import { registerTaskDefinitionSchema } from '../../lib/validation/task-definition-schemas';

describe('onFirstUse', () => {
  it('builds nothing at once, then once on first use, and gives the same value after', () => {
    let builds = 0;
    const value = onFirstUse(() => {
      builds += 1;
      return { built: builds };
    });
    expect(builds).toBe(0);
    const first = value();
    expect(value()).toBe(first);
    expect(builds).toBe(1);
  });

  it('the task definition schema is one instance (the OpenAPI document and the API share it)', () => {
    expect(registerTaskDefinitionSchema()).toBe(registerTaskDefinitionSchema());
  });
});

/**
 * The request schemas are built on first use: a module that builds one at load makes every cold start of
 * every function bundling it pay (docs/performance.md). Only the zod/mini ECS name (the configuration's and
 * the task events') is built at load.
 */
describe('request schemas are built on first use', () => {
  const builtAtLoad = new Set(['ecsNameMini']);
  const folder = resolve(import.meta.dirname, '../../lib/validation');
  const modules = readdirSync(folder).filter((file) => file.endsWith('.ts'));

  it.each(modules)('lib/validation/%s exports no schema built at load', async (file) => {
    const exported = (await import(resolve(folder, file))) as Record<string, unknown>;
    const eager = Object.entries(exported)
      .filter(([name, value]) => !builtAtLoad.has(name) && typeof value === 'object' && value !== null)
      .filter(
        ([, value]) =>
          '_zod' in (value as object) ||
          Object.values(value as object).some((v) => typeof v === 'object' && v !== null && '_zod' in v),
      )
      .map(([name]) => name);
    expect(eager).toEqual([]);
  });
});

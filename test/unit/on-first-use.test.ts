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
 * every function bundling it pay (docs/performance.md). Only the small ones every request or message
 * takes (names, references, tags, placement) are built at load.
 */
describe('request schemas are built on first use', () => {
  const builtAtLoad = new Set([
    'ecsName',
    'ecsNameMini',
    'clusterNameSchema',
    'imageReference',
    'taskDefinitionReference',
    'tagSchema',
    'tagsSchema',
    'networkConfigurationSchema',
    'launchTypeField',
    'capacityProviderStrategyField',
  ]);
  const modules = import.meta.glob('../../lib/validation/*.ts');

  it.each(Object.keys(modules))('%s exports no schema built at load', async (path) => {
    const exported = (await modules[path]!()) as Record<string, unknown>;
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

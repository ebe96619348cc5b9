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

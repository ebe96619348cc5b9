import { describe, expect, it } from 'vitest';
import type { TaskDefinition } from '../../../lib/domain';
import { cachedTaskDefinitions } from '../../../lib/reconcile/pass/task-definition-cache';

const revision = (ecsTaskDefinitionArn?: string) =>
  ({
    family: 'web',
    revision: 1,
    ...(ecsTaskDefinitionArn ? { ecsTaskDefinitionArn } : {}),
  }) as TaskDefinition;

describe('cachedTaskDefinitions', () => {
  it('reads a revision registered in ECS once, then answers from the cache', async () => {
    let reads = 0;
    const cache = cachedTaskDefinitions(async () => {
      reads++;
      return revision('arn:aws:ecs:us-east-1:1:task-definition/web-local:1');
    });
    expect((await cache.get('web', 1)).read).toBe(true);
    expect(await cache.get('web', 1)).toEqual({
      taskDefinition: revision('arn:aws:ecs:us-east-1:1:task-definition/web-local:1'),
      read: false,
    });
    expect(reads).toBe(1);
  });

  it('reads a revision not yet registered every time, so an ARN recorded meanwhile is seen', async () => {
    const answers = [revision(), revision('arn:recorded')];
    let reads = 0;
    const cache = cachedTaskDefinitions(async () => answers[Math.min(reads++, 1)]);
    expect((await cache.get('web', 1)).taskDefinition?.ecsTaskDefinitionArn).toBeUndefined();
    expect((await cache.get('web', 1)).taskDefinition?.ecsTaskDefinitionArn).toBe('arn:recorded');
    expect(reads).toBe(2);
  });

  it('keeps no answer for a revision that does not exist, and keys by family and revision', async () => {
    const asked: string[] = [];
    const cache = cachedTaskDefinitions(async (family, number) => {
      asked.push(`${family}:${number}`);
      return number === 2 ? revision('arn:2') : undefined;
    });
    expect(await cache.get('web', 1)).toEqual({ read: true });
    await cache.get('web', 1);
    await cache.get('web', 2);
    await cache.get('web', 2);
    await cache.get('api', 2);
    expect(asked).toEqual(['web:1', 'web:1', 'web:2', 'api:2']);
  });
});

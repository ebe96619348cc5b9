import { describe, expect, it } from 'vitest';
import type { TaskDefinition } from '../../lib/domain';
import type { EcsGateway } from '../../lib/ecs/gateway';
import { ecsTaskDefinitionArn } from '../../lib/ecs/task-definitions';
import type { TugboatStore } from '../../lib/store/port';

let families = 0;

/** A revision never registered in ECS, of a family no other test uses (the module keeps what it registered). */
const revision = (): TaskDefinition =>
  ({
    family: `batch-${++families}-${Date.now()}`,
    revision: 1,
    taskDefinitionArn: `arn:tugboat:task-definition/batch-${families}:1`,
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: 'batch:latest' }],
    version: 1,
  }) as unknown as TaskDefinition;

/** An ECS gateway that answers RegisterTaskDefinition a turn of the event loop later, counting the calls. */
const registeringEcs = (fail = 0) => {
  let calls = 0;
  const ecs = {
    registerTaskDefinition: async () => {
      calls++;
      await new Promise((resolve) => setImmediate(resolve));
      if (calls <= fail) throw new Error('ECS unavailable');
      return { taskDefinitionArn: `arn:aws:ecs:us-east-1:000000000000:task-definition/copy:${calls}` };
    },
    deregisterTaskDefinition: async () => {},
  } as unknown as EcsGateway;
  return { ecs, calls: () => calls };
};

const store = {
  updateTaskDefinition: async () => {},
  getTaskDefinition: async () => undefined,
} as unknown as TugboatStore;

describe('ecsTaskDefinitionArn', () => {
  it('registers a revision once for callers at once in one process, and all use that copy', async () => {
    const { ecs, calls } = registeringEcs();
    const taskDefinition = revision();
    const arns = await Promise.all(
      Array.from({ length: 25 }, () => ecsTaskDefinitionArn({ store, ecs }, taskDefinition)),
    );
    expect(calls()).toBe(1);
    expect(new Set(arns)).toEqual(new Set(['arn:aws:ecs:us-east-1:000000000000:task-definition/copy:1']));
  });

  it('a caller whose shared registration failed registers on its own', async () => {
    const { ecs, calls } = registeringEcs(1);
    const taskDefinition = revision();
    const outcomes = await Promise.allSettled([
      ecsTaskDefinitionArn({ store, ecs }, taskDefinition),
      ecsTaskDefinitionArn({ store, ecs }, taskDefinition),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled']);
    expect(calls()).toBe(2);
  });

  // `npm run bench -- --quick` ran the jobs benchmark after converge in one process: its fleet launched
  // web:1 by the ARN converge's own local ECS had registered, and the new endpoint refused every launch.
  it('remembers a registration per ECS gateway: another endpoint registers the revision itself', async () => {
    const first = registeringEcs();
    const second = registeringEcs();
    const taskDefinition = revision();
    await ecsTaskDefinitionArn({ store, ecs: first.ecs }, taskDefinition);
    expect(await ecsTaskDefinitionArn({ store, ecs: first.ecs }, taskDefinition)).toBe(
      'arn:aws:ecs:us-east-1:000000000000:task-definition/copy:1',
    );
    expect(first.calls()).toBe(1);
    await ecsTaskDefinitionArn({ store, ecs: second.ecs }, taskDefinition);
    expect(second.calls()).toBe(1);
  });
});

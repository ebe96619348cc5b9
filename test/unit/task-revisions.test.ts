import { describe, expect, it } from 'vitest';
import type { Service, TaskDefinition } from '../../lib/domain';
import type { TugboatStore } from '../../lib/store/port';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { taskViews } from '../../lib/use-cases/task-revisions';
import { taskRecord } from '../support/records';

const ecsArn = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:000000000000:task-definition/tugboat-local-${family}:${revision}`;

/** Tugboat's web:1 never launched; web:2 is ECS's web:1; web:3 was registered but the ARN never recorded. */
const revisions: Array<Pick<TaskDefinition, 'family' | 'revision' | 'ecsTaskDefinitionArn'>> = [
  { family: 'web', revision: 3 },
  { family: 'web', revision: 2, ecsTaskDefinitionArn: ecsArn('web', 1) },
  { family: 'web', revision: 1 },
];
const service = {
  cluster: 'default',
  serviceName: 'web',
  deployments: [{ id: 'ecs-svc-3', taskDefinition: 'web:3' }],
} as unknown as Service;

const store = {
  getTaskDefinition: async (family: string, revision: number) =>
    revisions.find((r) => r.family === family && r.revision === revision),
  listTaskDefinitions: async (family: string) => ({ items: revisions.filter((r) => r.family === family) }),
  getService: async (_cluster: string, name: string) => (name === 'web' ? service : undefined),
} as unknown as TugboatStore;
const context = { store, config: {} } as unknown as UseCaseContext;

describe('taskViews', () => {
  it("names Tugboat's revision when ECS numbers its copy differently, and ECS's ARN as ecsTaskDefinitionArn", async () => {
    const [view] = await taskViews(context, [taskRecord({ taskDefinitionArn: ecsArn('web', 1) })]);
    expect(view).toMatchObject({ taskDefinition: 'web:2', ecsTaskDefinitionArn: ecsArn('web', 1) });
    expect(view).not.toHaveProperty('taskDefinitionArn');
  });

  it("falls back on the service deployment's revision when the registration was never recorded", async () => {
    const [view] = await taskViews(context, [
      taskRecord({ taskDefinitionArn: ecsArn('web', 2), serviceName: 'web', deploymentId: 'ecs-svc-3' }),
    ]);
    expect(view?.taskDefinition).toBe('web:3');
  });

  it('names no revision for a registration of another installation', async () => {
    const [view] = await taskViews(context, [
      taskRecord({
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/tugboat-prod-web:1',
      }),
    ]);
    expect(view).not.toHaveProperty('taskDefinition');
    expect(view?.ecsTaskDefinitionArn).toMatch(/tugboat-prod-web:1$/);
  });
});

/**
 * Revisions in use: a revision deleted while a service runs it goes INACTIVE, as in ECS, but the service
 * keeps scaling and replacing tasks with it; its ECS copy is deregistered only once no service uses it.
 */
import { DescribeTaskDefinitionCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { postService, registerTaskDefinition } from '../support/api';
import { runningOf } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

process.env.TUGBOAT_BACKOFF_BASE_MS = '300';
const local = useTestStack({ timing: 'driven', ecs: { crashAfterMs: 300 }, visibilityTimeoutSeconds: 2 });

const register = (family: string, image: string): Promise<string> =>
  registerTaskDefinition(local.api, family, image);
const createService = async (
  serviceName: string,
  taskDefinition: string,
  desiredCount: number,
  extra = {},
) => {
  await postService(local.api, serviceName, taskDefinition, desiredCount, extra);
};

const getService = async (serviceName: string) =>
  (await local.api.get(`/clusters/default/services/${serviceName}`)).body;

/** ECS's status of the copy Tugboat registered for the revision. */
const ecsStatusOf = async (ecsTaskDefinitionArn: string) =>
  (await local.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ecsTaskDefinitionArn })))
    .taskDefinition?.status;

describe('a revision in use cannot be pulled out from under its service', () => {
  it('keeps scaling out and replacing tasks with a revision deleted under the service', async () => {
    const kept = await register('kept', 'nginx:kept');
    await createService('kept', kept, 2);
    await local.stack.runScheduler();
    await runningOf(local.ecs, 'kept', 'nginx:kept', 2);
    const { ecsTaskDefinitionArn } = (await local.api.get('/task-definitions/kept/1')).body;
    expect(ecsTaskDefinitionArn).toBeDefined();

    const deleted = await local.api.delete('/task-definitions/kept/1');
    expect(deleted.status).toBe(200);

    // Scale out, then lose a task behind Tugboat's back: both need RunTask of the deleted revision.
    expect((await local.api.patch('/clusters/default/services/kept', { desiredCount: 4 })).status).toBe(200);
    const four = await runningOf(local.ecs, 'kept', 'nginx:kept', 4);
    const victim = four[0]!.taskArn!;
    await local.ecs.send(new StopTaskCommand({ cluster: 'default', task: victim, reason: 'behind Tugboat' }));
    const replaced = await runningOf(local.ecs, 'kept', 'nginx:kept', 4);
    expect(replaced.map((task) => task.taskArn)).not.toContain(victim);
    await eventually('4 RUNNING in the service', async () =>
      (await getService('kept')).runningCount === 4 ? true : undefined,
    );

    expect(deleted.body).toMatchObject({
      status: 'INACTIVE',
      servicesUsingRevision: [{ cluster: 'default', serviceName: 'kept' }],
    });
    expect(deleted.body).not.toHaveProperty('ecsDeregisteredAt');
    expect(await ecsStatusOf(ecsTaskDefinitionArn)).toBe('ACTIVE');
    // The scheduler keeps the copy too while the service uses it.
    await local.stack.runScheduler();
    expect(await ecsStatusOf(ecsTaskDefinitionArn)).toBe('ACTIVE');

    // Nothing new may name it: a new service, a PATCH to it, a deploy of it again.
    const refusals = [
      await local.api.post('/clusters/default/services', {
        serviceName: 'other',
        taskDefinition: kept,
        desiredCount: 1,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      }),
      await local.api.patch('/clusters/default/services/kept', { taskDefinition: kept }),
      await local.api.post('/clusters/default/services/kept/deployments', {}),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe(`taskDefinition: TaskDefinition ${kept} is inactive`);
    }
    // A new image is a new revision: that deploy may go ahead, and moves the service off kept:1.
    const moved = await local.api.post('/clusters/default/services/kept/deployments', {
      image: 'nginx:next',
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(202);
    await runningOf(local.ecs, 'kept', 'nginx:next', 4);
    await eventually('the old deployment INACTIVE', async () => {
      const { deployments } = await getService('kept');
      const old = deployments.find((d: { taskDefinition: string }) => d.taskDefinition === kept);
      return old.status === 'INACTIVE' ? true : undefined;
    });
    // A rollback to it through the API is refused like any other naming of it.
    const rollback = await local.api.post('/clusters/default/services/kept/rollback', {});
    expect(rollback.status).toBe(400);
    expect(rollback.body.error.message).toBe(`taskDefinition: TaskDefinition ${kept} is inactive`);

    // Now nothing uses it: the scheduler deregisters the ECS copy, once.
    await local.stack.runScheduler();
    expect(await ecsStatusOf(ecsTaskDefinitionArn)).toBe('INACTIVE');
    const retired = (await local.api.get('/task-definitions/kept/1')).body;
    expect(retired.ecsDeregisteredAt).toEqual(expect.any(String));
    const again = await local.api.delete('/task-definitions/kept/1');
    expect(again.body).toMatchObject({ status: 'INACTIVE', servicesUsingRevision: [] });
  }, 90_000);

  it('lets the circuit breaker roll back to a revision deleted under the service', async () => {
    const good = await register('fallback', 'nginx:good');
    // minimumHealthyPercent 0: the old tasks go at once, so the old deployment is INACTIVE while the
    // crashing one is still IN_PROGRESS; its revision must stay launchable for the rollback.
    await createService('fallback', good, 3, {
      deploymentConfiguration: {
        minimumHealthyPercent: 0,
        minReadySeconds: 2,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
    await local.stack.runScheduler();
    await runningOf(local.ecs, 'fallback', 'nginx:good', 3);
    await eventually('first deployment COMPLETED', async () =>
      (await getService('fallback')).deployments[0].rolloutState === 'COMPLETED' ? true : undefined,
    );
    const deleted = await local.api.delete('/task-definitions/fallback/1');
    expect(deleted.status).toBe(200);

    const bad = await register('fallback', 'nginx:crash');
    expect(
      (await local.api.patch('/clusters/default/services/fallback', { taskDefinition: bad })).status,
    ).toBe(200);
    await eventually('the old deployment INACTIVE', async () => {
      const { deployments } = await getService('fallback');
      const old = deployments.find((d: { taskDefinition: string }) => d.taskDefinition === good);
      return old.status === 'INACTIVE' ? true : undefined;
    });
    await local.stack.runScheduler();
    const service = await eventually(
      'the rollback to the deleted revision',
      async () => {
        const body = await getService('fallback');
        return body.taskDefinition === good ? body : undefined;
      },
      { timeoutMs: 45_000 },
    );
    expect(service.deployments[0]).toMatchObject({ status: 'PRIMARY', taskDefinition: good });
    await runningOf(local.ecs, 'fallback', 'nginx:good', 3, 45_000);
    expect(deleted.body.servicesUsingRevision).toEqual([{ cluster: 'default', serviceName: 'fallback' }]);
  }, 90_000);
});

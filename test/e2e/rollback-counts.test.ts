/**
 * A rollback keeps the tasks of the revision it goes back to: through the whole stack, a failed deploy
 * (the circuit breaker's rollback) and an API rollback launch no task and stop none of the old revision;
 * the old tasks keep their ids, and the service and deployment counts say what ECS says.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { postService, registerTaskDefinition } from '../support/api';
import { image, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

// Starts and stops of half a second, and crashes half a second in: a failing deploy is seen failing
// while the old revision's tasks stay up.
const local = useTestStack({
  timing: 'realistic',
  ecs: { startMs: 500, stopMs: 500, crashAfterMs: 500 },
  reconcileIntervalMs: 2000,
  visibilityTimeoutSeconds: 2,
});

const getService = async (name: string) => (await local.api.get(`/clusters/default/services/${name}`)).body;

const goodTasks = async (name: string): Promise<Task[]> =>
  (await serviceTasks(local.ecs, name)).filter((task) => image(task) === 'web:good');
const arnsOf = (tasks: Task[]) => tasks.map((task) => task.taskArn).sort();

const steadyOn = async (name: string, taskDefinition: string) =>
  eventually(
    `${name} COMPLETED on ${taskDefinition}, with nothing else left`,
    async () => {
      const body = await getService(name);
      const live = body.deployments.filter((d: { status: string }) => d.status !== 'INACTIVE');
      return body.deployments[0].taskDefinition === taskDefinition &&
        body.deployments[0].rolloutState === 'COMPLETED' &&
        live.length === 1 &&
        body.runningCount === 3
        ? body
        : undefined;
    },
    { timeoutMs: 40_000 },
  );

const startService = async (name: string, breaker: { enable: boolean; rollback: boolean }) => {
  const good = await registerTaskDefinition(local.api, name, 'web:good');
  await postService(local.api, name, good, 3, {
    deploymentConfiguration: { minReadySeconds: 1, deploymentCircuitBreaker: breaker },
  });
  await steadyOn(name, good);
  const before = arnsOf(await goodTasks(name));
  expect(before).toHaveLength(3);
  return { good, before };
};

describe('a rollback adopts the running tasks of its revision', () => {
  it("the circuit breaker's rollback after a failed deploy launches nothing: the old tasks keep their ids", async () => {
    const { good, before } = await startService('keeper', { enable: true, rollback: true });
    const deployed = await local.api.post('/clusters/default/services/keeper/deployments', {
      image: 'web:crash',
    });
    expect(deployed.status, JSON.stringify(deployed.body)).toBeLessThan(300);
    const body = await steadyOn('keeper', good);
    const rollback = body.deployments[0];
    expect(rollback.rollbackOf).toBeDefined();
    expect(rollback.adoptsTasksOf).toBeDefined();
    expect(rollback).toMatchObject({ runningCount: 3, pendingCount: 0 });
    expect(body.pendingCount).toBe(0);
    // Every web:good task there ever was: the three from before, none launched or stopped since.
    const after = await goodTasks('keeper');
    expect(arnsOf(after)).toEqual(before);
    expect(after.every((task) => task.lastStatus === 'RUNNING')).toBe(true);
  }, 90_000);

  it('an API rollback during a failing deploy adopts the old tasks too', async () => {
    const { good, before } = await startService('undo', { enable: false, rollback: false });
    const deployed = await local.api.post('/clusters/default/services/undo/deployments', {
      image: 'web:crash',
    });
    expect(deployed.status, JSON.stringify(deployed.body)).toBeLessThan(300);
    await eventually(
      'a crashed task of the new revision',
      async () => ((await getService('undo')).deployments[0].failedTasks > 0 ? true : undefined),
      { timeoutMs: 20_000 },
    );
    const rolled = await local.api.post('/clusters/default/services/undo/rollback', {});
    expect(rolled.status, JSON.stringify(rolled.body)).toBeLessThan(300);
    expect(rolled.body.adoptsTasksOf).toBeDefined();
    await steadyOn('undo', good);
    expect(arnsOf(await goodTasks('undo'))).toEqual(before);
  }, 90_000);
});

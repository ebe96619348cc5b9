/**
 * A rollback keeps the tasks of the revision it goes back to: through the whole stack, a failed deploy
 * (the circuit breaker's rollback) and an API rollback launch no task and stop none of the old revision;
 * the old tasks keep their ids, and the service and deployment counts say what ECS says.
 */
import type { ECSClient, Task } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { httpClient, startTestStack } from '../support/api';
import { ecsClient, image, serviceTasks } from '../support/ecs';
import { eventually } from '../support/waiting';

let stack: LocalStack;
let api: ReturnType<typeof httpClient>;
let ecs: ECSClient;

beforeAll(async () => {
  stack = await startTestStack({
    ecs: { startMs: 500, stopMs: 500, crashAfterMs: 500, throttle: 'off' },
    reconcileIntervalMs: 2000,
    visibilityTimeoutSeconds: 2,
  });
  api = httpClient(stack.apiUrl);
  ecs = ecsClient(stack.ecsUrl);
});
afterAll(async () => {
  ecs.destroy();
  await stack.stop();
});

const register = async (family: string, containerImage: string) => {
  const response = await api.post('/task-definitions', {
    family,
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: containerImage }],
  });
  expect(response.status).toBe(201);
  return `${family}:${response.body.revision}`;
};

const getService = async (name: string) => (await api.get(`/clusters/default/services/${name}`)).body;

const goodTasks = async (name: string): Promise<Task[]> =>
  (await serviceTasks(ecs, name)).filter((task) => image(task) === 'web:good');
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
  const good = await register(name, 'web:good');
  const created = await api.post('/clusters/default/services', {
    serviceName: name,
    taskDefinition: good,
    desiredCount: 3,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: { minReadySeconds: 1, deploymentCircuitBreaker: breaker },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await steadyOn(name, good);
  const before = arnsOf(await goodTasks(name));
  expect(before).toHaveLength(3);
  return { good, before };
};

describe('a rollback adopts the running tasks of its revision', () => {
  it("the circuit breaker's rollback after a failed deploy launches nothing: the old tasks keep their ids", async () => {
    const { good, before } = await startService('keeper', { enable: true, rollback: true });
    const deployed = await api.post('/clusters/default/services/keeper/deployments', { image: 'web:crash' });
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
    const deployed = await api.post('/clusters/default/services/undo/deployments', { image: 'web:crash' });
    expect(deployed.status, JSON.stringify(deployed.body)).toBeLessThan(300);
    await eventually(
      'a crashed task of the new revision',
      async () => ((await getService('undo')).deployments[0].failedTasks > 0 ? true : undefined),
      { timeoutMs: 20_000 },
    );
    const rolled = await api.post('/clusters/default/services/undo/rollback', {});
    expect(rolled.status, JSON.stringify(rolled.body)).toBeLessThan(300);
    expect(rolled.body.adoptsTasksOf).toBeDefined();
    await steadyOn('undo', good);
    expect(arnsOf(await goodTasks('undo'))).toEqual(before);
  }, 90_000);
});

import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const HOUR = 3600_000;
const START_MS = 4000;
const STOP_MS = 3000;
const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };

/** The local ECS endpoint's virtual clock: tasks move only when the test moves time. */
const advance = async (ms: number) => {
  local.stack.ecs.ecs.advance(ms);
  await local.stack.ecs.drainEvents();
};

const taskOf = (cluster: string, taskId: string) => local.api.get(`/clusters/${cluster}/tasks/${taskId}`);

/** Waits until Tugboat's inventory (fed by ECS task events through SQS) shows the task in `lastStatus`. */
const recorded = (taskId: string, lastStatus: string) =>
  eventually(`task ${taskId} ${lastStatus} in the inventory`, async () => {
    const response = await taskOf('default', taskId);
    return response.status === 200 &&
      response.body.source === 'inventory' &&
      response.body.lastStatus === lastStatus
      ? response.body
      : undefined;
  });

const ecsTaskArns = async (startedBy: string) => {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const page = await local.ecs.send(new ListTasksCommand({ cluster: 'default', startedBy, desiredStatus }));
    arns.push(...(page.taskArns ?? []));
  }
  return arns;
};

const local = useTestStack({
  timing: 'virtual',
  ecs: { startMs: START_MS, stopMs: STOP_MS },
  contract: true,
});

beforeAll(async () => {
  const registered = await local.api.post('/task-definitions', {
    family: 'migrate',
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      { name: 'app', image: 'busybox:1.36', command: ['sleep', '600'] },
      { name: 'sidecar', image: 'envoy:1', essential: false },
    ],
  });
  expect(registered.status).toBe(201);
});

describe('one-off tasks through the API (local ECS with a virtual clock)', () => {
  let first: { taskArn: string; taskId: string };
  let second: { taskArn: string; taskId: string };
  const migrate = {
    taskDefinition: 'migrate',
    count: 2,
    networkConfiguration: network,
    clientToken: 'migrate-2026-11-25',
    startedBy: 'nightly',
    overrides: {
      containerOverrides: [
        { name: 'app', command: ['migrate', '--up'], environment: [{ name: 'DRY', value: '0' }] },
      ],
    },
  };

  it('launches tasks of a family, registering the revision with ECS on first use', async () => {
    const response = await local.api.post('/clusters/default/tasks', migrate);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.failures).toEqual([]);
    expect(response.body.tasks).toHaveLength(2);
    for (const task of response.body.tasks) {
      expect(task.startedBy).toBe('tugboat-local_nightly');
      expect(task.lastStatus).toBe('PROVISIONING');
      expect(task.serviceName).toBeUndefined();
      expect(task.taskDefinition).toBe('migrate:1');
      expect(task.ecsTaskDefinitionArn).toMatch(/:task-definition\/tugboat-local-migrate:1$/);
    }
    [first, second] = response.body.tasks;
    const definition = await local.api.get('/task-definitions/migrate/1');
    expect(definition.body.ecsTaskDefinitionArn).toMatch(/:task-definition\/tugboat-local-migrate:1$/);
  });

  it('launches nothing new for a repeated clientToken, and refuses the token with other parameters', async () => {
    const again = await local.api.post('/clusters/default/tasks', migrate);
    expect(again.status).toBe(201);
    expect(again.body.tasks.map((task: { taskArn: string }) => task.taskArn).sort()).toEqual(
      [first.taskArn, second.taskArn].sort(),
    );
    expect((await ecsTaskArns('tugboat-local_nightly')).sort()).toEqual(
      [first.taskArn, second.taskArn].sort(),
    );

    const changed = await local.api.post('/clusters/default/tasks', {
      taskDefinition: 'migrate',
      count: 1,
      networkConfiguration: network,
      clientToken: 'migrate-2026-11-25',
      startedBy: 'nightly',
    });
    expect(changed.status).toBe(409);
    expect(changed.body.error.message).toMatch(/clientToken/);
    expect(await ecsTaskArns('tugboat-local_nightly')).toHaveLength(2);
  });

  it('gives every launch without a clientToken its own token, and startedBy tugboat-local_run', async () => {
    const body = { taskDefinition: 'migrate:1', networkConfiguration: network };
    const one = await local.api.post('/clusters/default/tasks', body);
    const two = await local.api.post('/clusters/default/tasks', body);
    expect(one.status).toBe(201);
    expect(two.status).toBe(201);
    expect(one.body.tasks[0].taskArn).not.toBe(two.body.tasks[0].taskArn);
    expect(one.body.tasks[0].startedBy).toBe('tugboat-local_run');
    for (const task of [...one.body.tasks, ...two.body.tasks]) {
      expect((await local.api.delete(`/clusters/default/tasks/${task.taskId}`)).status).toBe(200);
    }
  });

  it.each([
    [{ count: 11 }, /count: must be between 1 and 10/],
    [{ count: 0 }, /count: must be between 1 and 10/],
    [{ clientToken: 'has space' }, /clientToken: must be 1-64 ASCII characters/],
    [{ clientToken: 'x'.repeat(65) }, /clientToken: must be 1-64 ASCII characters/],
    [{ startedBy: 'x'.repeat(129) }, /startedBy: must be at most 128 characters/],
    [{ startedBy: 'y'.repeat(115) }, /startedBy: Tugboat prefixes "tugboat-local_"/],
    [{ startedBy: 'tugboat-local_0123456789ab-d1' }, /reserved for the tasks of service deployments/],
    [
      { launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] },
      /mutually exclusive/,
    ],
    [
      { overrides: { containerOverrides: [{ name: 'nope' }] } },
      /containerOverrides\[0\]\.name: .*has no container "nope"/,
    ],
    [{ taskDefinition: 'unknown' }, /Unable to find an ACTIVE revision/],
    [{ taskDefinition: 'migrate:9' }, /Unable to find task definition migrate:9/],
    [{ networkConfiguration: undefined }, /networkConfiguration/],
    [{ surprise: true }, /surprise: unknown field/],
  ])('answers 400 for %j', async (change, message) => {
    const response = await local.api.post('/clusters/default/tasks', {
      taskDefinition: 'migrate',
      networkConfiguration: network,
      ...change,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(message);
  });

  it('answers 404 for an unknown cluster and an unknown task', async () => {
    const cluster = await local.api.post('/clusters/nowhere/tasks', {
      taskDefinition: 'migrate',
      networkConfiguration: network,
    });
    expect(cluster.status).toBe(404);
    expect((await taskOf('default', '0'.repeat(32))).status).toBe(404);
    expect((await local.api.delete(`/clusters/default/tasks/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await taskOf('default', 'not-a-task-id')).status).toBe(400);
  });

  it('describes a running task with its timing breakdown, from the inventory', async () => {
    await advance(START_MS);
    const task = await recorded(first.taskId, 'RUNNING');
    const { provisioning, pull, startUp, running, stopping } = task.timing;
    // The local endpoint moves PROVISIONING -> PENDING -> ACTIVATING -> RUNNING at 25, 75 and 100 %.
    expect(provisioning).toMatchObject({ durationMs: START_MS / 4, ongoing: false });
    expect(pull).toMatchObject({ durationMs: START_MS / 2, ongoing: false });
    expect(startUp).toMatchObject({ durationMs: START_MS / 4, ongoing: false });
    expect(running).toMatchObject({ startedAt: task.startedAt, ongoing: true });
    expect(stopping).toBeNull();
  });

  it('lists tasks: the one-off partition, the whole cluster, by desiredStatus, in pages', async () => {
    const oneOff = await local.api.get('/clusters/default/tasks?serviceName=-&desiredStatus=RUNNING');
    expect(oneOff.status).toBe(200);
    expect(oneOff.body.items.map((task: { taskId: string }) => task.taskId).sort()).toEqual(
      [first.taskId, second.taskId].sort(),
    );
    const all = await local.api.get('/clusters/default/tasks?desiredStatus=RUNNING');
    expect(all.body.items.map((task: { taskId: string }) => task.taskId).sort()).toEqual(
      [first.taskId, second.taskId].sort(),
    );

    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const query = `maxResults=1${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`;
      const page = await local.api.get(`/clusters/default/tasks?${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.items.map((task: { taskId: string }) => task.taskId));
      nextToken = page.body.nextToken;
      pages++;
    } while (nextToken && pages < 20);
    // The two running ones, then the two stopped launches of the previous test.
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
    expect(seen.slice(0, 2).sort()).toEqual([first.taskId, second.taskId].sort());

    expect((await local.api.get('/clusters/default/tasks?desiredStatus=DONE')).status).toBe(400);
    expect((await local.api.get('/clusters/default/tasks?nextToken=bm9wZQ')).status).toBe(400);
  });

  it('stops a task with a reason, and shows the stop in the timing', async () => {
    const stopped = await local.api.delete(
      `/clusters/default/tasks/${first.taskId}?reason=${encodeURIComponent('migration done')}`,
    );
    expect(stopped.status).toBe(200);
    expect(stopped.body.desiredStatus).toBe('STOPPED');
    await advance(STOP_MS);
    const task = await recorded(first.taskId, 'STOPPED');
    expect(task.stopCode).toBe('UserInitiated');
    expect(task.stoppedReason).toBe('migration done');
    expect(task.timing.running).toMatchObject({ endedAt: task.stoppingAt, ongoing: false });
    expect(task.timing.stopping).toMatchObject({ durationMs: STOP_MS, ongoing: false });
    expect(task.timing.running.durationMs).toBe(Date.parse(task.stoppingAt) - Date.parse(task.startedAt));
  });

  it('keeps a stopped task readable through Tugboat after ECS has forgotten it', async () => {
    await advance(2 * HOUR);
    const fromEcs = await local.ecs.send(
      new DescribeTasksCommand({ cluster: 'default', tasks: [first.taskArn] }),
    );
    expect(fromEcs.tasks).toEqual([]);
    expect(fromEcs.failures?.[0]?.reason).toBe('MISSING');

    const task = await taskOf('default', first.taskId);
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({
      source: 'inventory',
      lastStatus: 'STOPPED',
      stoppedReason: 'migration done',
      taskArn: first.taskArn,
    });
    const history = await local.api.get('/clusters/default/tasks?desiredStatus=STOPPED');
    expect(history.body.items.map((item: { taskId: string }) => item.taskId)).toContain(first.taskId);
    // Stopping it again is answered from the history rather than failing on ECS's amnesia.
    const again = await local.api.delete(`/clusters/default/tasks/${first.taskId}`);
    expect(again.status).toBe(200);
    expect(again.body.stoppedReason).toBe('migration done');
  });

  it("lists a service's tasks in its own partition and in the cluster-wide list", async () => {
    const created = await local.api.post('/clusters/default/services', {
      serviceName: 'worker',
      taskDefinition: 'migrate',
      desiredCount: 1,
      networkConfiguration: network,
    });
    expect(created.status).toBe(201);
    await local.stack.runScheduler();
    const launched = await eventually('the service task in the inventory', async () => {
      const page = await local.api.get('/clusters/default/tasks?serviceName=worker');
      return page.body.items.length === 1 ? page.body.items[0] : undefined;
    });
    expect(launched.serviceName).toBe('worker');
    const all = await local.api.get('/clusters/default/tasks?desiredStatus=RUNNING');
    expect(all.body.items.map((task: { taskId: string }) => task.taskId).sort()).toEqual(
      [launched.taskId, second.taskId].sort(),
    );
    const described = await taskOf('default', launched.taskId);
    expect(described.body).toMatchObject({ source: 'inventory', serviceName: 'worker' });
  });

  it('serves its OpenAPI document', async () => {
    const response = await local.api.get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(local.checkedCount()).toBeGreaterThan(30);
  });
});

import {
  DescribeTasksCommand,
  ECSServiceException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, type Harness, registerFargate, runFargate, startHarness } from './helpers';

let h: Harness;
afterEach(() => h?.close());

const start = async (throttle: 'off' | number) => {
  h = await startHarness({ throttle });
  await createCluster(h.client);
  await registerFargate(h.client, 'web', 'nginx');
};

/** Calls `call` n times in sequence at the same virtual instant; counts the throttled ones. */
const countThrottled = async (n: number, call: () => Promise<unknown>) => {
  let throttled = 0;
  for (let i = 0; i < n; i++) {
    try {
      await call();
    } catch (error) {
      // ECS's model has no ThrottlingException class; the SDK raises ECSServiceException named after __type.
      if (!(error instanceof ECSServiceException) || error.name !== 'ThrottlingException') throw error;
      expect(error.message).toBe('Rate exceeded');
      expect(error.$metadata.httpStatusCode).toBe(400);
      throttled++;
    }
  }
  return throttled;
};

describe('throttling at the published rates', () => {
  it('cluster-resource read (DescribeTasks, ListTasks): burst 100, then 20 per second', async () => {
    await start(1);
    const list = () => h.client.send(new ListTasksCommand({ cluster: 'apps' }));
    const describe = () => h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks: ['x'] }));
    expect(await countThrottled(60, list)).toBe(0);
    expect(await countThrottled(40, describe)).toBe(0);
    expect(await countThrottled(5, list)).toBe(5);
    h.server.ecs.advance(1000);
    expect(await countThrottled(25, describe)).toBe(5);
    h.server.ecs.advance(500);
    expect(await countThrottled(11, list)).toBe(1);
  });

  it('RunTask: the Fargate launch bucket (100 burst, 20/s) caps launches before the API bucket (100/40)', async () => {
    await start(1);
    // 100 single-task launches drain the Fargate bucket exactly.
    expect(await countThrottled(100, () => runFargate(h.client))).toBe(0);
    expect(await countThrottled(1, () => runFargate(h.client))).toBe(1);
    h.server.ecs.advance(1000);
    // 20 tasks' worth came back: two RunTasks of 10 pass, the third is throttled.
    expect(await countThrottled(3, () => runFargate(h.client, { count: 10 }))).toBe(1);
    h.server.ecs.advance(5000);
    expect(await countThrottled(1, () => runFargate(h.client, { count: 10 }))).toBe(0);
  });

  it('cluster-resource modify (StopTask, RunTask): burst 100, then 40 per second', async () => {
    await start(1);
    const tasks = await runFargate(h.client, { count: 10 });
    const stop = () => h.client.send(new StopTaskCommand({ cluster: 'apps', task: tasks[0]!.taskArn! }));
    expect(await countThrottled(99, stop)).toBe(0);
    expect(await countThrottled(3, stop)).toBe(3);
    h.server.ecs.advance(1000);
    expect(await countThrottled(45, stop)).toBe(5);
  });

  it('task-definition modify: burst 20, then 1 per second', async () => {
    await start(1); // one registration spent in start()
    const register = () =>
      h.client.send(
        new RegisterTaskDefinitionCommand({
          family: 'f',
          containerDefinitions: [{ name: 'a', image: 'nginx' }],
        }),
      );
    expect(await countThrottled(19, register)).toBe(0);
    expect(await countThrottled(1, register)).toBe(1);
    h.server.ecs.advance(3000);
    expect(await countThrottled(4, register)).toBe(1);
  });

  it('scales: a factor of 0.1 gives a burst of 10 ListTasks and 2 per second', async () => {
    await start(0.1);
    const list = () => h.client.send(new ListTasksCommand({ cluster: 'apps' }));
    expect(await countThrottled(12, list)).toBe(2);
    h.server.ecs.advance(1000);
    expect(await countThrottled(3, list)).toBe(1);
  });

  it('turns off', async () => {
    await start('off');
    const list = () => h.client.send(new ListTasksCommand({ cluster: 'apps' }));
    expect(await countThrottled(300, list)).toBe(0);
    expect(await countThrottled(30, () => runFargate(h.client, { count: 10 }))).toBe(0);
  });
});

import type { ECSClient } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEcsClientForGateway,
  createEcsGateway,
  defaultRetryPolicy,
  retryDelayMs,
} from '../../lib/ecs/gateway';
import { createReadPacer } from '../../lib/ecs/pacer';
import { DependencyError, ValidationError } from '../../lib/errors';
import { createCluster, type Harness, network, registerFargate, startHarness } from '../local-ecs/helpers';

let h: Harness | undefined;
let client: ECSClient | undefined;
afterEach(async () => {
  client?.destroy();
  await h?.close();
  client = undefined;
  h = undefined;
});

const setup = async (throttle: 'off' | number = 'off') => {
  const harness = await startHarness({ throttle });
  const ecs = createEcsClientForGateway({
    endpoint: harness.server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  h = harness;
  client = ecs;
  await createCluster(harness.client);
  await registerFargate(harness.client, 'web', 'nginx');
  return { h: harness, client: ecs };
};

/** Counts the ECS calls the gateway makes, by operation. */
const countCalls = (ecs: ECSClient) => {
  const calls: string[] = [];
  ecs.middlewareStack.add(
    (next, context) => (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
  return calls;
};

const seeded = (seed: number) => () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

describe('ECS gateway against the local endpoint', () => {
  it('runs tasks idempotently by clientToken and refuses counts ECS would refuse, without calling it', async () => {
    const { client } = await setup();
    const gateway = createEcsGateway({ client, cluster: 'apps' });
    const request = {
      taskDefinition: 'web',
      count: 3,
      clientToken: 'svc-web#7',
      startedBy: 'tugboat',
      networkConfiguration: network,
    };
    const first = await gateway.runTasks(request);
    const again = await gateway.runTasks(request);
    expect(first.tasks).toHaveLength(3);
    expect(again.tasks.map((task) => task.taskArn)).toEqual(first.tasks.map((task) => task.taskArn));
    expect(await gateway.listTasks({ startedBy: 'tugboat' })).toHaveLength(3);

    const calls = countCalls(client);
    await expect(gateway.runTasks({ ...request, count: 11 })).rejects.toBeInstanceOf(ValidationError);
    await expect(gateway.runTasks({ ...request, clientToken: 'has space' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(calls).toEqual([]);
  });

  it('describes any number of tasks 100 at a time, and lists every page', async () => {
    const { client } = await setup();
    const gateway = createEcsGateway({ client, cluster: 'apps' });
    const launched: string[] = [];
    for (let i = 0; i < 25; i++) {
      const { tasks } = await gateway.runTasks({
        taskDefinition: 'web',
        count: 10,
        clientToken: `batch-${i}`,
        networkConfiguration: network,
      });
      launched.push(...tasks.map((task) => task.taskArn!));
    }
    const calls = countCalls(client);
    const listed = await gateway.listTasks();
    expect(listed).toEqual(launched);
    expect(calls.filter((name) => name === 'ListTasksCommand')).toHaveLength(3);

    const missing = 'arn:aws:ecs:us-east-1:000000000000:task/apps/00000000000000000000000000000000';
    const described = await gateway.describeTasks([...launched, missing]);
    expect(described.tasks.map((task) => task.taskArn)).toEqual(launched);
    expect(described.failures).toEqual([{ arn: missing, reason: 'MISSING' }]);
    expect(calls.filter((name) => name === 'DescribeTasksCommand')).toHaveLength(3);
    expect(await gateway.describeTasks([])).toEqual({ tasks: [], failures: [] });
  });

  it('stops tasks and registers task definitions', async () => {
    const { client } = await setup();
    const gateway = createEcsGateway({ client, cluster: 'apps' });
    const definition = await gateway.registerTaskDefinition({
      family: 'api',
      cpu: '512',
      memory: '1024',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'api', image: 'api:1' }],
    });
    expect(definition.taskDefinitionArn).toBe('arn:aws:ecs:us-east-1:000000000000:task-definition/api:1');
    const { tasks } = await gateway.runTasks({
      taskDefinition: definition.taskDefinitionArn!,
      count: 1,
      clientToken: 'api-1',
      networkConfiguration: network,
    });
    const stopped = await gateway.stopTask(tasks[0]!.taskArn!, 'deploy replaced it');
    expect(stopped).toMatchObject({
      desiredStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'deploy replaced it',
    });
    expect(await gateway.listTasks({ desiredStatus: 'STOPPED' })).toEqual([tasks[0]!.taskArn]);
  });

  it('retries ThrottlingException with exponential backoff and full jitter until ECS lets it through', async () => {
    const { h, client } = await setup(1);
    const sleeps: number[] = [];
    const gateway = createEcsGateway({
      client,
      cluster: 'apps',
      random: seeded(3),
      retry: { maxAttempts: 20, baseDelayMs: 100 },
      // Sleeping moves the endpoint's virtual clock, so buckets refill exactly as they would in real time.
      sleep: async (ms) => {
        sleeps.push(ms);
        h.server.ecs.advance(ms);
      },
    });
    // 10 RunTasks of 10 drain the Fargate launch bucket (100 burst, 20/s).
    for (let i = 0; i < 10; i++) {
      await gateway.runTasks({
        taskDefinition: 'web',
        count: 10,
        clientToken: `burst-${i}`,
        networkConfiguration: network,
      });
    }
    expect(sleeps).toEqual([]);
    const { tasks } = await gateway.runTasks({
      taskDefinition: 'web',
      count: 10,
      clientToken: 'after-burst',
      networkConfiguration: network,
    });
    expect(tasks).toHaveLength(10);
    expect(sleeps.length).toBeGreaterThan(0);
    sleeps.forEach((ms, attempt) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(Math.min(defaultRetryPolicy.maxDelayMs, 100 * 2 ** attempt));
    });
    // It waited at least the 500 ms that 10 launch tokens take to refill at 20/s.
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(500);
    expect(await gateway.listTasks()).toHaveLength(110);
  });

  it('paces reads to the published read bucket: 150 DescribeTasks calls, none throttled', async () => {
    const { h, client } = await setup(1);
    let calls = 0;
    let throttled = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        try {
          return await next(args);
        } catch (error) {
          if ((error as Error).name === 'ThrottlingException') throttled++;
          throw error;
        }
      },
      { step: 'initialize' },
    );
    const arns = Array.from(
      { length: 15_000 },
      (_, index) => `arn:aws:ecs:us-east-1:000000000000:task/apps/${index.toString(16).padStart(32, '0')}`,
    );
    // The pacer and the gateway's sleeps run on the endpoint's virtual clock.
    const sleep = async (ms: number) => h.server.ecs.advance(ms);
    const startedAt = h.server.ecs.now();
    const paced = createEcsGateway({
      client,
      cluster: 'apps',
      sleep,
      readPacer: createReadPacer({ now: () => h.server.ecs.now(), sleep }),
    });
    const { failures } = await paced.describeTasks(arns);
    expect(failures).toHaveLength(15_000);
    expect({ calls, throttled }).toEqual({ calls: 150, throttled: 0 });
    // 100 at once, then 50 at 20 per second.
    expect(h.server.ecs.now() - startedAt).toBe(2_500);

    // Without the pacer the same reads are throttled once the bucket is empty.
    calls = 0;
    const unpaced = createEcsGateway({ client, cluster: 'apps', sleep, random: seeded(7) });
    await unpaced.describeTasks(arns.slice(0, 5_000));
    expect(throttled).toBeGreaterThan(0);
    expect(calls).toBeGreaterThan(50);
  });

  it('gives up with a DependencyError after maxAttempts, and does not retry other errors', async () => {
    const { client } = await setup(1);
    let slept = 0;
    const gateway = createEcsGateway({
      client,
      cluster: 'apps',
      retry: { maxAttempts: 3 },
      sleep: async () => {
        slept++;
      },
    });
    for (let i = 0; i < 10; i++) {
      await gateway.runTasks({
        taskDefinition: 'web',
        count: 10,
        clientToken: `b-${i}`,
        networkConfiguration: network,
      });
    }
    const error = await gateway
      .runTasks({ taskDefinition: 'web', count: 1, clientToken: 'over', networkConfiguration: network })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).cause).toMatchObject({ name: 'ThrottlingException' });
    expect(slept).toBe(2);

    const notThrottled = await createEcsGateway({ client, cluster: 'nope', sleep: async () => void slept++ })
      .listTasks()
      .catch((caught: unknown) => caught);
    expect(notThrottled).toMatchObject({ name: 'ClusterNotFoundException' });
    expect(slept).toBe(2);
  });
});

describe('retryDelayMs', () => {
  it('is uniform in [0, min(max, base * 2^attempt))', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(0, policy, () => 0)).toBe(0);
    expect(retryDelayMs(0, policy, () => 0.999)).toBe(99);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(400);
    expect(retryDelayMs(10, policy, () => 0.999)).toBe(999);
  });
});

import type { ECSClient } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { createEcsClientForGateway, createEcsGateway } from '../../lib/ecs/gateway';
import { type Pacer, PacingDeadlineError } from '../../lib/ecs/pacer';
import { DependencyError } from '../../lib/errors';
import { type Harness, network, startHarness } from '../local-ecs/helpers';

let h: Harness | undefined;
let client: ECSClient | undefined;
afterEach(async () => {
  client?.destroy();
  await h?.close();
  client = undefined;
  h = undefined;
});

const seeded = (seed: number) => () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

const setup = async (faultRate = 0) => {
  const harness = await startHarness({ faultRate, random: seeded(11) });
  const ecs = createEcsClientForGateway({
    endpoint: harness.server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  h = harness;
  client = ecs;
  // Set up straight on the engine: the fault rate applies to HTTP calls only.
  harness.server.ecs.handle('CreateCluster', { clusterName: 'apps' });
  harness.server.ecs.handle('RegisterTaskDefinition', {
    family: 'web',
    cpu: '256',
    memory: '512',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    containerDefinitions: [{ name: 'app', image: 'nginx' }],
  });
  return { h: harness, client: ecs };
};

/** A pacer that records what it is asked, and always has room. */
const recordingPacer = () => {
  const reserved: number[] = [];
  const charged: number[] = [];
  const pacer: Pacer = {
    reserve: async (count) => {
      reserved.push(count);
    },
    charge: async (count) => {
      charged.push(count);
    },
    exhausted: () => undefined,
  };
  return { pacer, reserved, charged };
};

const listed = (harness: Harness) =>
  ((harness.server.ecs.handle('ListTasks', { cluster: 'apps' }) as { taskArns?: string[] }).taskArns ?? [])
    .length;

describe('ECS gateway: transient faults', () => {
  it('retries HTTP 500s with back-off, and a RunTask made again never launches twice', async () => {
    const { h, client } = await setup(0.4);
    const sleeps: number[] = [];
    const gateway = createEcsGateway({
      client,
      cluster: 'apps',
      retry: { maxAttempts: 20 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: seeded(3),
    });
    let launched = 0;
    for (let call = 0; call < 30; call++) {
      const result = await gateway.runTasks({
        taskDefinition: 'web',
        count: 2,
        clientToken: `token-${call}`,
        networkConfiguration: network,
      });
      launched += result.tasks.length;
    }
    expect(launched).toBe(60);
    expect(listed(h)).toBe(60);
    expect(sleeps.length).toBeGreaterThan(5);
  });

  it('gives up with a DependencyError after maxAttempts, and before a wait would pass the deadline', async () => {
    const { client } = await setup(1);
    const gateway = createEcsGateway({
      client,
      cluster: 'apps',
      retry: { maxAttempts: 3 },
      sleep: async () => undefined,
    });
    const error = await gateway.listTasks().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).cause).toMatchObject({ name: 'ServerException' });

    let now = 0;
    const timed = createEcsGateway({
      client,
      cluster: 'apps',
      retry: { maxAttempts: 50, baseDelayMs: 1_000 },
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      random: () => 0.99,
    });
    const late = await timed
      .runTasks({
        taskDefinition: 'web',
        count: 1,
        clientToken: 'late',
        networkConfiguration: network,
        deadline: 5_000,
      })
      .catch((caught: unknown) => caught);
    expect(late).toBeInstanceOf(DependencyError);
    expect(String((late as Error).message)).toContain('deadline');
    expect(now).toBeLessThanOrEqual(5_000);
  });
});

describe('ECS gateway: launch budget', () => {
  it('a replay of a launch ECS already made takes no launch budget; a fresh one is charged', async () => {
    const { h, client } = await setup();
    const { pacer, reserved, charged } = recordingPacer();
    let now = h.server.ecs.now();
    const gateway = createEcsGateway({ client, cluster: 'apps', launchPacer: pacer, now: () => now });
    const request = { taskDefinition: 'web', count: 5, clientToken: 'once', networkConfiguration: network };
    await gateway.runTasks(request);
    expect(reserved).toEqual([5]);

    // A minute later, the next pass replays it: ECS answers from the token, nothing is reserved.
    h.server.ecs.advance(60_000);
    now = h.server.ecs.now();
    const replayed = await gateway.runTasks({ ...request, replay: true });
    expect(replayed.tasks).toHaveLength(5);
    expect(reserved).toEqual([5]);
    expect(charged).toEqual([]);

    // A replay of a launch that was never made launches now, and what it spent is charged.
    await gateway.runTasks({ ...request, clientToken: 'never-made', replay: true });
    expect(reserved).toEqual([5]);
    expect(charged).toEqual([5]);
    expect(listed(h)).toBe(10);
  });

  it('does not wait for launch room past the deadline', async () => {
    const { client } = await setup();
    const pacer: Pacer = {
      reserve: async (_count, deadline) => {
        if (deadline !== undefined) throw new PacingDeadlineError(2_000);
      },
      charge: async () => undefined,
      exhausted: () => undefined,
    };
    const gateway = createEcsGateway({ client, cluster: 'apps', launchPacer: pacer });
    await expect(
      gateway.runTasks({
        taskDefinition: 'web',
        count: 1,
        clientToken: 'd',
        networkConfiguration: network,
        deadline: 1,
      }),
    ).rejects.toBeInstanceOf(PacingDeadlineError);
  });
});

describe('ECS gateway: the modify budget RunTask and StopTask share', () => {
  const stoppingStatus = (harness: Harness, taskArn: string) =>
    (
      harness.server.ecs.handle('DescribeTasks', { cluster: 'apps', tasks: [taskArn] }) as {
        tasks: { desiredStatus: string }[];
      }
    ).tasks[0]?.desiredStatus;

  it('each StopTask waits for room; each RunTask ECS answered is charged to it', async () => {
    const { h, client } = await setup();
    const modify = recordingPacer();
    const gateway = createEcsGateway({ client, cluster: 'apps', modifyPacer: modify.pacer });
    const { tasks } = await gateway.runTasks({
      taskDefinition: 'web',
      count: 2,
      clientToken: 'two',
      networkConfiguration: network,
    });
    // One call, however many tasks it launched.
    expect(modify.charged).toEqual([1]);
    expect(modify.reserved).toEqual([]);
    await gateway.stopTask(tasks[0]!.taskArn!, 'scaled in');
    expect(modify.reserved).toEqual([1]);
    expect(stoppingStatus(h, tasks[0]!.taskArn!)).toBe('STOPPED');
  });

  it('a StopTask with a deadline does not wait for room past it, and stops nothing', async () => {
    const { h, client } = await setup();
    const deadlines: Array<number | undefined> = [];
    const modifyPacer: Pacer = {
      reserve: async (_count, deadline) => {
        deadlines.push(deadline);
        if (deadline !== undefined) throw new PacingDeadlineError(1_500);
      },
      charge: async () => undefined,
      exhausted: () => undefined,
    };
    const gateway = createEcsGateway({ client, cluster: 'apps', modifyPacer, now: () => 1_000 });
    const { tasks } = await gateway.runTasks({
      taskDefinition: 'web',
      count: 1,
      clientToken: 'one',
      networkConfiguration: network,
    });
    const taskArn = tasks[0]!.taskArn!;
    const held = await gateway.stopTask(taskArn, 'scaled in', 61_000).catch((caught: unknown) => caught);
    expect(held).toBeInstanceOf(PacingDeadlineError);
    expect((held as PacingDeadlineError).retryInMs).toBe(1_500);
    expect(stoppingStatus(h, taskArn)).toBe('RUNNING');
    // Without a deadline (a person's DELETE through the API) it waits as long as it takes.
    await gateway.stopTask(taskArn, 'by hand');
    expect(deadlines).toEqual([1_000 + 5_000, undefined]);
    expect(stoppingStatus(h, taskArn)).toBe('STOPPED');
  });

  it('a call with a deadline waits for room no longer than maxRoomWaitMs, nor past its deadline', async () => {
    const { client } = await setup();
    const deadlines: Array<number | undefined> = [];
    const launchPacer: Pacer = {
      reserve: async (_count, deadline) => {
        deadlines.push(deadline);
      },
      charge: async () => undefined,
      exhausted: () => undefined,
    };
    const gateway = createEcsGateway({
      client,
      cluster: 'apps',
      launchPacer,
      maxRoomWaitMs: 2_000,
      now: () => 10_000,
    });
    const launch = (clientToken: string, deadline: number) =>
      gateway.runTasks({
        taskDefinition: 'web',
        count: 1,
        clientToken,
        networkConfiguration: network,
        deadline,
      });
    await launch('far', 60_000);
    await launch('near', 11_000);
    expect(deadlines).toEqual([12_000, 11_000]);
  });
});

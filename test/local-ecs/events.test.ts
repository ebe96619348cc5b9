import { DescribeTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskStateChangeEvent } from '../../local/ecs';
import { createCluster, type Harness, registerFargate, runFargate, startHarness, t0 } from './helpers';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const seeded = (seed: number) => () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

/** Task ids are random, so events of two runs are compared by what they say, not by which task. */
const content = (event: TaskStateChangeEvent) =>
  [
    event.detail.taskDefinitionArn,
    event.detail.lastStatus,
    event.detail.healthStatus,
    event.detail.version,
    event.time,
  ].join('|');

/** Launches 3 tasks (one crashes), stops one, and runs the clock until everything settled. */
const scenario = async (harness: Harness) => {
  await createCluster(harness.client);
  await registerFargate(harness.client, 'web', 'nginx');
  await registerFargate(harness.client, 'bad', 'nginx:crash');
  const web = await runFargate(harness.client, { count: 2 });
  harness.server.ecs.advance(700);
  const [bad] = await runFargate(harness.client, { taskDefinition: 'bad' });
  harness.server.ecs.advance(2000);
  await harness.client.send(new StopTaskCommand({ cluster: 'apps', task: web[0]!.taskArn! }));
  harness.server.ecs.advance(10_000);
  return { web, bad: bad! };
};

describe('task state change events', () => {
  it('emits one EventBridge-shaped event per state change, in timestamp order, versions increasing', async () => {
    h = await startHarness();
    const { web, bad } = await scenario(h);
    const events = h.events;
    const byTask = (arn: string) => events.filter((event) => event.detail.taskArn === arn);

    const stopped = byTask(web[0]!.taskArn!);
    expect(stopped.map((event) => event.detail.lastStatus)).toEqual([
      'PROVISIONING',
      'PENDING',
      'ACTIVATING',
      'RUNNING',
      'DEACTIVATING',
      'STOPPING',
      'DEPROVISIONING',
      'STOPPED',
    ]);
    expect(stopped.map((event) => event.detail.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(byTask(web[1]!.taskArn!).map((event) => event.detail.lastStatus)).toEqual([
      'PROVISIONING',
      'PENDING',
      'ACTIVATING',
      'RUNNING',
    ]);
    const crashed = byTask(bad.taskArn!);
    expect(crashed.at(-1)?.detail).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
    });

    const times = events.map((event) => Date.parse(event.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);

    const first = stopped[0]!;
    expect(first).toMatchObject({
      version: '0',
      source: 'aws.ecs',
      'detail-type': 'ECS Task State Change',
      account: '000000000000',
      region: 'us-east-1',
      resources: [web[0]!.taskArn],
      time: new Date(t0).toISOString(),
    });
    expect(first.detail).toMatchObject({
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/apps',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
      desiredStatus: 'RUNNING',
      launchType: 'FARGATE',
      createdAt: new Date(t0).toISOString(),
      cpu: '256',
      memory: '512',
      healthStatus: 'UNKNOWN',
    });
    expect((first.detail.containers as { healthStatus?: string }[])[0]?.healthStatus).toBe('UNKNOWN');
    const last = stopped.at(-1)!.detail;
    expect(last).toMatchObject({ stopCode: 'UserInitiated', desiredStatus: 'STOPPED' });
    for (const field of [
      'pullStartedAt',
      'pullStoppedAt',
      'startedAt',
      'stoppingAt',
      'executionStoppedAt',
      'stoppedAt',
    ]) {
      expect(last[field], field).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('with chaos on, duplicates and reorders the same events', async () => {
    const calm = await startHarness();
    await scenario(calm);
    const expected = calm.events.map(content).sort();
    await calm.close();

    h = await startHarness({ eventChaos: true, random: seeded(42) });
    await scenario(h);
    const unique = [...new Map(h.events.map((event) => [event.id, event])).values()];
    expect(unique.map(content).sort()).toEqual(expected);
    expect(h.events.length).toBeGreaterThan(unique.length);
    const outOfOrder = h.events.some(
      (event, i) => i > 0 && Date.parse(event.time) < Date.parse(h!.events[i - 1]!.time),
    );
    expect(outOfOrder).toBe(true);
  });

  it('is driven by a timer in real-time mode', async () => {
    h = await startHarness({ clock: 'real', startTime: undefined, startMs: 40, stopMs: 20 });
    await createCluster(h.client);
    await registerFargate(h.client, 'web', 'nginx');
    const [task] = await runFargate(h.client);
    await expect
      .poll(
        () =>
          h!.events.filter((event) => event.detail.taskArn === task!.taskArn).map((e) => e.detail.lastStatus),
        {
          timeout: 5000,
          interval: 10,
        },
      )
      .toEqual(['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING']);
  });

  it('sends each event to the configured SQS queue', async () => {
    const sqsServer = await startFauxqs({ port: 0, logger: false });
    const sqs = new SQSClient({
      endpoint: sqsServer.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ecs-events' }));
      h = await startHarness({ eventsQueueUrl: QueueUrl!, sqsClient: sqs, eventSink: undefined });
      await createCluster(h.client);
      await registerFargate(h.client, 'web', 'nginx');
      const [task] = await runFargate(h.client);
      h.server.ecs.advance(2000);
      await h.server.drainEvents();
      const bodies: TaskStateChangeEvent[] = [];
      for (let i = 0; i < 5 && bodies.length < 4; i++) {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
        bodies.push(
          ...(received.Messages ?? []).map((message) => JSON.parse(message.Body!) as TaskStateChangeEvent),
        );
      }
      expect(
        bodies.map((event) => [event.detail.taskArn, event.detail.lastStatus, event.detail.version]),
      ).toEqual([
        [task!.taskArn, 'PROVISIONING', 1],
        [task!.taskArn, 'PENDING', 2],
        [task!.taskArn, 'ACTIVATING', 3],
        [task!.taskArn, 'RUNNING', 4],
      ]);
      expect(bodies[0]?.source).toBe('aws.ecs');
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    } finally {
      await h?.close();
      h = undefined;
      sqs.destroy();
      await sqsServer.stop();
    }
  });
});

describe('health changes as events', () => {
  const withHealthCheck = (image: string, startPeriod?: number) => ({
    containerDefinitions: [
      {
        name: 'app',
        image,
        essential: true,
        healthCheck: { command: ['CMD', 'true'], ...(startPeriod === undefined ? {} : { startPeriod }) },
      },
    ],
  });
  const summary = (event: TaskStateChangeEvent) => ({
    lastStatus: event.detail.lastStatus,
    healthStatus: event.detail.healthStatus,
    containerHealth: (event.detail.containers as { healthStatus?: string }[]).map(
      (container) => container.healthStatus,
    ),
    version: event.detail.version,
    time: event.time,
  });
  const at = (ms: number) => new Date(t0 + ms).toISOString();

  it.each([
    ['nginx:1.27', 'HEALTHY'],
    ['nginx:unhealthy', 'UNHEALTHY'],
  ])(
    '%s: RUNNING with UNKNOWN, then %s at RUNNING + startPeriod as its own event',
    async (image, verdict) => {
      h = await startHarness();
      await createCluster(h.client);
      await registerFargate(h.client, 'web', image, withHealthCheck(image, 30));
      const [task] = await runFargate(h.client);
      h.server.ecs.advance(2000 + 30_000 - 1);
      const mine = () => h!.events.filter((event) => event.detail.taskArn === task!.taskArn);
      expect(mine().map(summary).at(-1)).toEqual({
        lastStatus: 'RUNNING',
        healthStatus: 'UNKNOWN',
        containerHealth: ['UNKNOWN'],
        version: 4,
        time: at(2000),
      });

      h.server.ecs.advance(1);
      expect(mine().map(summary).slice(3)).toEqual([
        {
          lastStatus: 'RUNNING',
          healthStatus: 'UNKNOWN',
          containerHealth: ['UNKNOWN'],
          version: 4,
          time: at(2000),
        },
        {
          lastStatus: 'RUNNING',
          healthStatus: verdict,
          containerHealth: [verdict],
          version: 5,
          time: at(32_000),
        },
      ]);
      expect(
        mine()
          .slice(0, 3)
          .map((event) => event.detail.healthStatus),
      ).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);

      // At the same instant DescribeTasks tells the same story as the event.
      const described = (
        await h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [task!.taskArn!] }))
      ).tasks?.[0];
      expect(described?.healthStatus).toBe(verdict);
      expect(described?.version).toBe(5);

      h.server.ecs.advance(3_600_000);
      expect(mine()).toHaveLength(5);
    },
  );

  it('with no startPeriod, the verdict follows RUNNING at the same instant with a higher version', async () => {
    h = await startHarness();
    await createCluster(h.client);
    await registerFargate(h.client, 'web', 'nginx', withHealthCheck('nginx'));
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000);
    const mine = h.events.filter((event) => event.detail.taskArn === task!.taskArn).map(summary);
    expect(mine.slice(3)).toEqual([
      {
        lastStatus: 'RUNNING',
        healthStatus: 'UNKNOWN',
        containerHealth: ['UNKNOWN'],
        version: 4,
        time: at(2000),
      },
      {
        lastStatus: 'RUNNING',
        healthStatus: 'HEALTHY',
        containerHealth: ['HEALTHY'],
        version: 5,
        time: at(2000),
      },
    ]);
  });

  it('emits no health event for tasks without a health check, whatever the image', async () => {
    h = await startHarness();
    await createCluster(h.client);
    await registerFargate(h.client, 'web', 'nginx');
    await registerFargate(h.client, 'sick', 'nginx:unhealthy');
    const [plain] = await runFargate(h.client);
    const [sick] = await runFargate(h.client, { taskDefinition: 'sick' });
    h.server.ecs.advance(3_600_000);
    for (const task of [plain!, sick!]) {
      const mine = h.events.filter((event) => event.detail.taskArn === task.taskArn);
      expect(mine.map((event) => [event.detail.lastStatus, event.detail.healthStatus])).toEqual([
        ['PROVISIONING', 'UNKNOWN'],
        ['PENDING', 'UNKNOWN'],
        ['ACTIVATING', 'UNKNOWN'],
        ['RUNNING', 'UNKNOWN'],
      ]);
    }
  });

  it('a task stopped before startPeriod is over gets no health event', async () => {
    h = await startHarness();
    await createCluster(h.client);
    await registerFargate(h.client, 'web', 'nginx', withHealthCheck('nginx', 30));
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000 + 10_000);
    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: task!.taskArn! }));
    h.server.ecs.advance(3_600_000);
    const mine = h.events.filter((event) => event.detail.taskArn === task!.taskArn);
    expect(mine.map((event) => [event.detail.lastStatus, event.detail.healthStatus])).toEqual([
      ['PROVISIONING', 'UNKNOWN'],
      ['PENDING', 'UNKNOWN'],
      ['ACTIVATING', 'UNKNOWN'],
      ['RUNNING', 'UNKNOWN'],
      ['DEACTIVATING', 'UNKNOWN'],
      ['STOPPING', 'UNKNOWN'],
      ['DEPROVISIONING', 'UNKNOWN'],
      ['STOPPED', 'UNKNOWN'],
    ]);
  });

  it('a HEALTHY task that is stopped reports UNKNOWN from the stop on', async () => {
    h = await startHarness();
    await createCluster(h.client);
    await registerFargate(h.client, 'web', 'nginx', withHealthCheck('nginx', 5));
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000 + 5_000);
    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: task!.taskArn! }));
    h.server.ecs.advance(1000);
    const mine = h.events.filter((event) => event.detail.taskArn === task!.taskArn);
    expect(mine.slice(3).map((event) => [event.detail.lastStatus, event.detail.healthStatus])).toEqual([
      ['RUNNING', 'UNKNOWN'],
      ['RUNNING', 'HEALTHY'],
      ['DEACTIVATING', 'UNKNOWN'],
      ['STOPPING', 'UNKNOWN'],
      ['DEPROVISIONING', 'UNKNOWN'],
      ['STOPPED', 'UNKNOWN'],
    ]);
    expect(mine.map((event) => event.detail.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

import { DescribeTasksCommand, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createCluster,
  describeOne,
  type Harness,
  registerFargate,
  runFargate,
  startAppsHarness,
  startHarness,
  statusesAt,
  t0,
} from './helpers';

let h: Harness;

beforeEach(async () => {
  h = await startAppsHarness();
});
afterEach(() => h.close());

describe('lifecycle', () => {
  it('goes PROVISIONING -> PENDING -> ACTIVATING -> RUNNING, filling the timestamps ECS fills', async () => {
    await registerFargate(h.client, 'web', 'nginx:1.27');
    const [launched] = await runFargate(h.client, {
      startedBy: 'tugboat',
      group: 'service:web',
      tags: [{ key: 'a', value: 'b' }],
    });
    expect(launched?.lastStatus).toBe('PROVISIONING');
    expect(launched?.desiredStatus).toBe('RUNNING');
    expect(launched?.createdAt?.getTime()).toBe(t0);
    expect(launched?.taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/apps\/[0-9a-f]{32}$/);
    expect(launched?.clusterArn).toBe('arn:aws:ecs:us-east-1:000000000000:cluster/apps');
    expect(launched?.taskDefinitionArn).toBe('arn:aws:ecs:us-east-1:000000000000:task-definition/web:1');
    expect(launched?.launchType).toBe('FARGATE');
    expect([launched?.cpu, launched?.memory]).toEqual(['256', '512']);
    expect(launched?.availabilityZone).toMatch(/^us-east-1[a-f]$/);
    expect(launched?.containers?.[0]?.lastStatus).toBe('PENDING');
    const arn = launched!.taskArn!;

    expect(await statusesAt(h, arn, [499, 500, 1499, 1500, 1999, 2000])).toEqual([
      'PROVISIONING',
      'PENDING',
      'PENDING',
      'ACTIVATING',
      'ACTIVATING',
      'RUNNING',
    ]);
    const running = await describeOne(h, arn);
    expect(running?.pullStartedAt?.getTime()).toBe(t0 + 500);
    expect(running?.pullStoppedAt?.getTime()).toBe(t0 + 1500);
    expect(running?.startedAt?.getTime()).toBe(t0 + 2000);
    expect(running?.containers?.[0]?.lastStatus).toBe('RUNNING');
    expect(running?.healthStatus).toBe('UNKNOWN');
    expect(running?.startedBy).toBe('tugboat');
    expect(running?.group).toBe('service:web');
    expect(running?.tags).toEqual([{ key: 'a', value: 'b' }]);
    expect(running?.stoppingAt).toBeUndefined();

    // Runs until stopped.
    h.server.ecs.advance(6 * 3_600_000);
    expect((await describeOne(h, arn))?.lastStatus).toBe('RUNNING');

    const stopAt = t0 + 2000 + 6 * 3_600_000;
    const stopped = await h.client.send(
      new StopTaskCommand({ cluster: 'apps', task: arn, reason: 'scale in' }),
    );
    expect(stopped.task?.desiredStatus).toBe('STOPPED');
    expect(stopped.task?.lastStatus).toBe('DEACTIVATING');
    expect(stopped.task?.stopCode).toBe('UserInitiated');
    expect(stopped.task?.stoppedReason).toBe('scale in');
    expect(stopped.task?.stoppingAt?.getTime()).toBe(stopAt);

    expect(await statusesAt(h, arn, [332, 333, 666, 667, 999, 1000])).toEqual([
      'DEACTIVATING',
      'STOPPING',
      'STOPPING',
      'DEPROVISIONING',
      'DEPROVISIONING',
      'STOPPED',
    ]);
    const final = await describeOne(h, arn);
    expect(final?.executionStoppedAt?.getTime()).toBe(stopAt + 667);
    expect(final?.stoppedAt?.getTime()).toBe(stopAt + 1000);
    expect(final?.containers?.[0]?.lastStatus).toBe('STOPPED');
    expect(final?.containers?.[0]?.exitCode).toBe(0);
    expect(final?.stoppedReason).toBe('scale in');
  });

  it('keeps the first stop when StopTask is repeated', async () => {
    await registerFargate(h.client, 'web', 'nginx');
    const [task] = await runFargate(h.client);
    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: task!.taskArn!, reason: 'first' }));
    const again = await h.client.send(
      new StopTaskCommand({ cluster: 'apps', task: task!.taskArn!, reason: 'second' }),
    );
    expect(again.task?.stoppedReason).toBe('first');
  });

  it('stops a task that never started via STOPPING, without DEACTIVATING', async () => {
    await registerFargate(h.client, 'web', 'nginx');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(600);
    const stopped = await h.client.send(
      new StopTaskCommand({ cluster: 'apps', task: task!.taskArn!.split('/').at(-1)! }),
    );
    expect(stopped.task?.lastStatus).toBe('STOPPING');
    expect(await statusesAt(h, task!.taskArn!, [500, 1000])).toEqual(['DEPROVISIONING', 'STOPPED']);
    expect((await describeOne(h, task!.taskArn!))?.startedAt).toBeUndefined();
  });

  it('names tasks alike in two runs with seededTaskIds and the same seed', async () => {
    const arnsOfRun = async () => {
      await h.close();
      let seed = 11;
      const random = () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      h = await startHarness({ seededTaskIds: true, random });
      await createCluster(h.client);
      await registerFargate(h.client, 'web', 'nginx');
      return (await runFargate(h.client, { count: 3 })).map((task) => task.taskArn);
    };
    const first = await arnsOfRun();
    expect(new Set(first).size).toBe(3);
    expect(await arnsOfRun()).toEqual(first);
  });

  it('randomizes durations when jitter is set', async () => {
    await h.close();
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    h = await startHarness({ jitter: 0.5, random });
    await createCluster(h.client);
    await registerFargate(h.client, 'web', 'nginx');
    await runFargate(h.client, { count: 10 });
    h.server.ecs.advance(3000);
    const arns = (await h.client.send(new ListTasksCommand({ cluster: 'apps' }))).taskArns!;
    const tasks = (await h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks: arns }))).tasks!;
    const startTimes = new Set(tasks.map((task) => task.startedAt!.getTime() - t0));
    expect(startTimes.size).toBeGreaterThan(5);
    for (const start of startTimes) {
      expect(start).toBeGreaterThanOrEqual(1000);
      expect(start).toBeLessThanOrEqual(3000);
    }
  });
});

describe('STOPPED visibility', () => {
  it('keeps STOPPED tasks visible for an hour, then they vanish', async () => {
    await registerFargate(h.client, 'web', 'nginx');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000);
    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: task!.taskArn! }));
    h.server.ecs.advance(1000);
    const listStopped = () =>
      h.client.send(new ListTasksCommand({ cluster: 'apps', desiredStatus: 'STOPPED' }));
    expect((await listStopped()).taskArns).toEqual([task!.taskArn]);
    expect((await h.client.send(new ListTasksCommand({ cluster: 'apps' }))).taskArns).toEqual([]);

    h.server.ecs.advance(3_600_000 - 1);
    expect((await describeOne(h, task!.taskArn!))?.lastStatus).toBe('STOPPED');
    expect((await listStopped()).taskArns).toHaveLength(1);

    h.server.ecs.advance(1);
    const gone = await h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [task!.taskArn!] }));
    expect(gone.tasks).toEqual([]);
    expect(gone.failures).toEqual([{ arn: task!.taskArn, reason: 'MISSING' }]);
    expect((await listStopped()).taskArns).toEqual([]);
    expect(h.server.ecs.taskCount()).toBe(0);
  });
});

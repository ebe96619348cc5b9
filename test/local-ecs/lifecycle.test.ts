import { DescribeTasksCommand, ListTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCluster, type Harness, registerFargate, runFargate, startHarness, t0 } from './helpers';

let h: Harness;

beforeEach(async () => {
  // Defaults: start 2000 ms, stop 1000 ms, crash 1000 ms after RUNNING.
  h = await startHarness();
  await createCluster(h.client, { capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
});
afterEach(() => h.close());

const describeOne = async (arn: string): Promise<Task | undefined> =>
  (await h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [arn], include: ['TAGS'] })))
    .tasks?.[0];

/** The task's lastStatus at each of the given virtual instants (ms after launch). */
const statusesAt = async (arn: string, instants: number[]) => {
  const seen: string[] = [];
  let elapsed = 0;
  for (const instant of instants) {
    h.server.ecs.advance(instant - elapsed);
    elapsed = instant;
    seen.push((await describeOne(arn))?.lastStatus ?? 'GONE');
  }
  return seen;
};

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

    expect(await statusesAt(arn, [499, 500, 1499, 1500, 1999, 2000])).toEqual([
      'PROVISIONING',
      'PENDING',
      'PENDING',
      'ACTIVATING',
      'ACTIVATING',
      'RUNNING',
    ]);
    const running = await describeOne(arn);
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
    expect((await describeOne(arn))?.lastStatus).toBe('RUNNING');

    const stopAt = t0 + 2000 + 6 * 3_600_000;
    const stopped = await h.client.send(
      new StopTaskCommand({ cluster: 'apps', task: arn, reason: 'scale in' }),
    );
    expect(stopped.task?.desiredStatus).toBe('STOPPED');
    expect(stopped.task?.lastStatus).toBe('DEACTIVATING');
    expect(stopped.task?.stopCode).toBe('UserInitiated');
    expect(stopped.task?.stoppedReason).toBe('scale in');
    expect(stopped.task?.stoppingAt?.getTime()).toBe(stopAt);

    expect(await statusesAt(arn, [332, 333, 666, 667, 999, 1000])).toEqual([
      'DEACTIVATING',
      'STOPPING',
      'STOPPING',
      'DEPROVISIONING',
      'DEPROVISIONING',
      'STOPPED',
    ]);
    const final = await describeOne(arn);
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
    expect(await statusesAt(task!.taskArn!, [500, 1000])).toEqual(['DEPROVISIONING', 'STOPPED']);
    expect((await describeOne(task!.taskArn!))?.startedAt).toBeUndefined();
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

describe('image tag behaviour', () => {
  it('crash: the essential container exits 1 about 1 s after RUNNING', async () => {
    await registerFargate(h.client, 'web', 'registry.local:5000/shop/api:v2-crash');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2999);
    expect((await describeOne(task!.taskArn!))?.lastStatus).toBe('RUNNING');
    h.server.ecs.advance(1);
    const exiting = await describeOne(task!.taskArn!);
    expect(exiting?.desiredStatus).toBe('STOPPED');
    expect(exiting?.lastStatus).toBe('DEACTIVATING');
    expect(exiting?.containers?.[0]?.exitCode).toBe(1);
    expect(exiting?.executionStoppedAt?.getTime()).toBe(t0 + 3000);
    h.server.ecs.advance(1000);
    const stopped = await describeOne(task!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.stopCode).toBe('EssentialContainerExited');
    expect(stopped?.stoppedReason).toBe('Essential container in task exited');
    expect(stopped?.containers?.[0]?.exitCode).toBe(1);
  });

  it('exit<N>: the essential container exits with code N about 3 s after RUNNING', async () => {
    await registerFargate(h.client, 'web', 'busybox:exit3');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(4999);
    expect((await describeOne(task!.taskArn!))?.lastStatus).toBe('RUNNING');
    h.server.ecs.advance(1);
    expect((await describeOne(task!.taskArn!))?.desiredStatus).toBe('STOPPED');
    h.server.ecs.advance(1000);
    const stopped = await describeOne(task!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.stopCode).toBe('EssentialContainerExited');
    expect(stopped?.containers?.[0]?.exitCode).toBe(3);
  });

  it('exit0: a job that finishes cleanly exits with code 0', async () => {
    await registerFargate(h.client, 'web', 'busybox:exit0');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(6000);
    const stopped = await describeOne(task!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.containers?.[0]?.exitCode).toBe(0);
  });

  it('crash-<n>ms: the essential container exits n ms after RUNNING, not the default 1 s', async () => {
    await registerFargate(h.client, 'web', 'web:crash-2500ms');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000 + 2499);
    expect((await describeOne(task!.taskArn!))?.lastStatus).toBe('RUNNING');
    h.server.ecs.advance(1);
    const exiting = await describeOne(task!.taskArn!);
    expect(exiting?.desiredStatus).toBe('STOPPED');
    expect(exiting?.executionStoppedAt?.getTime()).toBe(t0 + 4500);
  });

  it('pullfail: never reaches RUNNING and stops from PENDING with TaskFailedToStart', async () => {
    await registerFargate(h.client, 'web', 'example.com/app:pullfail');
    const [task] = await runFargate(h.client);
    const seen = await statusesAt(task!.taskArn!, [500, 1499, 1500, 2000, 2500, 5000]);
    expect(seen).toEqual(['PENDING', 'PENDING', 'STOPPING', 'DEPROVISIONING', 'STOPPED', 'STOPPED']);
    const stopped = await describeOne(task!.taskArn!);
    expect(stopped?.startedAt).toBeUndefined();
    expect(stopped?.stopCode).toBe('TaskFailedToStart');
    expect(stopped?.stoppedReason).toMatch(/^CannotPullContainerError:/);
    expect(stopped?.containers?.[0]?.reason).toMatch(/^CannotPullContainerError:/);
    expect(stopped?.containers?.[0]?.exitCode).toBeUndefined();
  });

  it('a tag is only the text after the last colon: a registry port named crash does not crash', async () => {
    await registerFargate(h.client, 'web', 'crash:5000/app');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(60_000);
    expect((await describeOne(task!.taskArn!))?.lastStatus).toBe('RUNNING');
  });

  it('healthy: HEALTHY after startPeriod when an essential container has a health check', async () => {
    await registerFargate(h.client, 'web', 'nginx:1.27', {
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1.27',
          essential: true,
          healthCheck: { command: ['CMD', 'true'], startPeriod: 30 },
        },
      ],
    });
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000 + 29_999);
    const early = await describeOne(task!.taskArn!);
    expect(early?.lastStatus).toBe('RUNNING');
    expect(early?.healthStatus).toBe('UNKNOWN');
    expect(early?.containers?.[0]?.healthStatus).toBe('UNKNOWN');
    h.server.ecs.advance(1);
    const later = await describeOne(task!.taskArn!);
    expect(later?.healthStatus).toBe('HEALTHY');
    expect(later?.containers?.[0]?.healthStatus).toBe('HEALTHY');
    // The health verdict is a state change of its own.
    expect(later?.version).toBe(early!.version! + 1);
    expect(later?.lastStatus).toBe('RUNNING');

    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: task!.taskArn! }));
    const stopping = await describeOne(task!.taskArn!);
    expect(stopping?.lastStatus).toBe('DEACTIVATING');
    expect(stopping?.healthStatus).toBe('UNKNOWN');
  });

  it('only essential containers with a health check count; others report UNKNOWN', async () => {
    await registerFargate(h.client, 'web', 'nginx', {
      containerDefinitions: [
        { name: 'app', image: 'nginx', essential: true, healthCheck: { command: ['CMD', 'true'] } },
        { name: 'sidecar', image: 'envoy', essential: false },
      ],
    });
    await registerFargate(h.client, 'side', 'nginx', {
      containerDefinitions: [
        { name: 'app', image: 'nginx', essential: true },
        { name: 'sidecar', image: 'envoy', essential: false, healthCheck: { command: ['CMD', 'true'] } },
      ],
    });
    const [checked] = await runFargate(h.client);
    const [unchecked] = await runFargate(h.client, { taskDefinition: 'side' });
    h.server.ecs.advance(2000);
    const healthy = await describeOne(checked!.taskArn!);
    expect(healthy?.healthStatus).toBe('HEALTHY');
    expect(healthy?.containers?.map((container) => container.healthStatus)).toEqual(['HEALTHY', 'UNKNOWN']);
    const unknown = await describeOne(unchecked!.taskArn!);
    expect(unknown?.healthStatus).toBe('UNKNOWN');
    expect(unknown?.containers?.map((container) => container.healthStatus)).toEqual(['UNKNOWN', 'UNKNOWN']);
  });

  it('a task stopped before startPeriod is over never gets a health verdict', async () => {
    await registerFargate(h.client, 'web', 'nginx', {
      containerDefinitions: [
        { name: 'app', image: 'nginx', healthCheck: { command: ['CMD', 'true'], startPeriod: 10 } },
      ],
    });
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000 + 5_000);
    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: task!.taskArn! }));
    h.server.ecs.advance(60_000);
    const stopped = await describeOne(task!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.healthStatus).toBe('UNKNOWN');
    // PROVISIONING, PENDING, ACTIVATING, RUNNING, then DEACTIVATING to STOPPED: no health change in between.
    expect(stopped?.version).toBe(8);
  });

  it('unhealthy: RUNNING, UNHEALTHY after startPeriod, and never stopped for it', async () => {
    await registerFargate(h.client, 'web', 'nginx:unhealthy', {
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:unhealthy',
          healthCheck: { command: ['CMD', 'false'], startPeriod: 10 },
        },
      ],
    });
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000 + 9_000);
    const early = await describeOne(task!.taskArn!);
    expect(early?.healthStatus).toBe('UNKNOWN');
    h.server.ecs.advance(1_000);
    const sick = await describeOne(task!.taskArn!);
    expect(sick?.healthStatus).toBe('UNHEALTHY');
    expect(sick?.containers?.[0]?.healthStatus).toBe('UNHEALTHY');
    expect(sick?.version).toBe(early!.version! + 1);
    h.server.ecs.advance(3_600_000);
    const later = await describeOne(task!.taskArn!);
    expect(later?.lastStatus).toBe('RUNNING');
    expect(later?.healthStatus).toBe('UNHEALTHY');
    expect(later?.version).toBe(sick?.version);
  });

  it('unhealthy without a health check: ECS has no health to report, so UNKNOWN', async () => {
    await registerFargate(h.client, 'web', 'nginx:unhealthy');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000);
    const running = await describeOne(task!.taskArn!);
    h.server.ecs.advance(3_600_000);
    const later = await describeOne(task!.taskArn!);
    expect(later?.lastStatus).toBe('RUNNING');
    expect(later?.healthStatus).toBe('UNKNOWN');
    expect(later?.version).toBe(running?.version);
  });

  it('FARGATE_SPOT: the local control call interrupts a task with SpotInterruption', async () => {
    await registerFargate(h.client, 'web', 'nginx');
    const [spot] = await runFargate(h.client, {
      launchType: undefined,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    });
    const [onDemand] = await runFargate(h.client);
    expect(spot?.capacityProviderName).toBe('FARGATE_SPOT');
    expect(spot?.launchType).toBe('FARGATE');
    h.server.ecs.advance(2000);
    const response = await fetch(`${h.server.url}/__local/spot-interruption`, {
      method: 'POST',
      body: JSON.stringify({ cluster: 'apps', tasks: [spot!.taskArn, onDemand!.taskArn] }),
    });
    const result = (await response.json()) as {
      interrupted: string[];
      failures: { arn: string; reason: string }[];
    };
    expect(result.interrupted).toEqual([spot!.taskArn]);
    expect(result.failures).toEqual([{ arn: onDemand!.taskArn, reason: 'NOT_FARGATE_SPOT' }]);
    h.server.ecs.advance(1000);
    const stopped = await describeOne(spot!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.stopCode).toBe('SpotInterruption');
    expect((await describeOne(onDemand!.taskArn!))?.lastStatus).toBe('RUNNING');
  });

  it('the local advance-clock call moves the virtual clock and applies what fell due', async () => {
    await registerFargate(h.client, 'web', 'nginx');
    const [task] = await runFargate(h.client);
    const before = h.server.ecs.now();
    const advance = (body: unknown) =>
      fetch(`${h.server.url}/__local/advance-clock`, { method: 'POST', body: JSON.stringify(body) });
    const response = await advance({ ms: 2000 });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ now: before + 2000 });
    expect((await describeOne(task!.taskArn!))?.lastStatus).toBe('RUNNING');
    const refused = await advance({ ms: -1 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ __type: 'InvalidParameterException' });
    expect(h.server.ecs.now()).toBe(before + 2000);
  });

  it('spreads a capacity provider strategy by base and weight', async () => {
    await registerFargate(h.client, 'web', 'nginx');
    const tasks = await runFargate(h.client, {
      launchType: undefined,
      count: 10,
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 2, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ],
    });
    const spot = tasks.filter((task) => task.capacityProviderName === 'FARGATE_SPOT').length;
    expect(spot).toBe(6);
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
    expect((await describeOne(task!.taskArn!))?.lastStatus).toBe('STOPPED');
    expect((await listStopped()).taskArns).toHaveLength(1);

    h.server.ecs.advance(1);
    const gone = await h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [task!.taskArn!] }));
    expect(gone.tasks).toEqual([]);
    expect(gone.failures).toEqual([{ arn: task!.taskArn, reason: 'MISSING' }]);
    expect((await listStopped()).taskArns).toEqual([]);
    expect(h.server.ecs.taskCount()).toBe(0);
  });
});

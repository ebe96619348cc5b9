/** The local ECS endpoint's image tag behaviours (crash, unhealthy, noport...) through the SDK. */
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  describeOne,
  type Harness,
  registerFargate,
  runFargate,
  startAppsHarness,
  statusesAt,
  t0,
} from './helpers';

let h: Harness;

beforeEach(async () => {
  h = await startAppsHarness();
});
afterEach(() => h.close());

describe('image tag behaviour', () => {
  it('crash: the essential container exits 1 about 1 s after RUNNING', async () => {
    await registerFargate(h.client, 'web', 'registry.local:5000/shop/api:v2-crash');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2999);
    expect((await describeOne(h, task!.taskArn!))?.lastStatus).toBe('RUNNING');
    h.server.ecs.advance(1);
    const exiting = await describeOne(h, task!.taskArn!);
    expect(exiting?.desiredStatus).toBe('STOPPED');
    expect(exiting?.lastStatus).toBe('DEACTIVATING');
    expect(exiting?.containers?.[0]?.exitCode).toBe(1);
    expect(exiting?.executionStoppedAt?.getTime()).toBe(t0 + 3000);
    h.server.ecs.advance(1000);
    const stopped = await describeOne(h, task!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.stopCode).toBe('EssentialContainerExited');
    expect(stopped?.stoppedReason).toBe('Essential container in task exited');
    expect(stopped?.containers?.[0]?.exitCode).toBe(1);
  });

  it('exit<N>: the essential container exits with code N about 3 s after RUNNING', async () => {
    await registerFargate(h.client, 'web', 'busybox:exit3');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(4999);
    expect((await describeOne(h, task!.taskArn!))?.lastStatus).toBe('RUNNING');
    h.server.ecs.advance(1);
    expect((await describeOne(h, task!.taskArn!))?.desiredStatus).toBe('STOPPED');
    h.server.ecs.advance(1000);
    const stopped = await describeOne(h, task!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.stopCode).toBe('EssentialContainerExited');
    expect(stopped?.containers?.[0]?.exitCode).toBe(3);
  });

  it('exit0: a job that finishes cleanly exits with code 0', async () => {
    await registerFargate(h.client, 'web', 'busybox:exit0');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(6000);
    const stopped = await describeOne(h, task!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.containers?.[0]?.exitCode).toBe(0);
  });

  it('crash-<n>ms: the essential container exits n ms after RUNNING, not the default 1 s', async () => {
    await registerFargate(h.client, 'web', 'web:crash-2500ms');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000 + 2499);
    expect((await describeOne(h, task!.taskArn!))?.lastStatus).toBe('RUNNING');
    h.server.ecs.advance(1);
    const exiting = await describeOne(h, task!.taskArn!);
    expect(exiting?.desiredStatus).toBe('STOPPED');
    expect(exiting?.executionStoppedAt?.getTime()).toBe(t0 + 4500);
  });

  it('pullfail: never reaches RUNNING and stops from PENDING with TaskFailedToStart', async () => {
    await registerFargate(h.client, 'web', 'example.com/app:pullfail');
    const [task] = await runFargate(h.client);
    const seen = await statusesAt(h, task!.taskArn!, [500, 1499, 1500, 2000, 2500, 5000]);
    expect(seen).toEqual(['PENDING', 'PENDING', 'STOPPING', 'DEPROVISIONING', 'STOPPED', 'STOPPED']);
    const stopped = await describeOne(h, task!.taskArn!);
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
    expect((await describeOne(h, task!.taskArn!))?.lastStatus).toBe('RUNNING');
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
    const early = await describeOne(h, task!.taskArn!);
    expect(early?.lastStatus).toBe('RUNNING');
    expect(early?.healthStatus).toBe('UNKNOWN');
    expect(early?.containers?.[0]?.healthStatus).toBe('UNKNOWN');
    h.server.ecs.advance(1);
    const later = await describeOne(h, task!.taskArn!);
    expect(later?.healthStatus).toBe('HEALTHY');
    expect(later?.containers?.[0]?.healthStatus).toBe('HEALTHY');
    // The health verdict is a state change of its own.
    expect(later?.version).toBe(early!.version! + 1);
    expect(later?.lastStatus).toBe('RUNNING');

    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: task!.taskArn! }));
    const stopping = await describeOne(h, task!.taskArn!);
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
    const healthy = await describeOne(h, checked!.taskArn!);
    expect(healthy?.healthStatus).toBe('HEALTHY');
    expect(healthy?.containers?.map((container) => container.healthStatus)).toEqual(['HEALTHY', 'UNKNOWN']);
    const unknown = await describeOne(h, unchecked!.taskArn!);
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
    const stopped = await describeOne(h, task!.taskArn!);
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
    const early = await describeOne(h, task!.taskArn!);
    expect(early?.healthStatus).toBe('UNKNOWN');
    h.server.ecs.advance(1_000);
    const sick = await describeOne(h, task!.taskArn!);
    expect(sick?.healthStatus).toBe('UNHEALTHY');
    expect(sick?.containers?.[0]?.healthStatus).toBe('UNHEALTHY');
    expect(sick?.version).toBe(early!.version! + 1);
    h.server.ecs.advance(3_600_000);
    const later = await describeOne(h, task!.taskArn!);
    expect(later?.lastStatus).toBe('RUNNING');
    expect(later?.healthStatus).toBe('UNHEALTHY');
    expect(later?.version).toBe(sick?.version);
  });

  it('unhealthy without a health check: ECS has no health to report, so UNKNOWN', async () => {
    await registerFargate(h.client, 'web', 'nginx:unhealthy');
    const [task] = await runFargate(h.client);
    h.server.ecs.advance(2000);
    const running = await describeOne(h, task!.taskArn!);
    h.server.ecs.advance(3_600_000);
    const later = await describeOne(h, task!.taskArn!);
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
    const stopped = await describeOne(h, spot!.taskArn!);
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.stopCode).toBe('SpotInterruption');
    expect((await describeOne(h, onDemand!.taskArn!))?.lastStatus).toBe('RUNNING');
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
    expect((await describeOne(h, task!.taskArn!))?.lastStatus).toBe('RUNNING');
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

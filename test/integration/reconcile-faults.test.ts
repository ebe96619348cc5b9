import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { DynamoDbStore } from '../../lib/store/dynamodb';
import { recordTaskStateChange } from '../../lib/use-cases/task-events';
import { createTable, localDynamoDbClient } from '../../local/dynamodb';
import { createLocalEcs, type TaskStateChangeEvent } from '../../local/ecs';
import { isLive, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class SimulatedCrash extends Error {}

describe('reconciler under faults (no reconcile worker: the test drives every pass)', () => {
  const local = useTestStack({ timing: 'driven', workerConcurrency: 0 });

  /** The runtime's reconciler (one ECS gateway per cluster, as a worker instance has), crashing where told. */
  const reconcilerWith = (afterExternalCall?: (call: string) => void) =>
    local.reconciler({ leaseMs: 5_000, ...(afterExternalCall ? { afterExternalCall } : {}) });

  const createService = async (name: string, desiredCount: number, deploymentConfiguration: object = {}) => {
    const family = `fam-${name}`;
    expect(
      (
        await local.api.post('/task-definitions', {
          family,
          cpu: 256,
          memory: 512,
          containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
        })
      ).status,
    ).toBe(201);
    const response = await local.api.post('/clusters/default/services', {
      serviceName: name,
      taskDefinition: family,
      desiredCount,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0, ...deploymentConfiguration },
    });
    expect(response.status).toBe(201);
  };

  /** Runs clean passes until the service is steady (events keep the inventory current meanwhile). */
  const converge = async (name: string, desired: number) => {
    const reconciler = reconcilerWith();
    await eventually(
      `${name} converged`,
      async () => {
        await reconciler.reconcile('default', name);
        const service = await local.store.getService('default', name);
        const live = (await serviceTasks(local.ecs, name)).filter(isLive);
        const steady =
          service?.deployments[0]?.rolloutState === 'COMPLETED' &&
          live.length === desired &&
          live.every((task) => task.lastStatus === 'RUNNING');
        return steady ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
  };

  it('converges with no extra task launched after a crash following any external call', async () => {
    // A clean pass tells which external calls a first pass makes, in order.
    const calls: string[] = [];
    await createService('probe', 3);
    await reconcilerWith((call) => calls.push(call)).reconcile('default', 'probe');
    expect(calls).toContain('ecs:RunTask');
    expect(calls).toContain('ecs:RegisterTaskDefinition');

    for (let crashAt = 1; crashAt <= calls.length; crashAt++) {
      const name = `crash-${crashAt}`;
      await createService(name, 3);
      let seen = 0;
      const crashing = reconcilerWith((call) => {
        seen++;
        if (seen === crashAt) throw new SimulatedCrash(`crash after ${call}`);
      });
      await expect(crashing.reconcile('default', name)).rejects.toBeInstanceOf(SimulatedCrash);
      await converge(name, 3);
      const everLaunched = await serviceTasks(local.ecs, name);
      expect(everLaunched, `crash after call ${crashAt} (${calls[crashAt - 1]})`).toHaveLength(3);
    }
  }, 180_000);

  it('drops a request that a later completed pass answered, and only such a request', async () => {
    await createService('dedupe', 1);
    const madeEarlier = Date.now() - 5_000;
    expect((await reconcilerWith().reconcile('default', 'dedupe')).status).toBe('reconciled');

    // Answered: one conditional write, no reads, no ECS calls.
    const calls: string[] = [];
    const outcome = await reconcilerWith((call) => calls.push(call)).reconcile(
      'default',
      'dedupe',
      madeEarlier,
    );
    expect(outcome.status).toBe('superseded');
    expect(calls).toEqual(['dynamodb:AcquireLease']);

    // Made after the last pass started: it runs.
    const madeNow = Date.now();
    expect((await reconcilerWith().reconcile('default', 'dedupe', madeNow)).status).toBe('reconciled');

    // A pass that crashed answers nothing, even though it started after the request.
    const madeBeforeCrash = Date.now();
    await sleep(1_200);
    const crashing = reconcilerWith((call) => {
      if (call === 'dynamodb:GetService') throw new SimulatedCrash('crash after GetService');
    });
    await expect(crashing.reconcile('default', 'dedupe', madeBeforeCrash)).rejects.toBeInstanceOf(
      SimulatedCrash,
    );
    expect((await reconcilerWith().reconcile('default', 'dedupe', madeBeforeCrash)).status).toBe(
      'reconciled',
    );

    // While another reconciler holds the service, even an answered request waits (busy), in case that
    // holder crashes.
    expect(await local.store.acquireLease('default', 'dedupe', 'other-worker', 60_000, Date.now())).toBe(
      'acquired',
    );
    expect((await reconcilerWith().reconcile('default', 'dedupe', madeEarlier)).status).toBe('busy');
    await local.store.releaseLease('default', 'dedupe', 'other-worker');
    expect((await reconcilerWith().reconcile('default', 'dedupe', madeEarlier)).status).toBe('superseded');
  }, 30_000);

  it('never exceeds the cap with five reconcilers racing on one service, and ends exact', async () => {
    await createService('race', 6, { maximumPercent: 150, minimumHealthyPercent: 50 });
    const cap = 9;
    let maxLive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const live = (await serviceTasks(local.ecs, 'race')).filter(isLive).length;
        maxLive = Math.max(maxLive, live);
        await sleep(50);
      }
    })();
    const reconcilers = Array.from({ length: 5 }, () => reconcilerWith());
    for (let round = 0; round < 25; round++) {
      await Promise.all(reconcilers.map((reconciler) => reconciler.reconcile('default', 'race')));
      await sleep(150);
    }
    sampling = false;
    await sampler;
    expect(maxLive).toBeLessThanOrEqual(cap);
    const live = (await serviceTasks(local.ecs, 'race')).filter(isLive);
    expect(live).toHaveLength(6);
    expect(live.every((task) => task.lastStatus === 'RUNNING')).toBe(true);
    // Nothing launched twice: every task ECS ever ran for the service is one of the six.
    expect(await serviceTasks(local.ecs, 'race')).toHaveLength(6);
  }, 60_000);
});

describe('task inventory from duplicated and reordered events', () => {
  it('ends the same whatever order and however often events arrive', async () => {
    const events: TaskStateChangeEvent[] = [];
    const localEcs = createLocalEcs({
      clock: 'virtual',
      throttle: 'off',
      eventSink: (event) => void events.push(event),
    });
    localEcs.handle('CreateCluster', { clusterName: 'default' });
    localEcs.handle('RegisterTaskDefinition', {
      family: 'inv',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1',
          essential: true,
          healthCheck: { command: ['CMD', 'true'], startPeriod: 5 },
        },
      ],
    });
    const run = localEcs.handle('RunTask', {
      cluster: 'default',
      taskDefinition: 'inv',
      count: 3,
      launchType: 'FARGATE',
      group: 'service:inv',
      startedBy: 'tugboat-local_0123456789ab-dep1',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    }) as { tasks: Array<{ taskArn: string }> };
    localEcs.advance(10_000);
    localEcs.handle('StopTask', { cluster: 'default', task: run.tasks[0]!.taskArn, reason: 'test' });
    localEcs.advance(10_000);
    localEcs.close();
    expect(events.length).toBeGreaterThan(15);

    const dynamo = DynamoDBDocumentClient.from(localDynamoDbClient(inject('dynamoDbEndpoint')), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const freshStore = async () => {
      const tableName = `tugboat-inventory-${randomUUID()}`;
      await createTable(localDynamoDbClient(inject('dynamoDbEndpoint')), tableName);
      return new DynamoDbStore(dynamo, tableName);
    };
    const inOrder = await freshStore();
    for (const event of events) await recordTaskStateChange(inOrder, event);
    const expected = await inOrder.listServiceTasks('default', 'inv');
    expect(expected).toHaveLength(3);
    expect(expected.filter((task) => task.lastStatus === 'STOPPED')).toHaveLength(1);
    expect(expected.every((task) => task.healthyAt !== undefined)).toBe(true);

    // Deterministic shuffles with every event delivered once to three times.
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 3; trial++) {
      const deliveries = events.flatMap((event) =>
        Array.from({ length: 1 + Math.floor(random() * 3) }, () => event),
      );
      for (let index = deliveries.length - 1; index > 0; index--) {
        const other = Math.floor(random() * (index + 1));
        [deliveries[index], deliveries[other]] = [deliveries[other]!, deliveries[index]!];
      }
      const shuffled = await freshStore();
      // Concurrent deliveries, as several Lambda pollers would make them.
      await Promise.all(deliveries.map((event) => recordTaskStateChange(shuffled, event)));
      expect(await shuffled.listServiceTasks('default', 'inv')).toEqual(expected);
    }
  }, 60_000);
});

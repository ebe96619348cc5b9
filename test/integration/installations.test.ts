import { randomUUID } from 'node:crypto';
import { CreateClusterCommand, type Task } from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEcsClientForGateway, createEcsGateway, type EcsGateway } from '../../lib/ecs/gateway';
import { NotFoundError } from '../../lib/errors';
import { startedByPrefix } from '../../lib/inventory/naming';
import { createReconciler } from '../../lib/reconcile/pass/reconcile';
import { runReconcileScheduler } from '../../lib/reconcile/scheduler/scheduler';
import { DynamoDbStore } from '../../lib/store/dynamodb';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { createService, updateService } from '../../lib/use-cases/services';
import { registerTaskDefinition } from '../../lib/use-cases/task-definitions';
import { applyTaskStateChange } from '../../lib/use-cases/task-events';
import { describeTask, listTasks, stopTask } from '../../lib/use-cases/tasks';
import { createTable, localDynamoDbClient } from '../../local/dynamodb';
import { type LocalEcsServer, startLocalEcsServer, type TaskStateChangeEvent } from '../../local/ecs';
import { webService, webTaskDefinition } from '../support/api';
import { ecsClient, isLive, serviceTasks } from '../support/ecs';
import { eventually } from '../support/waiting';

/**
 * Two installations (each its own table, reconciler, scheduler and task-events handler) on one local
 * ECS endpoint and one cluster, each with a service named `web`. Every ECS event reaches both, as one
 * account's events would reach two EventBridge rules without their startedBy filters.
 */
interface Installation {
  id: string;
  store: DynamoDbStore;
  context: UseCaseContext;
  reconcile: () => Promise<unknown>;
  schedule: () => Promise<unknown>;
  /** Every task ARN this installation's ECS gateway was asked to stop. */
  stopped: string[];
}

describe('installations never touch each other’s tasks', () => {
  let server: LocalEcsServer;
  let ecs: ReturnType<typeof ecsClient>;
  const events: TaskStateChangeEvent[] = [];
  let alpha: Installation;
  let beta: Installation;

  const startInstallation = async (id: string): Promise<Installation> => {
    const tableName = `tugboat-test-${id}-${randomUUID()}`;
    const dynamoDb = localDynamoDbClient(inject('dynamoDbEndpoint'));
    await createTable(dynamoDb, tableName);
    const store = new DynamoDbStore(
      DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
    );
    const stopped: string[] = [];
    const gateways = new Map<string, EcsGateway>();
    const ecsFor = (cluster: string): EcsGateway => {
      let gateway = gateways.get(cluster);
      if (!gateway) {
        const real = createEcsGateway({
          client: createEcsClientForGateway({
            endpoint: server.url,
            region: 'us-east-1',
            credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
          }),
          cluster,
        });
        gateway = {
          ...real,
          stopTask: async (task: string, reason: string, deadline?: number) => {
            stopped.push(task);
            return real.stopTask(task, reason, deadline);
          },
        } as EcsGateway;
        gateways.set(cluster, gateway);
      }
      return gateway;
    };
    const context: UseCaseContext = {
      store,
      config: { tableName, region: 'us-east-1', accountId: '000000000000', installation: id },
      now: () => new Date(),
      newId: randomUUID,
      ecsFor,
    };
    const reconciler = createReconciler({
      store,
      ecsFor,
      now: Date.now,
      newId: randomUUID,
      leaseMs: 5_000,
      installation: id,
      planOptions: { backoffBaseMs: 200 },
    });
    return {
      id,
      store,
      context,
      stopped,
      reconcile: () => reconciler.reconcile('default', 'web'),
      schedule: () =>
        runReconcileScheduler({
          store,
          ecsFor,
          enqueue: async () => {},
          now: Date.now,
          installation: id,
        }),
    };
  };

  /** Applies every ECS event so far to both installations' inventories, in order. */
  const deliverEvents = async () => {
    const pending = events.splice(0);
    for (const event of pending) {
      const body = JSON.parse(JSON.stringify(event));
      await applyTaskStateChange(alpha.store, body, alpha.id);
      await applyTaskStateChange(beta.store, body, beta.id);
    }
  };

  const liveOf = async (installation: Installation): Promise<Task[]> =>
    (await serviceTasks(ecs, 'web')).filter(
      (task) => isLive(task) && task.startedBy?.startsWith(startedByPrefix(installation.id)),
    );

  /** Passes of both (events delivered between them) until each runs `count` RUNNING tasks of `image`. */
  const converge = (count: number, image: string) =>
    eventually(
      `each installation runs ${count} ${image} tasks`,
      async () => {
        await deliverEvents();
        await alpha.reconcile();
        await beta.reconcile();
        await deliverEvents();
        for (const installation of [alpha, beta]) {
          const service = await installation.store.getService('default', 'web');
          const live = await liveOf(installation);
          const steady =
            service?.deployments[0]?.rolloutState === 'COMPLETED' &&
            service.deployments.filter((deployment) => deployment.status !== 'INACTIVE').length === 1 &&
            service.runningCount === count &&
            live.length === count &&
            live.every((task) => task.lastStatus === 'RUNNING' && task.containers?.[0]?.image === image);
          if (!steady) return undefined;
        }
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );

  beforeAll(async () => {
    server = await startLocalEcsServer({
      port: 0,
      host: '127.0.0.1',
      startMs: 100,
      stopMs: 50,
      throttle: 'off',
      eventSink: (event) => {
        events.push(event);
      },
    });
    ecs = ecsClient(server.url);
    await ecs.send(new CreateClusterCommand({ clusterName: 'default' }));
    alpha = await startInstallation('alpha');
    beta = await startInstallation('beta');
    for (const installation of [alpha, beta]) {
      await registerTaskDefinition(installation.context, webTaskDefinition('web', 'nginx:1'));
      await registerTaskDefinition(installation.context, webTaskDefinition('web', 'nginx:2'));
      await createService(installation.context, 'default', {
        ...webService('web', 'web:1', 3),
        deploymentConfiguration: { minReadySeconds: 0 },
      });
    }
  }, 60_000);
  afterAll(async () => {
    ecs?.destroy();
    await server?.close();
  });

  it('each converges, scales in, deploys and schedules with only its own tasks', async () => {
    await converge(3, 'nginx:1');

    // Scale out, then in: each stops only its own surplus.
    for (const installation of [alpha, beta]) {
      await updateService(installation.context, 'default', 'web', { desiredCount: 5 });
    }
    await converge(5, 'nginx:1');
    for (const installation of [alpha, beta]) {
      await updateService(installation.context, 'default', 'web', { desiredCount: 3 });
    }
    await converge(3, 'nginx:1');

    // A deploy of each replaces its own tasks only.
    for (const installation of [alpha, beta]) {
      await updateService(installation.context, 'default', 'web', { taskDefinition: 'web:2' });
    }
    await converge(3, 'nginx:2');

    // The scheduler's level check sees the other's running tasks in ECS's list and leaves them be.
    for (const installation of [alpha, beta]) {
      const report = (await installation.schedule()) as { unknownTasks: number; enqueued: number };
      expect(report.unknownTasks).toBe(0);
      expect(report.enqueued).toBe(0);
    }
    await converge(3, 'nginx:2');

    for (const [own, other] of [
      [alpha, beta],
      [beta, alpha],
    ] as const) {
      expect(own.stopped.length).toBeGreaterThan(0);
      for (const arn of own.stopped) {
        const [task] = (await serviceTasks(ecs, 'web')).filter((candidate) => candidate.taskArn === arn);
        expect(task?.startedBy?.startsWith(startedByPrefix(own.id))).toBe(true);
      }
      // Inventory and task routes show only the installation's own tasks.
      const listed = await listTasks(own.context, 'default', {}, { limit: 100 });
      expect(listed.items.length).toBeGreaterThan(0);
      expect(listed.items.every((task) => task.startedBy?.startsWith(startedByPrefix(own.id)))).toBe(true);
      const service = await own.store.getService('default', 'web');
      expect(service?.runningCount).toBe(3);
      expect((await liveOf(own)).length).toBe(3);

      // The other's task: 404 to describe and to stop, and it keeps running.
      const [theirs] = await liveOf(other);
      const taskId = theirs!.taskArn!.split('/').pop()!;
      await expect(describeTask(own.context, 'default', taskId)).rejects.toBeInstanceOf(NotFoundError);
      await expect(stopTask(own.context, 'default', taskId, undefined)).rejects.toBeInstanceOf(NotFoundError);
      expect((await liveOf(other)).map((task) => task.taskArn)).toContain(theirs!.taskArn);
    }

    // Each registered its revisions in its own ECS family.
    for (const installation of [alpha, beta]) {
      for (const task of await liveOf(installation)) {
        expect(task.taskDefinitionArn).toMatch(
          new RegExp(`:task-definition/tugboat-${installation.id}-web:\\d+$`),
        );
      }
    }
  }, 120_000);
});

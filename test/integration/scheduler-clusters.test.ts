import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../lib/domain';
import { createEcsClientForGateway, createEcsGateway } from '../../lib/ecs/gateway';
import type { ReconcileRequest } from '../../lib/queue/reconcile-queue';
import { runReconcileScheduler } from '../../lib/reconcile/scheduler/scheduler';
import { type LocalEcsServer, startLocalEcsServer } from '../../local/ecs';
import { useTestTable } from '../support/stack';

/** The scheduler against DynamoDB Local and the local ECS endpoint, one of its clusters gone from ECS. */
const { store } = useTestTable('tugboat-scheduler-clusters');
let ecsServer: LocalEcsServer;
const ecsClient = () =>
  createEcsClientForGateway({
    endpoint: ecsServer.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

beforeAll(async () => {
  ecsServer = await startLocalEcsServer({ port: 0, throttle: 'off' });
  const client = ecsClient();
  await client.send(new CreateClusterCommand({ clusterName: 'default' }));
  client.destroy();
});
afterAll(() => ecsServer.close());

const unfinishedService = (cluster: string, serviceName: string) =>
  ({
    cluster,
    serviceName,
    status: 'ACTIVE',
    desiredCount: 1,
    runningCount: 0,
    pendingCount: 0,
    deployments: [],
    version: 1,
    statusVersion: 1,
  }) as unknown as Service;

describe('the scheduler, cluster by cluster', () => {
  it('reports a cluster ECS no longer knows and still checks the one after it', async () => {
    // `a-deleted` sorts first: before the fix its failure ended the whole run.
    for (const cluster of ['a-deleted', 'default']) {
      await store.registerCluster(cluster);
      await store.createService(unfinishedService(cluster, 'web'));
    }
    const client = ecsClient();
    const enqueued: ReconcileRequest[] = [];
    const report = await runReconcileScheduler({
      store,
      ecsFor: (cluster) => createEcsGateway({ client, cluster }),
      enqueue: async (requests) => {
        enqueued.push(...requests);
      },
      now: Date.now,
    });
    client.destroy();
    expect(report.failedClusters.map((failure) => failure.cluster)).toEqual(['a-deleted']);
    expect(report.failedClusters[0]?.error).toMatchObject({ name: 'ClusterNotFoundException' });
    expect(enqueued.map((request) => `${request.cluster}/${request.serviceName}`)).toEqual(['default/web']);
    expect(report.clusters).toBe(2);
  });
});

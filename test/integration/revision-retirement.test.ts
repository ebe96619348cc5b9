import { CreateClusterCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service, TaskDefinition } from '../../lib/domain';
import { createEcsClientForGateway, createEcsGateway, type EcsGateway } from '../../lib/ecs/gateway';
import { type Pacer, PacingDeadlineError } from '../../lib/ecs/pacer';
import { ecsTaskDefinitionArn } from '../../lib/ecs/task-definitions';
import { runReconcileScheduler } from '../../lib/reconcile/scheduler/scheduler';
import type { TugboatStore } from '../../lib/store/port';
import { type LocalEcsServer, startLocalEcsServer } from '../../local/ecs';
import { deployment, service } from '../support/plan';
import { useTestTable } from '../support/stack';

/**
 * The deferred deregistration of a deleted revision's ECS copy (lib/reconcile/scheduler/revision-retirement.ts),
 * through the scheduler against DynamoDB Local and the local ECS endpoint.
 */
const { store } = useTestTable('tugboat-revision-retirement');
let ecsServer: LocalEcsServer;
let client: ReturnType<typeof createEcsClientForGateway>;
const gatewayFor = (cluster: string): EcsGateway => createEcsGateway({ client, cluster });

beforeAll(async () => {
  ecsServer = await startLocalEcsServer({ port: 0, throttle: 'off' });
  client = createEcsClientForGateway({
    endpoint: ecsServer.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await client.send(new CreateClusterCommand({ clusterName: 'default' }));
});
afterAll(async () => {
  client.destroy();
  await ecsServer.close();
});

const revision = (family: string): TaskDefinition => ({
  family,
  revision: 1,
  taskDefinitionArn: `arn:aws:ecs:us-east-1:000000000000:task-definition/${family}:1`,
  status: 'ACTIVE',
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image: 'nginx:1' }],
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  registeredAt: new Date().toISOString(),
  version: 1,
});

const schedule = (withStore: TugboatStore = store) =>
  runReconcileScheduler({
    store: withStore,
    ecsFor: gatewayFor,
    enqueue: async () => undefined,
    now: Date.now,
  });

const ecsStatus = async (arn: string) =>
  (await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.status;

const current = async (family: string) => (await store.getTaskDefinition(family, 1))!;

/** Deletes the revision as the API does: INACTIVE, version checked. */
const markInactive = async (family: string) => {
  const stored = await current(family);
  await store.updateTaskDefinition({
    ...stored,
    status: 'INACTIVE',
    deregisteredAt: new Date().toISOString(),
    version: stored.version + 1,
  });
};

/** Creates `serviceName` in `cluster` running `reference` (its PRIMARY COMPLETED). */
const serviceRunning = async (cluster: string, serviceName: string, reference: string): Promise<Service> => {
  const created = service({
    cluster,
    serviceName,
    taskDefinition: reference,
    deployments: [deployment('dep-1', reference, { rolloutState: 'COMPLETED' })],
  });
  await store.registerCluster(cluster);
  await store.createService(created);
  return created;
};

/** The service's last deployment retired (no task left): it no longer uses its revision. */
const retireDeployments = async (svc: Service) => {
  const stored = (await store.getService(svc.cluster, svc.serviceName))!;
  await store.updateService(
    {
      ...stored,
      deployments: stored.deployments.map((d) => ({ ...d, status: 'INACTIVE' as const })),
      statusVersion: stored.statusVersion + 1,
    },
    stored,
  );
};

describe('the ECS copy of a deleted revision', () => {
  it('is marked when first launched after the DELETE, and kept while a service of any cluster uses it', async () => {
    await store.createTaskDefinition(revision('late'));
    await markInactive('late');
    expect(await store.listRevisionsAwaitingEcsDeregistration()).toEqual([]);
    // `a-gone` is unknown to ECS, so its level check fails; its service still holds the revision.
    const svc = await serviceRunning('a-gone', 'late', 'late:1');
    const arn = await ecsTaskDefinitionArn({ store, ecs: gatewayFor('default') }, await current('late'));
    expect((await store.listRevisionsAwaitingEcsDeregistration()).map((r) => r.family)).toEqual(['late']);

    const kept = await schedule();
    expect(kept.failedClusters.map((failure) => failure.cluster)).toEqual(['a-gone']);
    expect(kept.ecsCopiesRetired).toBeUndefined();
    expect(await ecsStatus(arn)).toBe('ACTIVE');

    await retireDeployments(svc);
    const retired = await schedule();
    expect(retired.ecsCopiesRetired).toEqual(['late:1']);
    expect(await ecsStatus(arn)).toBe('INACTIVE');
    expect((await current('late')).ecsDeregisteredAt).toEqual(expect.any(String));
    expect(await store.listRevisionsAwaitingEcsDeregistration()).toEqual([]);
  });

  it('is finished by the next run after a crash between DeregisterTaskDefinition and its record', async () => {
    await store.createTaskDefinition(revision('crashy'));
    const arn = await ecsTaskDefinitionArn({ store, ecs: gatewayFor('default') }, await current('crashy'));
    await markInactive('crashy');
    // The write that records the deregistration dies, as a crash right after ECS answered would.
    const crashing = new Proxy(store, {
      get: (target, name) =>
        name === 'updateTaskDefinition'
          ? async () => {
              throw new Error('crashed');
            }
          : Reflect.get(target, name, target),
    });
    const crashed = await schedule(crashing);
    expect(crashed.retirementFailure).toMatchObject({ message: 'crashed' });
    expect(await ecsStatus(arn)).toBe('INACTIVE');
    expect((await store.listRevisionsAwaitingEcsDeregistration()).map((r) => r.family)).toEqual(['crashy']);

    const finished = await schedule();
    expect(finished.ecsCopiesRetired).toEqual(['crashy:1']);
    expect((await current('crashy')).ecsDeregisteredAt).toEqual(expect.any(String));
    expect(await store.listRevisionsAwaitingEcsDeregistration()).toEqual([]);
  });
});

// DeregisterTaskDefinition spends ECS's task definition modify budget (1 a second) as registrations do:
// unpaced, a run retiring many copies was throttled (184 of 211 calls) and held registrations back.
describe('the ECS copies a scheduler run retires', () => {
  it('each wait for room in the budget registrations use; those whose room comes after the deadline wait for the next run', async () => {
    for (const family of ['paced-a', 'paced-b']) {
      await store.createTaskDefinition(revision(family));
      await ecsTaskDefinitionArn({ store, ecs: gatewayFor('default') }, await current(family));
      await markInactive(family);
    }
    const reservations: Array<number | undefined> = [];
    const registrationPacer: Pacer = {
      reserve: async (_count, deadline) => {
        reservations.push(deadline);
        if (reservations.length > 1) throw new PacingDeadlineError(1_000);
      },
      charge: async () => undefined,
      exhausted: () => undefined,
    };
    const deadline = Date.now() + 30_000;
    const run = await runReconcileScheduler({
      store,
      ecsFor: (cluster) => createEcsGateway({ client, cluster, registrationPacer }),
      enqueue: async () => undefined,
      now: Date.now,
      deadline,
    });
    // Each waits no later than the run's deadline (the gateway caps a wait at MAX_ROOM_WAIT_MS too).
    expect(reservations).toHaveLength(2);
    for (const until of reservations) expect(until).toBeLessThanOrEqual(deadline);
    expect(run.ecsCopiesRetired).toHaveLength(1);
    expect(run.retirementFailure).toBeUndefined();
    const left = (await store.listRevisionsAwaitingEcsDeregistration()).map((r) => r.family);
    expect(left).toHaveLength(1);
    expect(['paced-a', 'paced-b']).toContain(left[0]);

    const next = await schedule();
    expect(next.ecsCopiesRetired).toEqual([`${left[0]}:1`]);
    expect(await store.listRevisionsAwaitingEcsDeregistration()).toEqual([]);
  });
});

describe('the ECS copy of a revision launched by several at once', () => {
  it('is the one the store kept, for every launcher; the copies that lost are deregistered', async () => {
    await store.createTaskDefinition(revision('raced'));
    const stale = await current('raced');
    // Three launchers (two passes and a job, say) that each read the revision before any registered it.
    const arns = await Promise.all(
      [0, 1, 2].map(() => ecsTaskDefinitionArn({ store, ecs: gatewayFor('default') }, stale)),
    );
    const kept = (await current('raced')).ecsTaskDefinitionArn;
    expect(kept).toEqual(expect.any(String));
    expect(arns).toEqual([kept, kept, kept]);
    expect(await ecsStatus(kept!)).toBe('ACTIVE');
    // ECS made three copies (revisions 1 to 3 of the family); the two nobody uses are INACTIVE.
    const family = kept!.slice(0, kept!.lastIndexOf(':'));
    const statuses = await Promise.all([1, 2, 3].map((n) => ecsStatus(`${family}:${n}`)));
    expect(statuses.filter((status) => status === 'ACTIVE')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'INACTIVE')).toHaveLength(2);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../lib/wiring';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

// The API's own semantics, with no reconciler acting on the services (its writes bump versions too).
const local = useTestStack({
  workerConcurrency: 0,
  clusters: ['default', 'blue', 'green', 'listing', 'empty'],
});
const invoke = local.invoke;

beforeAll(async () => {
  for (let revision = 1; revision <= 3; revision++) {
    expect(
      (await invoke('POST', '/task-definitions', { body: webTaskDefinition('web', `nginx:${revision}`) }))
        .status,
    ).toBe(201);
  }
});

describe('services through the Lambda handler and DynamoDB Local', () => {
  it('creates a service with ECS defaults, a PRIMARY deployment and an ETag', async () => {
    const created = await invoke('POST', '/clusters/default/services', {
      body: webService('create', 'web', 3),
    });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toMatchObject({
      serviceName: 'create',
      cluster: 'default',
      status: 'ACTIVE',
      taskDefinition: 'web:3',
      desiredCount: 3,
      runningCount: 0,
      pendingCount: 0,
      launchType: 'FARGATE',
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: false, rollback: false },
      },
      version: 1,
    });
    expect(created.body.deployments).toHaveLength(1);
    expect(created.body.deployments[0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: 'web:3',
      desiredCount: 3,
      rolloutState: 'IN_PROGRESS',
    });

    const fetched = await invoke('GET', '/clusters/default/services/create');
    expect(fetched.status).toBe(200);
    expect(fetched.headers.etag).toBe('"1"');
    expect(fetched.body).toMatchObject({
      serviceName: 'create',
      events: [{ message: `service create deployment ${created.body.deployments[0].id} started (web:3).` }],
      deployments: created.body.deployments,
    });

    const duplicate = await invoke('POST', '/clusters/default/services', {
      body: webService('create', 'web', 1),
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toMatch(/already exists/);
  });

  it('keeps service names unique per cluster only', async () => {
    expect(
      (await invoke('POST', '/clusters/blue/services', { body: webService('shared', 'web:1', 1) })).status,
    ).toBe(201);
    expect(
      (await invoke('POST', '/clusters/green/services', { body: webService('shared', 'web:2', 1) })).status,
    ).toBe(201);
    expect((await invoke('GET', '/clusters/blue/services/shared')).body.taskDefinition).toBe('web:1');
    expect((await invoke('GET', '/clusters/green/services/shared')).body.taskDefinition).toBe('web:2');
    expect((await invoke('GET', '/clusters/red/services/shared')).status).toBe(404);
  });

  it('lists the services of a cluster, paged', async () => {
    for (const name of ['list-a', 'list-b', 'list-c']) {
      await invoke('POST', '/clusters/listing/services', { body: webService(name, 'web', 0) });
    }
    const first = await invoke('GET', '/clusters/listing/services', { query: { maxResults: '2' } });
    expect(first.body.items.map((service: { serviceName: string }) => service.serviceName)).toEqual([
      'list-a',
      'list-b',
    ]);
    const rest = await invoke('GET', '/clusters/listing/services', {
      query: { nextToken: first.body.nextToken },
    });
    expect(rest.body.items.map((service: { serviceName: string }) => service.serviceName)).toEqual([
      'list-c',
    ]);
    expect(rest.body.nextToken).toBeUndefined();
    expect((await invoke('GET', '/clusters/empty/services')).body).toEqual({ items: [] });
    expect((await invoke('GET', '/clusters/listing/services', { query: { maxResults: '0' } })).status).toBe(
      400,
    );
  });

  it('applies a PATCH, bumps the version and records a new PRIMARY deployment for a new task definition', async () => {
    await invoke('POST', '/clusters/default/services', { body: webService('patch', 'web:1', 2) });
    const scaled = await invoke('PATCH', '/clusters/default/services/patch', {
      body: { desiredCount: 4 },
      headers: { 'if-match': '"1"' },
    });
    expect(scaled.status).toBe(200);
    expect(scaled.headers.etag).toBe('"2"');
    expect(scaled.body).toMatchObject({ desiredCount: 4, version: 2 });
    expect(scaled.body.deployments).toHaveLength(1);
    expect(scaled.body.deployments[0].desiredCount).toBe(4);

    const deployed = await invoke('PATCH', '/clusters/default/services/patch', {
      body: { taskDefinition: 'web:2' },
    });
    expect(deployed.status).toBe(200);
    expect(deployed.body.taskDefinition).toBe('web:2');
    expect(deployed.body.deployments).toHaveLength(2);
    expect(deployed.body.deployments[0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: 'web:2',
      rolloutState: 'IN_PROGRESS',
      desiredCount: 4,
    });
    expect(deployed.body.deployments[1]).toMatchObject({ status: 'ACTIVE', taskDefinition: 'web:1' });

    const same = await invoke('PATCH', '/clusters/default/services/patch', {
      body: { taskDefinition: 'web:2' },
    });
    expect(same.body.deployments).toHaveLength(2);

    const configured = await invoke('PATCH', '/clusters/default/services/patch', {
      body: { deploymentConfiguration: { minimumHealthyPercent: 50 }, autoDeploy: { tagPattern: 'v*' } },
    });
    expect(configured.body.deploymentConfiguration).toMatchObject({
      minimumHealthyPercent: 50,
      maximumPercent: 200,
    });
    expect(configured.body.autoDeploy).toEqual({ tagPattern: 'v*' });
    const cleared = await invoke('PATCH', '/clusters/default/services/patch', { body: { autoDeploy: null } });
    expect(cleared.body.autoDeploy).toBeUndefined();
  });

  it('gives a stale If-Match 412 and changes nothing', async () => {
    await invoke('POST', '/clusters/default/services', { body: webService('stale', 'web', 2) });
    const first = await invoke('PATCH', '/clusters/default/services/stale', {
      body: { desiredCount: 3 },
      headers: { 'if-match': '"1"' },
    });
    expect(first.status).toBe(200);
    const stale = await invoke('PATCH', '/clusters/default/services/stale', {
      body: { desiredCount: 9, taskDefinition: 'web:1' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('PreconditionFailed');
    const after = await invoke('GET', '/clusters/default/services/stale');
    expect(after.body).toMatchObject({ desiredCount: 3, version: 2, taskDefinition: 'web:3' });
    expect(after.body.deployments).toHaveLength(1);
  });

  it('lets exactly one of two racing If-Match writers win', async () => {
    await invoke('POST', '/clusters/default/services', { body: webService('race', 'web', 1) });
    const results = await Promise.all(
      [5, 6, 7, 8].map((desiredCount) =>
        invoke('PATCH', '/clusters/default/services/race', {
          body: { desiredCount },
          headers: { 'if-match': '"1"' },
        }),
      ),
    );
    expect(results.map((result) => result.status).sort()).toEqual([200, 412, 412, 412]);
    const winner = results.find((result) => result.status === 200)!;
    expect((await invoke('GET', '/clusters/default/services/race')).body.desiredCount).toBe(
      winner.body.desiredCount,
    );
  });

  it('applies every unconditional PATCH that races, none lost', async () => {
    await invoke('POST', '/clusters/default/services', { body: webService('merge', 'web', 1) });
    await Promise.all([
      invoke('PATCH', '/clusters/default/services/merge', { body: { desiredCount: 7 } }),
      invoke('PATCH', '/clusters/default/services/merge', {
        body: { autoDeploy: { tagPattern: 'release-*' } },
      }),
      invoke('PATCH', '/clusters/default/services/merge', {
        body: { deploymentConfiguration: { maximumPercent: 150 } },
      }),
    ]);
    const merged = await invoke('GET', '/clusters/default/services/merge');
    expect(merged.body).toMatchObject({
      desiredCount: 7,
      autoDeploy: { tagPattern: 'release-*' },
      deploymentConfiguration: { maximumPercent: 150 },
      version: 4,
    });
  });

  it('drains a deleted service and refuses further updates', async () => {
    await invoke('POST', '/clusters/default/services', { body: webService('drain', 'web', 3) });
    const deleted = await invoke('DELETE', '/clusters/default/services/drain');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ status: 'DRAINING', desiredCount: 0 });
    expect((await invoke('GET', '/clusters/default/services/drain')).body.status).toBe('DRAINING');
    expect(
      (await invoke('PATCH', '/clusters/default/services/drain', { body: { desiredCount: 1 } })).status,
    ).toBe(409);
    expect((await invoke('DELETE', '/clusters/default/services/drain')).status).toBe(200);
    expect(
      (await invoke('POST', '/clusters/default/services', { body: webService('drain', 'web', 1) })).status,
    ).toBe(409);
    expect((await invoke('DELETE', '/clusters/default/services/absent')).status).toBe(404);
  });

  it('ends a superseded rollout with STOPPED and the deployment that replaced it', async () => {
    await invoke('POST', '/clusters/default/services', { body: webService('superseded', 'web:1', 1) });
    const patched = await invoke('PATCH', '/clusters/default/services/superseded', {
      body: { taskDefinition: 'web:2' },
    });
    const [primary, previous] = patched.body.deployments;
    expect(primary).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      taskDefinition: 'web:2',
    });
    expect(previous).toMatchObject({
      status: 'ACTIVE',
      rolloutState: 'STOPPED',
      rolloutStateReason: `superseded by deployment ${primary.id}`,
    });
    expect(primary.id).toMatch(/^ecs-svc-[0-9a-f]{32}$/);
  });

  it('asks to wait for INACTIVE before re-creating, and a re-created service starts with its own events', async () => {
    await invoke('POST', '/clusters/default/services', { body: webService('again', 'web', 1) });
    await invoke('DELETE', '/clusters/default/services/again');
    const early = await invoke('POST', '/clusters/default/services', { body: webService('again', 'web', 1) });
    expect(early.status).toBe(409);
    expect(early.body.error.message).toBe(
      'Service again in cluster default is still DRAINING; wait until it is INACTIVE, then create it again',
    );

    // The reconciler's last word on the predecessor: an event, then INACTIVE.
    const { store } = createRuntime();
    const draining = (await store.getService('default', 'again'))!;
    await store.addServiceEvents('default', 'again', [
      { id: 'old-1', createdAt: new Date().toISOString(), message: 'service again has reached INACTIVE' },
    ]);
    await store.updateService(
      { ...draining, status: 'INACTIVE', statusVersion: draining.statusVersion + 1 },
      draining,
    );
    const gone = await invoke('DELETE', '/clusters/default/services/again');
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(/^Service again not found in cluster default/);

    await new Promise((resolve) => setTimeout(resolve, 5));
    const created = await invoke('POST', '/clusters/default/services', {
      body: webService('again', 'web', 1),
    });
    expect(created.status).toBe(201);
    const own = [`service again deployment ${created.body.deployments[0].id} started (web:3).`];
    const described = await invoke('GET', '/clusters/default/services/again');
    expect(described.body.events.map((event: { message: string }) => event.message)).toEqual(own);
    const listed = await invoke('GET', '/clusters/default/services/again/events');
    expect(listed.body.items.map((event: { message: string }) => event.message)).toEqual(own);
  });

  it('rejects bad service input with 400 and stores nothing', async () => {
    const base = webService('bad', 'web', 1);
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, desiredCount: 5001 }, /desiredCount: must be between 0 and 5000/],
      [{ ...base, desiredCount: -1 }, /desiredCount/],
      [{ ...base, desiredCount: '2' }, /desiredCount/],
      [
        {
          ...base,
          launchType: 'FARGATE',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        },
        /mutually exclusive/,
      ],
      [{ ...base, launchType: 'EC2' }, /launchType/],
      [{ ...base, taskDefinition: 'web:99' }, /Unable to find task definition/],
      [{ ...base, taskDefinition: 'missing' }, /Unable to find/],
      [{ ...base, serviceName: 'bad/name' }, /serviceName/],
      [{ ...base, networkConfiguration: { awsvpcConfiguration: { subnets: [] } } }, /subnets/],
      [{ ...base, deploymentConfiguration: { minimumHealthyPercent: 101 } }, /minimumHealthyPercent/],
      [
        {
          ...base,
          capacityProviderStrategy: [
            { capacityProvider: 'FARGATE', base: 1 },
            { capacityProvider: 'FARGATE_SPOT', base: 1, weight: 1 },
          ],
        },
        /only one capacity provider may have a base/,
      ],
      [{ ...base, extra: 1 }, /extra: unknown field/],
    ];
    for (const [body, message] of cases) {
      const response = await invoke('POST', '/clusters/default/services', { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.message).toMatch(message);
    }
    expect((await invoke('GET', '/clusters/default/services/bad')).status).toBe(404);
    expect((await invoke('POST', '/clusters/bad%20cluster/services', { body: base })).status).toBe(400);
    const unknownCluster = await invoke('POST', '/clusters/nowhere/services', { body: base });
    expect(unknownCluster.status).toBe(404);
    expect(unknownCluster.body.error.message).toBe('Cluster nowhere not found');
  });
});

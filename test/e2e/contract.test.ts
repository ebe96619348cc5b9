import { describe, expect, it } from 'vitest';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

/**
 * Every answer in this file, successes and errors, is validated against the OpenAPI document by the
 * client (test/support/openapi.ts); the one-off task routes are covered the same way in tasks.test.ts.
 */

const local = useTestStack({ timing: 'fast', contract: true });

describe('real responses match the OpenAPI document', () => {
  it('task definitions', async () => {
    expect((await local.api.post('/task-definitions', webTaskDefinition('contract', 'nginx:1'))).status).toBe(
      201,
    );
    expect((await local.api.post('/task-definitions', webTaskDefinition('contract', 'nginx:2'))).status).toBe(
      201,
    );
    expect((await local.api.get('/task-definitions/contract?maxResults=1')).body.nextToken).toBeDefined();
    expect((await local.api.get('/task-definitions/contract/latest')).status).toBe(200);
    expect((await local.api.get('/task-definitions/contract/1')).status).toBe(200);
    expect((await local.api.get('/task-definitions/missing/1')).status).toBe(404);
    expect((await local.api.post('/task-definitions', { family: 'x' })).status).toBe(400);
    expect((await local.api.get('/task-definitions?maxResults=1')).body.items).toHaveLength(1);
    expect((await local.api.get('/clusters')).body.items.length).toBeGreaterThan(0);
    expect((await local.api.get('/clusters/nope/services')).status).toBe(404);
  });

  it('services, their events and the ETag', async () => {
    const created = await local.api.post('/clusters/default/services', {
      ...webService('contract', 'contract:1', 1),
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    expect(created.status).toBe(201);
    expect(
      (await local.api.post('/clusters/default/services', webService('contract', 'contract:1', 1))).status,
    ).toBe(409);
    expect((await local.api.get('/clusters/default/services')).status).toBe(200);
    const described = await local.api.get('/clusters/default/services/contract');
    expect(described.status).toBe(200);
    const patched = await local.api.patch(
      '/clusters/default/services/contract',
      { desiredCount: 2 },
      { 'if-match': described.headers.get('etag')! },
    );
    expect(patched.status).toBe(200);
    expect(
      (
        await local.api.patch(
          '/clusters/default/services/contract',
          { desiredCount: 1 },
          { 'if-match': '"999"' },
        )
      ).status,
    ).toBe(412);
    await eventually('a steady service with events', async () => {
      const events = await local.api.get('/clusters/default/services/contract/events?maxResults=5');
      return events.body.items.length > 0 ? events : undefined;
    });
    expect((await local.api.get('/clusters/default/services/none')).status).toBe(404);
  });

  it('deployments, rollback and the plan', async () => {
    const deployed = await local.api.post('/clusters/default/services/contract/deployments', {
      taskDefinition: 'contract:2',
    });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(202);
    const listed = await local.api.get('/clusters/default/services/contract/deployments');
    expect(listed.status).toBe(200);
    expect(listed.body.items[0].id).toBe(deployed.body.id);
    expect(
      (await local.api.get(`/clusters/default/services/contract/deployments/${deployed.body.id}`)).status,
    ).toBe(200);
    expect((await local.api.get('/clusters/default/services/contract/deployments/nope')).status).toBe(404);
    const plan = await local.api.get('/clusters/default/services/contract/plan');
    expect(plan.status).toBe(200);
    const rollback = await local.api.post('/clusters/default/services/contract/rollback', {
      taskDefinition: 'contract:1',
    });
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(202);
  });

  it('deletes a service and a revision, and serves the document itself', async () => {
    expect((await local.api.delete('/clusters/default/services/contract')).status).toBe(200);
    expect((await local.api.delete('/task-definitions/contract/1')).status).toBe(200);
    expect((await local.api.get('/openapi.json')).status).toBe(200);
    expect(local.checkedCount()).toBeGreaterThan(20);
  });
});

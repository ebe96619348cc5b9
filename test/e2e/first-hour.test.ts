import { CreateClusterCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../lib/api/routes';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

/** What a new user trips on first: one answer for one question. Every answer is contract-checked. */

const local = useTestStack({ timing: 'fast', contract: true });

beforeAll(async () => {
  await local.ecs.send(
    new CreateClusterCommand({ clusterName: 'fargate-only', capacityProviders: ['FARGATE'] }),
  );
});

describe('an unknown cluster', () => {
  // Every route under /clusters/{cluster}, whatever it is, with placeholder parameters.
  const clusterRoutes = apiRoutes({} as UseCaseContext)
    .filter((route) => route.path.startsWith('/clusters/{cluster}'))
    .map((route) => ({
      method: route.method,
      path: route.path
        .replace('{cluster}', 'nope')
        .replace('{serviceName}', 'web')
        .replace('{deploymentId}', 'ecs-svc-1')
        .replace('{taskId}', '0123456789abcdef0123456789abcdef')
        .replace('{job}', 'nightly'),
    }));

  it.each(clusterRoutes)('is a 404 with one message: $method $path', async ({ method, path }) => {
    const body = method === 'POST' || method === 'PATCH' ? webService('web', 'web', 1) : undefined;
    const response = await local.api.call(method, path, body);
    expect(response.status).toBe(404);
    expect(response.body.error.message).toBe('Cluster nope not found');
  });

  it('covers the routes that answered otherwise before', () => {
    const keys = clusterRoutes.map((route) => `${route.method} ${route.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /clusters/nope/services',
        'POST /clusters/nope/services',
        'GET /clusters/nope/tasks',
      ]),
    );
  });
});

describe('GET /clusters', () => {
  it('lists the clusters with service and task counts', async () => {
    await local.api.post('/task-definitions', webTaskDefinition('counted'));
    expect(
      (await local.api.post('/clusters/default/services', webService('counted', 'counted', 0))).status,
    ).toBe(201);
    const listed = await local.api.get('/clusters');
    expect(listed.status).toBe(200);
    const byName = Object.fromEntries(
      (listed.body.items as Array<{ clusterName: string }>).map((item) => [item.clusterName, item]),
    );
    expect(byName.default).toEqual({
      clusterName: 'default',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
      activeServicesCount: 1,
      drainingServicesCount: 0,
      runningTasksCount: 0,
      pendingTasksCount: 0,
    });
    expect(byName['fargate-only']).toMatchObject({ activeServicesCount: 0 });
  });
});

describe('GET /task-definitions', () => {
  it('lists the families, by name, in pages', async () => {
    for (const family of ['alpha', 'beta', 'gamma']) {
      expect((await local.api.post('/task-definitions', webTaskDefinition(family))).status).toBe(201);
    }
    await local.api.post('/task-definitions', webTaskDefinition('beta', 'nginx:2'));
    const first = await local.api.get('/task-definitions?maxResults=2');
    expect(first.status).toBe(200);
    expect(first.body.nextToken).toEqual(expect.any(String));
    const families: string[] = first.body.items.map((item: { family: string }) => item.family);
    let nextToken: string | undefined = first.body.nextToken;
    while (nextToken) {
      const page = await local.api.get(
        `/task-definitions?maxResults=2&nextToken=${encodeURIComponent(nextToken)}`,
      );
      families.push(...page.body.items.map((item: { family: string }) => item.family));
      nextToken = page.body.nextToken;
    }
    expect(families).toEqual(expect.arrayContaining(['alpha', 'beta', 'gamma']));
    expect(new Set(families).size).toBe(families.length);
    expect(families).toEqual([...families].sort());
  });
});

describe('capacity providers are checked at create', () => {
  it('refuses a provider the cluster does not have, naming the field', async () => {
    await local.api.post('/task-definitions', webTaskDefinition('spot'));
    const refused = await local.api.post('/clusters/fargate-only/services', {
      ...webService('spot', 'spot', 1),
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      'capacityProviderStrategy[0].capacityProvider: FARGATE_SPOT is not associated with cluster fargate-only (associated: FARGATE)',
    );
    const accepted = await local.api.post('/clusters/default/services', {
      ...webService('spot', 'spot', 0),
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    });
    expect(accepted.status).toBe(201);
  });
});

describe('answers a user can trust', () => {
  it('shows no internal bookkeeping, keeps one key order, and ends every JSON answer with a newline', async () => {
    await local.api.post('/task-definitions', webTaskDefinition('tidy'));
    const created = await fetch(`${local.stack.apiUrl}/clusters/default/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...webService('tidy', 'tidy', 1),
        deploymentConfiguration: { minReadySeconds: 0 },
      }),
    });
    const createdText = await created.text();
    expect(createdText.endsWith('}\n')).toBe(true);
    // Let the reconciler write its bookkeeping (launch attempts, wake-ups, status versions).
    const settled = await eventually('the task to run', async () => {
      const read = await local.api.get('/clusters/default/services/tidy');
      return read.body.runningCount === 1 ? read : undefined;
    });
    const internal = ['statusVersion', 'wakeAt', 'inflightLaunches'];
    for (const field of internal) expect(settled.body).not.toHaveProperty(field);
    for (const deployment of settled.body.deployments) {
      for (const field of ['launchAttempts', 'consecutiveFailures', 'lastProgressAt', 'backoffUntil']) {
        expect(deployment).not.toHaveProperty(field);
      }
    }
    expect(Object.keys(settled.body)).toEqual(Object.keys(JSON.parse(createdText)));
    const listed = await local.api.get('/clusters/default/services');
    const inList = listed.body.items.find((item: { serviceName: string }) => item.serviceName === 'tidy');
    expect(Object.keys(inList)).toEqual(Object.keys(settled.body).filter((key) => key !== 'events'));
    for (const path of ['/clusters', '/task-definitions', '/clusters/nope/services', '/openapi.json']) {
      expect((await (await fetch(`${local.stack.apiUrl}${path}`)).text()).endsWith('\n'), path).toBe(true);
    }
  });

  it('keeps healthyCount true after a scale from 0 to 3, with no scheduler to catch up', async () => {
    await local.api.post('/task-definitions', webTaskDefinition('scaled'));
    await local.api.post('/clusters/default/services', {
      ...webService('scaled', 'scaled', 0),
      deploymentConfiguration: { minReadySeconds: 1 },
    });
    await local.api.patch('/clusters/default/services/scaled', { desiredCount: 3 });
    const primary = await eventually(
      '3 healthy tasks',
      async () => {
        const read = await local.api.get('/clusters/default/services/scaled');
        return read.body.deployments[0].healthyCount === 3 ? read.body.deployments[0] : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(primary).toMatchObject({ runningCount: 3, healthyCount: 3 });
    const told = (await local.api.get('/clusters/default/services/scaled/events')).body.items.map(
      (event: { message: string }) => event.message,
    );
    expect(told).toContain('service scaled desired count changed from 0 to 3 by local.');
    expect(told).toContainEqual(
      expect.stringMatching(
        /^service scaled has started 3 tasks: task [0-9a-f]{32} task [0-9a-f]{32} task [0-9a-f]{32}\.$/,
      ),
    );
  });

  it('says in the plan why a rollout waits', async () => {
    await local.api.post('/task-definitions', webTaskDefinition('patient'));
    await local.api.post('/clusters/default/services', {
      ...webService('patient', 'patient', 1),
      deploymentConfiguration: { minReadySeconds: 40 },
    });
    const plan = await eventually('the task to run but not be ready', async () => {
      const read = await local.api.get('/clusters/default/services/patient/plan');
      return read.body.runningCount === 1 ? read.body : undefined;
    });
    const reason = `deployment ${plan.deployments[0].id} is waiting for 1 task to be healthy for minReadySeconds 40`;
    expect(plan.waiting).toEqual([reason]);
    // The events tell it too.
    await eventually('the waiting event', async () => {
      const events = (await local.api.get('/clusters/default/services/patient/events')).body.items;
      return events.some((event: { message: string }) => event.message === `service patient ${reason}.`)
        ? true
        : undefined;
    });
  });
});

describe('limits', () => {
  it("refuses a task definition over ECS's 64 KiB with a 400 naming the field", async () => {
    const big = {
      ...webTaskDefinition('big'),
      containerDefinitions: [
        {
          name: 'web',
          image: 'nginx',
          environment: Array.from({ length: 10 }, (_, index) => ({
            name: `V${index}`,
            value: 'x'.repeat(7000),
          })),
        },
      ],
    };
    const refused = await local.api.post('/task-definitions', big);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(
      /^containerDefinitions: the task definition is \d+ bytes as JSON; ECS accepts at most 65536 bytes \(64 KiB\)$/,
    );
    expect((await local.api.get('/task-definitions/big')).status).toBe(404);
  });

  it('answers a 20 MB body with the documented error shape', async () => {
    const response = await fetch(`${local.stack.apiUrl}/task-definitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"family":"${'x'.repeat(20 * 1024 * 1024)}"}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: {
        code: 'PayloadTooLarge',
        message: 'Request body is larger than 10485760 bytes; the limit is 262144 bytes (256 KB)',
      },
    });
  });
});

describe('revisions a user can trust', () => {
  it('deregisters the ECS copy of a revision when the revision is deleted', async () => {
    await local.api.post('/task-definitions', webTaskDefinition('lazy', 'nginx:1'));
    await local.api.post('/task-definitions', webTaskDefinition('lazy', 'nginx:2'));
    // Launching lazy:2 first registers it in ECS, where it becomes ECS's lazy:1.
    const run = await local.api.post('/clusters/default/tasks', {
      taskDefinition: 'lazy:2',
      count: 1,
      networkConfiguration: webService().networkConfiguration,
    });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const revision = await local.api.get('/task-definitions/lazy/2');
    expect(revision.body.ecsTaskDefinitionArn).toMatch(/:task-definition\/tugboat-local-lazy:1$/);
    // Every task answer names Tugboat's revision, and ECS's ARN only as ecsTaskDefinitionArn.
    const [launched] = run.body.tasks;
    const listed = await local.api.get('/clusters/default/tasks?serviceName=-');
    const inList = listed.body.items.find((task: { taskId: string }) => task.taskId === launched.taskId);
    const described = await local.api.get(`/clusters/default/tasks/${launched.taskId}`);
    for (const task of [launched, inList, described.body]) {
      expect(task.taskDefinition).toBe('lazy:2');
      expect(task.ecsTaskDefinitionArn).toMatch(/:task-definition\/tugboat-local-lazy:1$/);
      expect(task).not.toHaveProperty('taskDefinitionArn');
    }

    expect((await local.api.delete('/task-definitions/lazy/2')).status).toBe(200);
    const ecs = new ECSClient({ endpoint: local.stack.ecsUrl, region: 'us-east-1' });
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: revision.body.ecsTaskDefinitionArn }),
    );
    ecs.destroy();
    expect(taskDefinition?.status).toBe('INACTIVE');
    // A revision never launched has no ECS copy to deregister.
    expect((await local.api.delete('/task-definitions/lazy/1')).status).toBe(200);
  });

  it("names Tugboat's revision on a service's tasks when ECS numbers it differently", async () => {
    await local.api.post('/task-definitions', webTaskDefinition('later', 'nginx:1'));
    await local.api.post('/task-definitions', webTaskDefinition('later', 'nginx:2'));
    expect(
      (await local.api.post('/clusters/default/services', webService('later', 'later:2', 1))).status,
    ).toBe(201);
    const [task] = await eventually('the service task', async () => {
      const listed = await local.api.get('/clusters/default/tasks?serviceName=later');
      return listed.body.items.length > 0 ? listed.body.items : undefined;
    });
    expect(task.taskDefinition).toBe('later:2');
    expect(task.ecsTaskDefinitionArn).toMatch(/:task-definition\/tugboat-local-later:1$/);
    const described = await local.api.get(`/clusters/default/tasks/${task.taskId}`);
    expect(described.body.taskDefinition).toBe('later:2');
    expect(described.body.ecsTaskDefinitionArn).toBe(task.ecsTaskDefinitionArn);
  });
});

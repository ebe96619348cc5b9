/**
 * The load balancers API: `loadBalancers` and `healthCheckGracePeriodSeconds` on create and PATCH (400s name
 * the field), per-deployment target counts on GET service and targets on GET task. Every answer is
 * checked against the OpenAPI document by the client.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

let tg: string;

const local = useTestStack({ timing: 'fast', reconcileIntervalMs: 1_000, contract: true });

beforeAll(async () => {
  tg = local.stack.defaultTargetGroupArn;
  expect((await local.api.post('/task-definitions', webTaskDefinition('lbapi', 'nginx:1'))).status).toBe(201);
  // Revision 2 maps another port only.
  const other = webTaskDefinition('lbapi', 'nginx:2');
  other.containerDefinitions[0]!.portMappings = [{ containerPort: 8080 }];
  expect((await local.api.post('/task-definitions', other)).status).toBe(201);
});

const lb = (overrides: Record<string, unknown> = {}) => ({
  targetGroupArn: tg,
  containerName: 'web',
  containerPort: 80,
  ...overrides,
});
/** Tables are built before beforeAll: their load balancers get the target group's ARN here. */
const withTargetGroup = (loadBalancers: unknown) =>
  Array.isArray(loadBalancers)
    ? loadBalancers.map((entry) => ({ ...entry, targetGroupArn: entry.targetGroupArn ?? tg }))
    : loadBalancers;
const create = (name: string, extra: Record<string, unknown>) =>
  local.api.post('/clusters/default/services', {
    ...webService(name, 'lbapi:1', 1),
    deploymentConfiguration: { minReadySeconds: 0 },
    ...extra,
    ...(extra.loadBalancers ? { loadBalancers: withTargetGroup(extra.loadBalancers) } : {}),
  });

describe('loadBalancers and healthCheckGracePeriodSeconds', () => {
  it.each([
    [
      'a container the task definition lacks',
      [lb({ containerName: 'api' })],
      'loadBalancers[0].containerName',
    ],
    ['a port the container does not map', [lb({ containerPort: 8080 })], 'loadBalancers[0].containerPort'],
    [
      'not a target group ARN',
      [lb({ targetGroupArn: 'arn:aws:s3:::bucket' })],
      'loadBalancers[0].targetGroupArn',
    ],
    ['a port out of range', [lb({ containerPort: 70000 })], 'loadBalancers[0].containerPort'],
    ['an unknown member', [lb({ loadBalancerName: 'x' })], 'loadBalancers[0].loadBalancerName'],
    ['more than 5', Array.from({ length: 6 }, (_, i) => lb({ containerPort: 80 + i })), 'loadBalancers'],
  ])('create with %s is a 400 naming %s', async (_what, loadBalancers, field) => {
    const response = await create('lbbad', { loadBalancers });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(field);
  });

  it.each([-1, 2147483648, 1.5])('healthCheckGracePeriodSeconds %s is a 400 naming it', async (value) => {
    const response = await create('lbbad', { healthCheckGracePeriodSeconds: value });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('healthCheckGracePeriodSeconds');
    const patched = await local.api.patch('/clusters/default/services/lbbad', {
      healthCheckGracePeriodSeconds: value,
    });
    expect(patched.status).toBe(400);
  });

  it('create, GET with target counts, GET task with its targets, PATCH with a new deployment', async () => {
    const created = await create('lbok', {
      loadBalancers: [lb()],
      healthCheckGracePeriodSeconds: 2147483647,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ loadBalancers: [lb()], healthCheckGracePeriodSeconds: 2147483647 });
    const described = await eventually(
      'a healthy target',
      async () => {
        const { body } = await local.api.get('/clusters/default/services/lbok');
        return body.deployments[0].healthyTargets === 1 ? body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(described.deployments[0]).toMatchObject({ healthyTargets: 1, drainingTargets: 0 });
    const tasks = await local.api.get('/clusters/default/tasks?serviceName=lbok');
    const running = tasks.body.items.find((t: { lastStatus: string }) => t.lastStatus === 'RUNNING');
    const task = await local.api.get(`/clusters/default/tasks/${running.taskId}`);
    expect(task.status).toBe(200);
    expect(task.body.targets).toEqual([
      { targetGroupArn: tg, id: task.body.privateIpv4Address, port: 80, state: 'healthy' },
    ]);

    // The grace period alone changes no deployment.
    const grace = await local.api.patch('/clusters/default/services/lbok', {
      healthCheckGracePeriodSeconds: 30,
    });
    expect(grace.status).toBe(200);
    expect(grace.body.healthCheckGracePeriodSeconds).toBe(30);
    expect(grace.body.deployments[0].id).toBe(described.deployments[0].id);
    // The same load balancers again change nothing either.
    const same = await local.api.patch('/clusters/default/services/lbok', { loadBalancers: [lb()] });
    expect(same.body.deployments[0].id).toBe(described.deployments[0].id);
    // A revision whose container does not map the port is refused, naming the field.
    const refused = await local.api.patch('/clusters/default/services/lbok', { taskDefinition: 'lbapi:2' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('loadBalancers[0].containerPort');
    // Changing the load balancers with it: a new deployment.
    const moved = await local.api.patch('/clusters/default/services/lbok', {
      taskDefinition: 'lbapi:2',
      loadBalancers: [lb({ containerPort: 8080 })],
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.deployments[0].id).not.toBe(described.deployments[0].id);
    expect(moved.body.loadBalancers).toEqual([lb({ containerPort: 8080 })]);
    // Load balancers alone: a new deployment of the same revision.
    const removed = await local.api.patch('/clusters/default/services/lbok', { loadBalancers: [] });
    expect(removed.status).toBe(200);
    expect(removed.body.loadBalancers).toBeUndefined();
    expect(removed.body.deployments[0].id).not.toBe(moved.body.deployments[0].id);
    expect(removed.body.deployments[0].taskDefinition).toBe('lbapi:2');
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { webService } from '../support/api';
import { useTestStack } from '../support/stack';

const local = useTestStack();
const invoke = local.invoke;

const EXECUTION_ROLE = 'arn:aws:iam::000000000000:role/shop-execution';
const DB_PASSWORD = {
  name: 'DB_PASSWORD',
  valueFrom: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:shop/db-AbCdEf:password::',
};
const API_TOKEN = {
  name: 'API_TOKEN',
  valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/shop/api-token',
};
const LOGS = {
  logDriver: 'awslogs',
  options: { 'awslogs-group': '/ecs/shop', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'shop' },
};
const SPLUNK = {
  logDriver: 'splunk',
  options: { 'splunk-url': 'https://splunk.example.com:8088' },
  secretOptions: [{ name: 'splunk-token', valueFrom: API_TOKEN.valueFrom }],
};

const taskDefinition = (family: string, container: Record<string, unknown>, extra = {}) => ({
  family,
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image: 'nginx:1.27', ...container }],
  ...extra,
});

describe('secrets and log configuration, in ECS shapes', () => {
  it('registers them, answers them as given, and passes them to RegisterTaskDefinition unchanged', async () => {
    const body = taskDefinition(
      'shop',
      { secrets: [DB_PASSWORD, API_TOKEN], logConfiguration: LOGS },
      { executionRoleArn: EXECUTION_ROLE },
    );
    const created = await invoke('POST', '/task-definitions', { body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers['tugboat-warning']).toBeUndefined();
    expect(created.body.containerDefinitions[0]).toMatchObject({
      secrets: [DB_PASSWORD, API_TOKEN],
      logConfiguration: LOGS,
    });
    const read = await invoke('GET', '/task-definitions/shop/1');
    expect(read.body.containerDefinitions[0].secrets).toEqual([DB_PASSWORD, API_TOKEN]);
    expect(read.body.containerDefinitions[0].logConfiguration).toEqual(LOGS);

    const sidecar = taskDefinition(
      'shop-splunk',
      { logConfiguration: SPLUNK },
      { executionRoleArn: EXECUTION_ROLE },
    );
    expect((await invoke('POST', '/task-definitions', { body: sidecar })).status).toBe(201);

    // A one-off task registers the revision with ECS: the local endpoint holds what ECS would.
    for (const family of ['shop', 'shop-splunk']) {
      const run = await invoke('POST', '/clusters/default/tasks', {
        body: { taskDefinition: family, networkConfiguration: webService().networkConfiguration },
      });
      expect(run.status, JSON.stringify(run.body)).toBe(201);
    }
    // The ECS copies, in the installation's own families (`tugboat-<installation>-<family>`).
    const { taskDefinitionArns } = local.stack.ecs.ecs.handle('ListTaskDefinitions', {}) as {
      taskDefinitionArns: string[];
    };
    const inEcs = (family: string) => {
      const arn = taskDefinitionArns.find((candidate) => candidate.endsWith(`-${family}:1`));
      return (local.stack.ecs.ecs.handle('DescribeTaskDefinition', { taskDefinition: arn }) as any)
        .taskDefinition;
    };
    const shop = 'shop';
    const splunk = 'shop-splunk';
    expect(inEcs(shop).executionRoleArn).toBe(EXECUTION_ROLE);
    expect(inEcs(shop).containerDefinitions[0]).toMatchObject({
      secrets: [DB_PASSWORD, API_TOKEN],
      logConfiguration: LOGS,
    });
    expect(inEcs(splunk).containerDefinitions[0].logConfiguration).toEqual(SPLUNK);
  });

  it('refuses what ECS would refuse, naming the field', async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>, RegExp][] = [
      [{ secrets: [DB_PASSWORD] }, {}, /executionRoleArn: is required: container app has secrets/],
      [{ secrets: [] }, {}, /executionRoleArn: is required/],
      [
        { logConfiguration: SPLUNK },
        {},
        /executionRoleArn: is required: container app has logConfiguration\.secretOptions/,
      ],
      [{ logConfiguration: LOGS }, {}, /executionRoleArn: is required: container app logs with awslogs/],
      [
        { secrets: [{ name: 'DB_PASSWORD', valueFrom: 'db-password' }] },
        { executionRoleArn: EXECUTION_ROLE },
        /containerDefinitions\[0\]\.secrets\[0\]\.valueFrom: must be the ARN of a Secrets Manager secret/,
      ],
      [
        { secrets: [{ name: 'DB_PASSWORD' }] },
        { executionRoleArn: EXECUTION_ROLE },
        /containerDefinitions\[0\]\.secrets\[0\]\.valueFrom/,
      ],
      [
        { secrets: [DB_PASSWORD], environment: [{ name: 'DB_PASSWORD', value: 'hunter2' }] },
        { executionRoleArn: EXECUTION_ROLE },
        /containerDefinitions\[0\]\.secrets\[0\]\.name: The secret name must be unique and not shared with any new or existing environment variables set on the container, such as 'DB_PASSWORD'\./,
      ],
      [
        { logConfiguration: { logDriver: 'json-file' } },
        {},
        /containerDefinitions\[0\]\.logConfiguration\.logDriver: json-file is not supported on Fargate/,
      ],
      [{ logConfiguration: { options: {} } }, {}, /containerDefinitions\[0\]\.logConfiguration\.logDriver/],
      [
        { logConfiguration: { logDriver: 'splunk', options: { 'splunk-url': 8088 } } },
        {},
        /containerDefinitions\[0\]\.logConfiguration\.options\.splunk-url/,
      ],
      [
        { logConfiguration: { logDriver: 'splunk', extra: true } },
        {},
        /containerDefinitions\[0\]\.logConfiguration\.extra: unknown field/,
      ],
    ];
    for (const [container, extra, message] of cases) {
      const refused = await invoke('POST', '/task-definitions', {
        body: taskDefinition('refused', container, extra),
      });
      expect(refused.status, JSON.stringify(container)).toBe(400);
      expect(refused.body.error.message, JSON.stringify(container)).toMatch(message);
    }
    expect((await invoke('GET', '/task-definitions/refused')).status).toBe(404);
  });
});

describe('environment values that look like secrets', () => {
  const leaky = (family: string, names: string[]) =>
    taskDefinition(family, { environment: names.map((name) => ({ name, value: 'x' })) });

  it('accepts them with a Tugboat-Warning header naming them and pointing at secrets', async () => {
    const created = await invoke('POST', '/task-definitions', {
      body: leaky('leaky', [
        'LOG_LEVEL',
        'DB_PASSWORD',
        'stripe_secret',
        'GITHUB_TOKEN',
        'AWS_ACCESS_KEY',
        'KEYBOARD',
      ]),
    });
    expect(created.status).toBe(201);
    expect(created.headers['tugboat-warning']).toBe(
      'environment variables DB_PASSWORD, stripe_secret, GITHUB_TOKEN, AWS_ACCESS_KEY (container app) look like secrets: every reader of this task definition sees their values; put them in secrets (valueFrom a Secrets Manager or SSM Parameter Store ARN)',
    );
    const plain = await invoke('POST', '/task-definitions', {
      body: leaky('plain', ['LOG_LEVEL', 'KEYBOARD']),
    });
    expect(plain.status).toBe(201);
    expect(plain.headers['tugboat-warning']).toBeUndefined();
  });

  it('tells each service that deploys such a revision, once per revision, in a service event', async () => {
    await invoke('POST', '/task-definitions', { body: leaky('warned', ['DB_PASSWORD']) }); // warned:1
    await invoke('POST', '/task-definitions', { body: leaky('warned', ['LOG_LEVEL']) }); // warned:2
    const warningsOf = async () =>
      (await invoke('GET', '/clusters/default/services/warned/events')).body.items
        .map((event: { message: string }) => event.message)
        .filter((message: string) => message.includes('look like secrets'));
    expect(
      (await invoke('POST', '/clusters/default/services', { body: webService('warned', 'warned:1', 1) }))
        .status,
    ).toBe(201);
    expect(await warningsOf()).toEqual([
      'service warned task definition warned:1 has environment values that look like secrets (DB_PASSWORD in container app), which every reader of the task definition sees: move them to secrets.',
    ]);
    // A clean revision, then back to the one already warned about: no new warning.
    for (const revision of ['warned:2', 'warned:1']) {
      const patched = await invoke('PATCH', '/clusters/default/services/warned', {
        body: { taskDefinition: revision },
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    }
    expect((await warningsOf()).length).toBe(1);
  });
});

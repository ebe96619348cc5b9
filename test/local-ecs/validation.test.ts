import {
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSServiceException,
  InvalidParameterException,
  ListTasksCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createCluster,
  expectEcsError,
  type Harness,
  registerFargate,
  runFargate,
  startWebHarness,
} from './helpers';

let h: Harness;

beforeEach(async () => {
  h = await startWebHarness();
});
afterEach(() => h.close());

describe('ClusterNotFoundException', () => {
  it('answers RunTask, StopTask, DescribeTasks and ListTasks on an unknown cluster', async () => {
    await expectEcsError(
      runFargate(h.client, { cluster: 'nope' }),
      ClusterNotFoundException,
      /Cluster not found/,
    );
    await expectEcsError(
      h.client.send(new StopTaskCommand({ cluster: 'nope', task: 'abc' })),
      ClusterNotFoundException,
    );
    await expectEcsError(
      h.client.send(new DescribeTasksCommand({ cluster: 'nope', tasks: ['abc'] })),
      ClusterNotFoundException,
    );
    await expectEcsError(h.client.send(new ListTasksCommand({ cluster: 'nope' })), ClusterNotFoundException);
  });
});

describe('ClientException', () => {
  it('rejects RunTask with an unknown task definition', async () => {
    await expectEcsError(
      runFargate(h.client, { taskDefinition: 'missing' }),
      ClientException,
      /Unable to find task definition/,
    );
    await expectEcsError(
      runFargate(h.client, { taskDefinition: 'web:7' }),
      ClientException,
      /Unable to find/,
    );
  });

  it('rejects RunTask with an inactive revision, and family-only RunTask when no revision is active', async () => {
    await h.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:1' }));
    await expectEcsError(
      runFargate(h.client, { taskDefinition: 'web:1' }),
      ClientException,
      /TaskDefinition is inactive/,
    );
    await expectEcsError(runFargate(h.client, { taskDefinition: 'web' }), ClientException, /Unable to find/);
    const described = await h.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' }));
    expect(described.taskDefinition?.status).toBe('INACTIVE');
  });

  it('rejects a Fargate task definition with a cpu/memory pair Fargate does not offer', async () => {
    await expectEcsError(
      registerFargate(h.client, 'big', 'nginx', { cpu: '256', memory: '4096' }),
      InvalidParameterException,
      /No Fargate configuration exists for given values: 256 CPU, 4096 memory/,
    );
    await expectEcsError(
      registerFargate(h.client, 'odd', 'nginx', { cpu: '8192', memory: '18432' }),
      InvalidParameterException,
    );
    await expectEcsError(registerFargate(h.client, 'nomem', 'nginx', { memory: undefined }), ClientException);
  });

  it('accepts every documented Fargate size, in CPU units or vCPU and GB', async () => {
    const sizes: [string, string][] = [
      ['256', '512'],
      ['256', '2048'],
      ['512', '4096'],
      ['1024', '8192'],
      ['2048', '16384'],
      ['4096', '30720'],
      ['8192', '61440'],
      ['16384', '122880'],
      ['1 vCPU', '3 GB'],
    ];
    for (const [cpu, memory] of sizes) {
      const definition = await registerFargate(h.client, 'sizes', 'nginx', { cpu, memory });
      expect(definition.status).toBe('ACTIVE');
    }
    const last = await h.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'sizes' }));
    expect([last.taskDefinition?.cpu, last.taskDefinition?.memory]).toEqual(['1024', '3072']);
    expect(last.taskDefinition?.revision).toBe(sizes.length);
  });

  it('rejects a Fargate task definition without awsvpc', async () => {
    await expectEcsError(
      registerFargate(h.client, 'bridge', 'nginx', { networkMode: 'bridge' }),
      ClientException,
    );
  });
});

describe('InvalidParameterException', () => {
  it('rejects RunTask count outside 1-10', async () => {
    await expectEcsError(runFargate(h.client, { count: 11 }), InvalidParameterException, /count/);
    await expectEcsError(runFargate(h.client, { count: 0 }), InvalidParameterException, /count/);
    expect(await runFargate(h.client, { count: 10 })).toHaveLength(10);
  });

  it('rejects a FARGATE launch without awsvpc subnets', async () => {
    await expectEcsError(
      runFargate(h.client, { networkConfiguration: undefined }),
      InvalidParameterException,
      /Network Configuration must be provided/,
    );
    await expectEcsError(
      runFargate(h.client, { networkConfiguration: { awsvpcConfiguration: { subnets: [] } } }),
      InvalidParameterException,
      /subnets/,
    );
  });

  it('rejects a RunTask whose cpu/memory overrides make an invalid Fargate pair', async () => {
    await expectEcsError(
      runFargate(h.client, { overrides: { cpu: '512', memory: '512' } }),
      InvalidParameterException,
      /No Fargate configuration exists for given values: 512 CPU, 512 memory/,
    );
    const [task] = await runFargate(h.client, { overrides: { cpu: '512', memory: '2048' } });
    expect([task?.cpu, task?.memory]).toEqual(['512', '2048']);
  });

  it('rejects DescribeTasks with more than 100 tasks, or none', async () => {
    const tasks = Array.from({ length: 101 }, (_, i) => `task-${i}`);
    await expectEcsError(
      h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks })),
      InvalidParameterException,
      /100/,
    );
    await expectEcsError(
      h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [] })),
      InvalidParameterException,
    );
    const exactly100 = await h.client.send(
      new DescribeTasksCommand({ cluster: 'apps', tasks: tasks.slice(0, 100) }),
    );
    expect(exactly100.failures).toHaveLength(100);
    expect(exactly100.failures?.[0]?.reason).toBe('MISSING');
  });

  it('rejects ListTasks maxResults outside 1-100', async () => {
    for (const maxResults of [0, 101]) {
      await expectEcsError(
        h.client.send(new ListTasksCommand({ cluster: 'apps', maxResults })),
        InvalidParameterException,
        /maxResults/,
      );
    }
    await h.client.send(new ListTasksCommand({ cluster: 'apps', maxResults: 100 }));
  });

  it('rejects startedBy over 128 characters and group over 255', async () => {
    await expectEcsError(
      runFargate(h.client, { startedBy: 'x'.repeat(129) }),
      InvalidParameterException,
      /startedBy/,
    );
    await expectEcsError(
      runFargate(h.client, { group: 'g'.repeat(256) }),
      InvalidParameterException,
      /group/,
    );
    const [task] = await runFargate(h.client, { startedBy: 'x'.repeat(128), group: 'g'.repeat(255) });
    expect(task?.startedBy).toHaveLength(128);
    expect(task?.group).toHaveLength(255);
  });

  it('rejects a clientToken over 64 characters or outside ASCII 33-126', async () => {
    await expectEcsError(
      runFargate(h.client, { clientToken: 'a'.repeat(65) }),
      InvalidParameterException,
      /clientToken/,
    );
    await expectEcsError(
      runFargate(h.client, { clientToken: 'has space' }),
      InvalidParameterException,
      /clientToken/,
    );
    await expectEcsError(
      runFargate(h.client, { clientToken: 'caf\u00e9' }),
      InvalidParameterException,
      /clientToken/,
    );
    expect(await runFargate(h.client, { clientToken: `${'!'.repeat(63)}~` })).toHaveLength(1);
  });

  it('rejects both a launch type and a capacity provider strategy, and providers not on the cluster', async () => {
    await expectEcsError(
      runFargate(h.client, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }),
      InvalidParameterException,
      /both a launch type and capacity provider strategy/,
    );
    await expectEcsError(
      runFargate(h.client, {
        launchType: undefined,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      }),
      InvalidParameterException,
      /not associated with the cluster/,
    );
  });

  it('rejects StopTask of a task that does not exist', async () => {
    await expectEcsError(
      h.client.send(new StopTaskCommand({ cluster: 'apps', task: '0123456789abcdef0123456789abcdef' })),
      InvalidParameterException,
      /task was not found/,
    );
  });
});

describe('ConflictException and idempotency', () => {
  it('returns the same tasks for a repeated clientToken and launches nothing new', async () => {
    const first = await runFargate(h.client, { clientToken: 'deploy-1', count: 3, startedBy: 'tugboat' });
    h.server.ecs.advance(60_000);
    const second = await runFargate(h.client, { clientToken: 'deploy-1', count: 3, startedBy: 'tugboat' });
    expect(second.map((task) => task.taskArn)).toEqual(first.map((task) => task.taskArn));
    expect(second[0]?.lastStatus).toBe('RUNNING');
    const listed = await h.client.send(new ListTasksCommand({ cluster: 'apps' }));
    expect(listed.taskArns).toHaveLength(3);
  });

  it('scopes tokens to the cluster', async () => {
    await createCluster(h.client, { clusterName: 'other' });
    const a = await runFargate(h.client, { clientToken: 'same' });
    const b = await runFargate(h.client, { clientToken: 'same', cluster: 'other' });
    expect(a[0]?.taskArn).not.toBe(b[0]?.taskArn);
    expect(b[0]?.taskArn).toContain(':task/other/');
  });

  it('answers ConflictException, naming the existing tasks, when a token is reused with other parameters', async () => {
    const first = await runFargate(h.client, { clientToken: 'deploy-2', count: 2 });
    const error = await expectEcsError(
      runFargate(h.client, { clientToken: 'deploy-2', count: 3 }),
      ConflictException,
    );
    expect((error as ConflictException).resourceIds?.sort()).toEqual(
      first.map((task) => task.taskArn).sort(),
    );
  });

  it('forgets a token after 24 hours', async () => {
    const first = await runFargate(h.client, { clientToken: 'deploy-3' });
    h.server.ecs.advance(24 * 3_600_000 + 1);
    const again = await runFargate(h.client, { clientToken: 'deploy-3' });
    expect(again[0]?.taskArn).not.toBe(first[0]?.taskArn);
  });
});

describe('service APIs', () => {
  it('answers CreateService with UnsupportedFeatureException (HTTP 400) saying where services are managed', async () => {
    const error = await h.client
      .send(new CreateServiceCommand({ cluster: 'apps', serviceName: 's', taskDefinition: 'web' }))
      .then(
        () => undefined,
        (caught: ECSServiceException) => caught,
      );
    expect(error?.name).toBe('UnsupportedFeatureException');
    expect(error?.$metadata.httpStatusCode).toBe(400);
    expect(error?.message).toMatch(
      /^CreateService: services are managed through Tugboat's API or the tugboat CLI/,
    );
  });
});

import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  type ECSServiceException,
  ListClustersCommand,
  ListServicesCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsCli } from '../support/aws-cli';
import { createCluster, type Harness, registerFargate, startHarness } from './helpers';

let h: Harness;

beforeEach(async () => {
  h = await startHarness({ clock: 'real', startTime: undefined, startMs: 30, stopMs: 10 });
});
afterEach(() => h.close());

describe('unmodified clients', () => {
  it('reaches the endpoint through AWS_ENDPOINT_URL_ECS, with no endpoint in code', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ECS: h.server.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    try {
      await createCluster(h.client, { clusterName: 'from-env' });
      const client = new ECSClient({});
      const listed = await client.send(new ListClustersCommand({}));
      expect(listed.clusterArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:cluster/from-env']);
      client.destroy();
    } finally {
      process.env = saved;
    }
  });

  it('serves the AWS CLI (v1) through --endpoint-url', async (context) => {
    const aws = await awsCli(context, h.server.url, 'ecs');
    if (!aws) return;
    const cluster = await aws('create-cluster', '--cluster-name', 'cli');
    expect(cluster.cluster.clusterArn).toBe('arn:aws:ecs:us-east-1:000000000000:cluster/cli');
    await registerFargate(h.client, 'web', 'nginx');
    const ran = await aws(
      'run-task',
      '--cluster',
      'cli',
      '--task-definition',
      'web',
      '--launch-type',
      'FARGATE',
      '--count',
      '2',
      '--network-configuration',
      'awsvpcConfiguration={subnets=[subnet-1]}',
    );
    expect(ran.tasks).toHaveLength(2);
    const listed = await aws('list-tasks', '--cluster', 'cli');
    expect(listed.taskArns.sort()).toEqual(ran.tasks.map((task: { taskArn: string }) => task.taskArn).sort());
    const described = await aws('describe-tasks', '--cluster', 'cli', '--tasks', ran.tasks[0].taskArn);
    expect(described.tasks[0].taskDefinitionArn).toBe(
      'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
    );

    const failure = await aws('run-task', '--cluster', 'nope', '--task-definition', 'web').then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    expect(failure).toMatch(/ClusterNotFoundException.*Cluster not found/);
  });
});

describe('service APIs, answered with where services are managed', () => {
  const API = 'http://127.0.0.1:3999';
  let local: Harness;
  beforeEach(async () => {
    local = await startHarness({ servicesApiUrl: () => API });
  });
  afterEach(() => local.close());

  it.each([
    ['DescribeServices', new DescribeServicesCommand({ cluster: 'default', services: ['web'] })],
    ['ListServices', new ListServicesCommand({ cluster: 'default' })],
    ['UpdateService', new UpdateServiceCommand({ cluster: 'default', service: 'web', desiredCount: 2 })],
    ['DeleteService', new DeleteServiceCommand({ cluster: 'default', service: 'web' })],
  ] as const)('%s: UnsupportedFeatureException naming Tugboat API address', async (action, command) => {
    const error = await local.client.send(command as DescribeServicesCommand).then(
      () => undefined,
      (caught: ECSServiceException) => caught,
    );
    expect(error?.name).toBe('UnsupportedFeatureException');
    expect(error?.$metadata.httpStatusCode).toBe(400);
    expect(error?.message).toBe(
      `${action}: services are managed through Tugboat's API at ${API} (GET ${API}/clusters/default/services) or the tugboat CLI, not ECS's service APIs; this local ECS endpoint serves clusters, task definitions and tasks.`,
    );
  });

  it('the AWS CLI shows the error and its message', async (context) => {
    const aws = await awsCli(context, local.server.url, 'ecs');
    if (!aws) return;
    for (const args of [['describe-services', '--services', 'web'], ['list-services']]) {
      const failed = await aws(...args).then(
        () => undefined,
        (error: { stderr: string }) => error.stderr,
      );
      expect(failed).toContain('(UnsupportedFeatureException)');
      expect(failed).toContain(`services are managed through Tugboat's API at ${API}`);
    }
  });

  it('another unknown operation names itself', async () => {
    const response = await fetch(local.server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.PutAccountSetting',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      __type: 'UnknownOperationException',
      message: 'PutAccountSetting is not an operation of the local ECS endpoint.',
    });
  });
});

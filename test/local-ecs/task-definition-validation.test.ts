/** The local ECS endpoint's task definition validation, held to the ECS API reference. */
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectEcsError, type Harness, network, registerFargate, startWebHarness } from './helpers';

let h: Harness;

beforeEach(async () => {
  h = await startWebHarness();
});
afterEach(() => h.close());

describe('task definitions', () => {
  it('numbers revisions per family and describes by family, family:revision and ARN', async () => {
    const second = await registerFargate(h.client, 'web', 'nginx:1.28', {
      tags: [{ key: 'team', value: 'a' }],
    });
    expect(second.revision).toBe(2);
    expect(second.taskDefinitionArn).toBe('arn:aws:ecs:us-east-1:000000000000:task-definition/web:2');
    const byFamily = await h.client.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'web', include: ['TAGS'] }),
    );
    expect(byFamily.taskDefinition?.revision).toBe(2);
    expect(byFamily.tags).toEqual([{ key: 'team', value: 'a' }]);
    const byArn = await h.client.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: second.taskDefinitionArn! }),
    );
    expect(byArn.taskDefinition?.containerDefinitions?.[0]?.image).toBe('nginx:1.28');
    await expectEcsError(
      h.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope' })),
      ClientException,
    );
    await expectEcsError(
      h.client.send(new RegisterTaskDefinitionCommand({ family: 'bad name', containerDefinitions: [] })),
      ClientException,
    );
  });

  it('stores secrets and logConfiguration (with secretOptions) as given, and describes them back', async () => {
    const executionRoleArn = 'arn:aws:iam::000000000000:role/web-execution';
    const secrets = [
      { name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf' },
      { name: 'API_TOKEN', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/web/api-token' },
    ];
    const logConfiguration = {
      logDriver: 'splunk' as const,
      options: { 'splunk-url': 'https://splunk.example.com:8088' },
      secretOptions: [
        { name: 'splunk-token', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/splunk-token' },
      ],
    };
    const registered = await registerFargate(h.client, 'secretive', 'nginx:1.27', {
      executionRoleArn,
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27', secrets, logConfiguration }],
    });
    const described = await h.client.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: registered.taskDefinitionArn! }),
    );
    expect(described.taskDefinition?.executionRoleArn).toBe(executionRoleArn);
    expect(described.taskDefinition?.containerDefinitions?.[0]).toMatchObject({ secrets, logConfiguration });
  });

  it('refuses secrets, secretOptions and awslogs on Fargate without an execution role, as ECS does', async () => {
    const secret = { name: 'DB_PASSWORD', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/db' };
    const container = (extra: Record<string, unknown>) => ({
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27', ...extra }],
    });
    const needsRole =
      /^When you are specifying container secrets, you must also specify a value for 'executionRoleArn'\.$/;
    // An empty list counts too (ECS checks that the field is there).
    for (const secrets of [[secret], []]) {
      await expectEcsError(
        registerFargate(h.client, 'x', 'nginx', container({ secrets })),
        ClientException,
        needsRole,
      );
    }
    await expectEcsError(
      registerFargate(
        h.client,
        'x',
        'nginx',
        container({ logConfiguration: { logDriver: 'splunk', secretOptions: [secret] } }),
      ),
      ClientException,
      needsRole,
    );
    await expectEcsError(
      registerFargate(h.client, 'x', 'nginx', container({ logConfiguration: { logDriver: 'awslogs' } })),
      ClientException,
      /^Fargate requires task definition to have execution role ARN to support log driver awslogs\.$/,
    );
    const executionRoleArn = 'arn:aws:iam::000000000000:role/x-execution';
    await expectEcsError(
      registerFargate(h.client, 'x', 'nginx', {
        executionRoleArn,
        ...container({ secrets: [secret], environment: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }),
      }),
      ClientException,
      /^The secret name must be unique and not shared with any new or existing environment variables set on the container, such as 'DB_PASSWORD'\.$/,
    );
    // Shapes: a secret without valueFrom, a log driver Fargate does not run.
    await expectEcsError(
      registerFargate(h.client, 'x', 'nginx', {
        executionRoleArn,
        ...container({ secrets: [{ name: 'A' }] }),
      }),
      ClientException,
    );
    await expectEcsError(
      registerFargate(h.client, 'x', 'nginx', container({ logConfiguration: { logDriver: 'json-file' } })),
      ClientException,
      /json-file is not supported on Fargate/,
    );
    await expect(
      h.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'x' })),
    ).rejects.toBeInstanceOf(ClientException);
  });

  it('answers an EC2 launch with the failure ECS gives a cluster without container instances', async () => {
    const output = await h.client.send(
      new RunTaskCommand({
        cluster: 'apps',
        taskDefinition: 'web',
        launchType: 'EC2',
        networkConfiguration: network,
      }),
    );
    expect(output.tasks).toEqual([]);
    expect(output.failures?.[0]?.reason).toBe('No Container Instances were found in your cluster.');
  });
});

import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postService, registerTaskDefinition } from '../support/api';
import { runningOf } from '../support/ecs';
import { ecrPushEvent } from '../support/events';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const DIGEST = `sha256:${'ab12'.repeat(16)}`;

let sqs: SQSClient;

const local = useTestStack({
  timing: 'driven',
  ecs: { stopMs: 150 },
  visibilityTimeoutSeconds: 2,
  maxReceiveCount: 3,
});
const register = (family: string, containerImage: string) =>
  registerTaskDefinition(local.api, family, containerImage);
const createService = (serviceName: string, taskDefinition: string, desiredCount: number, extra = {}) =>
  postService(local.api, serviceName, taskDefinition, desiredCount, extra);

const getService = async (serviceName: string) =>
  (await local.api.get(`/clusters/default/services/${serviceName}`)).body;

const imageOf = async (taskDefinition: string) => {
  const [family, revision] = taskDefinition.split(':');
  return (await local.api.get(`/task-definitions/${family}/${revision}`)).body.containerDefinitions[0].image;
};

const completed = (serviceName: string, taskDefinition: string) =>
  eventually(`${serviceName} COMPLETED on ${taskDefinition}`, async () => {
    const service = await getService(serviceName);
    const primary = service.deployments[0];
    return service.taskDefinition === taskDefinition &&
      primary.taskDefinition === taskDefinition &&
      primary.rolloutState === 'COMPLETED'
      ? service
      : undefined;
  });

const pushEvent = (repository: string, tag: string) => ecrPushEvent(repository, tag, { digest: DIGEST });

const send = async (...bodies: Array<unknown>) => {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: local.stack.queues['tugboat-deploys'].url,
      Entries: bodies.map((body, index) => ({
        Id: String(index),
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      })),
    }),
  );
};

const queueCounts = async (url: string) => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
};

/** Every message sent to the deploys queue so far has been handled and deleted (or dead-lettered). */
const deploysDrained = () =>
  eventually('the deploys queue to drain', async () => {
    const counts = await queueCounts(local.stack.queues['tugboat-deploys'].url);
    return counts.visible === 0 && counts.inFlight === 0 ? true : undefined;
  });

const revisions = async (family: string) =>
  (await local.api.get(`/task-definitions/${family}`)).body.items.map(
    (item: { revision: number }) => item.revision,
  );

beforeAll(async () => {
  sqs = new SQSClient({
    endpoint: local.stack.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

  // web: the service the pushes deploy. pinned: the same repository, pinned by digest. manual: the same
  // repository without autoDeploy. api: autoDeploy on another repository. hub: Docker Hub's `web`.
  const web = await register('web', `${ECR}/web:v1`);
  const pinned = await register('pinned', `${ECR}/web:v1`);
  const manual = await register('manual', `${ECR}/web:v1`);
  const other = await register('api', `${ECR}/api:v1`);
  const hub = await register('hub', 'web:v1');
  await createService('web', web, 2, { autoDeploy: { tagPattern: 'v*' } });
  await createService('pinned', pinned, 1, { autoDeploy: { tagPattern: 'v2', pinDigest: true } });
  await createService('manual', manual, 1);
  await createService('api', other, 1, { autoDeploy: { tagPattern: '*' } });
  await createService('hub', hub, 0, { autoDeploy: { tagPattern: '*' } });
  await local.stack.runScheduler();
  await runningOf(local.ecs, 'web', `${ECR}/web:v1`, 2);
  await completed('web', web);
  await completed('pinned', pinned);
}, 60_000);

afterAll(() => sqs.destroy());

describe('deploys from the deploys queue (fauxqs, DynamoDB Local, local ECS)', () => {
  it('rolls every matching service to a pushed image, by tag or pinned by digest', async () => {
    await send(pushEvent('web', 'v2'));
    const web = await completed('web', 'web:2');
    expect(await imageOf('web:2')).toBe(`${ECR}/web:v2`);
    await runningOf(local.ecs, 'web', `${ECR}/web:v2`, 2);
    expect(web.deployments.map((d: { taskDefinition: string }) => d.taskDefinition)).toEqual([
      'web:2',
      'web:1',
    ]);
    // pinDigest deploys the digest, not the tag.
    await completed('pinned', 'pinned:2');
    expect(await imageOf('pinned:2')).toBe(`${ECR}/web@${DIGEST}`);
    await runningOf(local.ecs, 'pinned', `${ECR}/web@${DIGEST}`, 1);
    await deploysDrained();
    // No autoDeploy, another repository, or a repository of that name in another registry: untouched.
    expect((await getService('manual')).deployments).toHaveLength(1);
    expect((await getService('api')).deployments).toHaveLength(1);
    expect(await revisions('manual')).toEqual([1]);
    expect((await getService('hub')).deployments).toHaveLength(1);
    expect(await revisions('hub')).toEqual([1]);
  });

  it('changes nothing for a tag no pattern matches, another repository, or a failed push', async () => {
    const before = await getService('web');
    const failed = pushEvent('web', 'v9');
    failed.detail.result = 'FAILURE';
    await send(pushEvent('web', 'test-1'), pushEvent('nothing-here', 'v9'), failed);
    await deploysDrained();
    const after = await getService('web');
    expect(after.version).toBe(before.version);
    expect(after.deployments.map((d: { id: string }) => d.id)).toEqual(
      before.deployments.map((d: { id: string }) => d.id),
    );
    expect(await revisions('web')).toEqual([2, 1]);
    expect((await getService('pinned')).deployments).toHaveLength(2);
    // Acknowledged, not failed: nothing went to the dead-letter queue.
    expect((await queueCounts(local.stack.queues['tugboat-deploys'].dlqUrl)).visible).toBe(0);
  });

  it('creates one revision and one deployment for an event delivered three times', async () => {
    const event = pushEvent('web', 'v3');
    // Two pollers read the queue: the copies may land in one batch or in two workers at once.
    await send(event, event, event);
    await deploysDrained();
    await completed('web', 'web:3');
    const service = await getService('web');
    expect(
      service.deployments.filter((d: { taskDefinition: string }) => d.taskDefinition === 'web:3'),
    ).toHaveLength(1);
    expect(service.deployments).toHaveLength(3);
    expect(await revisions('web')).toEqual([3, 2, 1]);
    // Delivered again much later: still nothing new.
    await send(event);
    await deploysDrained();
    expect((await getService('web')).deployments).toHaveLength(3);
    expect(await revisions('web')).toEqual([3, 2, 1]);
  });

  it('ends on the later of two pushes, the later one superseding the deployment in progress', async () => {
    await send(pushEvent('web', 'v4'));
    await eventually('the v4 deployment', async () =>
      (await getService('web')).taskDefinition === 'web:4' ? true : undefined,
    );
    await send(pushEvent('web', 'v5'));
    const service = await completed('web', 'web:5');
    await runningOf(local.ecs, 'web', `${ECR}/web:v5`, 2);
    const byRevision = new Map(
      service.deployments.map((d: { taskDefinition: string; status: string }) => [d.taskDefinition, d]),
    );
    expect(byRevision.get('web:5')).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED' });
    await eventually('the v4 deployment to be INACTIVE', async () => {
      const v4 = (await getService('web')).deployments.find(
        (d: { taskDefinition: string }) => d.taskDefinition === 'web:4',
      );
      return v4?.status === 'INACTIVE' ? true : undefined;
    });
  });

  it('dead-letters poison messages while the good message behind them is processed', async () => {
    await send(
      'this is not JSON',
      { type: 'deploy', cluster: 'default', serviceName: 'no-such-service', image: 'web:v1' },
      {
        type: 'deploy',
        cluster: 'default',
        serviceName: 'web',
        image: `${ECR}/web:v6`,
        idempotencyKey: 'ci-6',
      },
    );
    await completed('web', 'web:6');
    expect(await imageOf('web:6')).toBe(`${ECR}/web:v6`);
    const dlqUrl = local.stack.queues['tugboat-deploys'].dlqUrl;
    await eventually(
      'both poison messages in the DLQ',
      async () => ((await queueCounts(dlqUrl)).visible === 2 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    expect((Messages ?? []).map((message) => message.Body).sort()).toEqual(
      [
        JSON.stringify({
          type: 'deploy',
          cluster: 'default',
          serviceName: 'no-such-service',
          image: 'web:v1',
        }),
        'this is not JSON',
      ].sort(),
    );
  }, 60_000);

  it('deploys an explicit message with the same idempotencyKey once', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: local.stack.queues['tugboat-deploys'].url,
        MessageBody: JSON.stringify({
          type: 'deploy',
          cluster: 'default',
          serviceName: 'web',
          image: `${ECR}/web:v6`,
          idempotencyKey: 'ci-6',
        }),
      }),
    );
    await deploysDrained();
    expect(await revisions('web')).toEqual([6, 5, 4, 3, 2, 1]);
  });
});

describe('deployments, rollback and plan through the API', () => {
  it('starts a deployment from POST .../deployments and answers 202 with it', async () => {
    const response = await local.api.post('/clusters/default/services/web/deployments', {
      image: `${ECR}/web:v7`,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(response.body).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      taskDefinition: 'web:7',
    });
    const one = await local.api.get(`/clusters/default/services/web/deployments/${response.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(response.body.id);
    await completed('web', 'web:7');
    await runningOf(local.ecs, 'web', `${ECR}/web:v7`, 2);
  });

  it('lists deployments newest first, in pages', async () => {
    const first = await local.api.get('/clusters/default/services/web/deployments?maxResults=4');
    expect(first.status).toBe(200);
    expect(first.body.items.map((d: { taskDefinition: string }) => d.taskDefinition)).toEqual([
      'web:7',
      'web:6',
      'web:5',
      'web:4',
    ]);
    expect(first.body.items[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED' });
    for (const deployment of first.body.items) {
      expect(deployment).toEqual(
        expect.objectContaining({
          rolloutStateReason: expect.any(String),
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        }),
      );
    }
    const second = await local.api.get(
      `/clusters/default/services/web/deployments?maxResults=4&nextToken=${first.body.nextToken}`,
    );
    expect(second.body.items.map((d: { taskDefinition: string }) => d.taskDefinition)).toEqual([
      'web:3',
      'web:2',
      'web:1',
    ]);
    expect(second.body.nextToken).toBeUndefined();
    expect((await local.api.get('/clusters/default/services/web/deployments/ecs-svc-nope')).status).toBe(404);
    expect((await local.api.get('/clusters/default/services/nope/deployments')).status).toBe(404);
  });

  it('rolls back to the task definition of the last COMPLETED deployment before the PRIMARY', async () => {
    const response = await local.api.post('/clusters/default/services/web/rollback');
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(response.body).toMatchObject({ status: 'PRIMARY', taskDefinition: 'web:6' });
    await completed('web', 'web:6');
    await runningOf(local.ecs, 'web', `${ECR}/web:v6`, 2);
    // No new revision: a rollback reuses the earlier one.
    expect((await revisions('web'))[0]).toBe(7);
  });

  it('rolls back to a named revision, and refuses with 409 when there is nothing to go back to', async () => {
    const named = await local.api.post('/clusters/default/services/web/rollback', {
      taskDefinition: 'web:2',
    });
    expect(named.status).toBe(202);
    expect(named.body.taskDefinition).toBe('web:2');
    await completed('web', 'web:2');

    const conflict = await local.api.post('/clusters/default/services/manual/rollback');
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.message).toMatch(/no COMPLETED deployment of another task definition/);
    expect(
      (await local.api.post('/clusters/default/services/web/rollback', { taskDefinition: 'web:99' })).status,
    ).toBe(400);
  });

  it('answers 400 for a deploy naming a container the task definition lacks', async () => {
    const response = await local.api.post('/clusters/default/services/web/deployments', {
      image: 'web:v8',
      containerName: 'sidecar',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/no container named sidecar/);
  });
});

/**
 * The audit trail and the correlation id, through the API Lambda handler: who made each change (the IAM
 * principal API Gateway's IAM authorizer verified, `local` without one) is on the service event and on
 * the deployment it causes; the request id travels through the reconcile queue into the pass, whose
 * service events record it.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceEvent } from '../../lib/domain';
import { processReconcileBatch } from '../../lib/reconcile/pass/worker';
import { lambdaContext } from '../../local/lambda-context';
import { httpApiEvent, webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

let sqs: SQSClient;
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const DEPLOYER = 'arn:aws:sts::123456789012:assumed-role/deployer/ci';

/** Calls the handler as API Gateway would after its IAM authorizer let `principal` in. */
const call = async (method: string, path: string, body?: unknown, principal?: string) => {
  const event = httpApiEvent(method, path, body === undefined ? {} : { body });
  if (principal) {
    (event.requestContext as unknown as Record<string, unknown>).authorizer = {
      iam: { userArn: principal, accountId: '123456789012', callerId: 'AIDAEXAMPLE' },
    };
  }
  const result = await handler(event, lambdaContext('api'));
  return {
    status: result.statusCode,
    body: result.body ? JSON.parse(result.body) : undefined,
    requestId: event.requestContext.requestId,
  };
};

const reconcileMessages = async () => {
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: local.stack.queues['tugboat-reconcile'].url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
    }),
  );
  for (const message of received.Messages ?? []) {
    await sqs.send(
      new DeleteMessageCommand({
        QueueUrl: local.stack.queues['tugboat-reconcile'].url,
        ReceiptHandle: message.ReceiptHandle!,
      }),
    );
  }
  return (received.Messages ?? []).map((message) => ({
    messageId: message.MessageId!,
    body: message.Body!,
  }));
};

const events = async (serviceName: string): Promise<ServiceEvent[]> =>
  (await call('GET', `/clusters/default/services/${serviceName}/events`)).body.items;

const local = useTestStack({ timing: 'fast', workerConcurrency: 0 });

beforeAll(async () => {
  sqs = new SQSClient({
    endpoint: local.stack.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  handler = (await import('../../functions/api')).handler as unknown as Handler;
  for (const image of ['nginx:1', 'nginx:2']) {
    expect((await call('POST', '/task-definitions', webTaskDefinition('web', image), ALICE)).status).toBe(
      201,
    );
  }
});
afterAll(async () => {
  sqs?.destroy();
});

describe('who changed what, and what it caused', () => {
  /** The reconcile requests of one service the API's changes sent, in the order sent. */
  const requestsFor = async (serviceName: string) =>
    (await reconcileMessages())
      .map((message) => JSON.parse(message.body) as Record<string, unknown>)
      .filter((request) => request.serviceName === serviceName);

  it('records the caller’s principal on the deployment and on the reconcile request of every change', async () => {
    await reconcileMessages(); // none of this test's
    const created = await call('POST', '/clusters/default/services', webService('audit', 'web:1', 1), ALICE);
    expect(created.status).toBe(201);
    expect(created.body.deployments[0].principal).toBe(ALICE);

    const deployed = await call(
      'POST',
      '/clusters/default/services/audit/deployments',
      { taskDefinition: 'web:2' },
      DEPLOYER,
    );
    expect(deployed.status).toBe(202);
    expect(deployed.body.principal).toBe(DEPLOYER);

    const scaled = await call('PATCH', '/clusters/default/services/audit', { desiredCount: 2 }, ALICE);
    expect(scaled.status).toBe(200);
    const rolledBack = await call(
      'POST',
      '/clusters/default/services/audit/rollback',
      { taskDefinition: 'web:1' },
      DEPLOYER,
    );
    expect(rolledBack.status).toBe(202);
    expect(rolledBack.body.principal).toBe(DEPLOYER);

    const history = (await call('GET', '/clusters/default/services/audit/deployments')).body.items;
    const principalOf = (id: string) =>
      history.find((deployment: { id: string }) => deployment.id === id)?.principal;
    expect(principalOf(deployed.body.id)).toBe(DEPLOYER);
    expect(principalOf(rolledBack.body.id)).toBe(DEPLOYER);
    expect(principalOf(created.body.deployments[0].id)).toBe(ALICE);

    // Each change's reconcile request names who made it and carries the API request's id.
    const requests = await requestsFor('audit');
    const causes = requests.map((request) => [request.principal, request.correlationId]);
    expect(causes).toEqual(
      expect.arrayContaining([
        [ALICE, created.requestId],
        [DEPLOYER, deployed.requestId],
        [ALICE, scaled.requestId],
        [DEPLOYER, rolledBack.requestId],
      ]),
    );
  });

  it('records `local` when no IAM authorizer vouched for the caller (the local stack)', async () => {
    await reconcileMessages();
    const created = await call('POST', '/clusters/default/services', webService('unsigned', 'web:1', 0));
    expect(created.body.deployments[0].principal).toBe('local');
    expect(await requestsFor('unsigned')).toEqual([
      expect.objectContaining({ principal: 'local', correlationId: created.requestId }),
    ]);
  });

  it('carries principal and request id through the reconcile queue into the pass and its service events', async () => {
    await reconcileMessages();
    const created = await call(
      'POST',
      '/clusters/default/services',
      { ...webService('traced', 'web:1', 1), deploymentConfiguration: { minReadySeconds: 0 } },
      ALICE,
    );
    const messages = (await reconcileMessages()).filter((message) => message.body.includes('"traced"'));
    expect(messages).toHaveLength(1);

    const { createRuntime } = await import('../../lib/wiring');
    const runtime = createRuntime();
    const reconciler = runtime.reconciler();
    const reconciled: unknown[] = [];
    const failed = await processReconcileBatch(reconciler, { enqueue: async () => {} }, messages, {
      reconciled: (request) => reconciled.push(request),
      failed: () => undefined,
    });
    expect(failed).toEqual([]);
    expect(reconciled).toEqual([
      expect.objectContaining({ principal: ALICE, correlationId: created.requestId }),
    ]);
    // Later passes for the same request (its tasks start meanwhile) record what they did under its cause.
    const passEvents = await eventually(
      'the pass records service events',
      async () => {
        await reconciler.reconcile('default', 'traced', undefined, {
          principal: ALICE,
          correlationId: created.requestId,
        });
        const found = await events('traced');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    for (const event of passEvents) {
      expect(event).toMatchObject({ principal: ALICE, correlationId: created.requestId });
    }
  });
});

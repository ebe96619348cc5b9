/**
 * The same-calls baseline of the api benchmark: a handler behind the same HTTP adapter that makes exactly
 * the DynamoDB and SQS calls a route makes, on the same items, in the same order (parallel where the
 * route is), and nothing else: no routing, validation, use case or error mapping. A route's p50 over
 * this one's is what Tugboat's own code adds.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Service, TaskDefinition } from '../lib/domain';
import { desiredCountChangedEvent } from '../lib/reconcile/plan/event-texts';
import { ServiceItems } from '../lib/store/services';
import { Table } from '../lib/store/table';
import { TaskDefinitionItems } from '../lib/store/task-definitions';
import { SERVICE_EVENTS_IN_DESCRIPTION } from '../lib/use-cases/services';

type Item = Record<string, any>;

const ok = (statusCode: number, body: unknown) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * Built after the local stack set the SDK's endpoint variables, like the API function's clients. Its
 * DynamoDB calls are the store's own (the same commands, through the same table helper), called
 * directly.
 */
export const sameCallsHandler = (tableName: string, reconcileQueueUrl: string) => {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({});
  const table = new Table(db, tableName);
  const services = new ServiceItems(table);
  const taskDefinitions = new TaskDefinitionItems(table);
  const getService = async (cluster: string, serviceName: string) =>
    (await services.getService(cluster, serviceName)) as Service;

  const describe = async (cluster: string, serviceName: string) => {
    const [service, events] = await Promise.all([
      getService(cluster, serviceName),
      services.listServiceEvents(cluster, serviceName, { limit: SERVICE_EVENTS_IN_DESCRIPTION }),
    ]);
    return ok(200, { ...service, events: events.items });
  };

  const patch = async (cluster: string, serviceName: string, body: Item) => {
    const current = await getService(cluster, serviceName);
    const updatedAt = new Date().toISOString();
    const next = { ...current, desiredCount: body.desiredCount, version: current.version + 1, updatedAt };
    await services.updateService(next, current);
    // The route's service event: the new desired count, by whom, for which request.
    await services.addServiceEvents(cluster, serviceName, [
      {
        id: randomUUID(),
        createdAt: updatedAt,
        message: desiredCountChangedEvent(serviceName, current.desiredCount, next.desiredCount, 'local'),
        principal: 'local',
        correlationId: randomUUID(),
      },
    ]);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: reconcileQueueUrl,
        Entries: [
          {
            Id: '0',
            MessageBody: JSON.stringify({
              cluster,
              serviceName,
              reason: 'service updated',
              requestedAt: Date.now(),
            }),
          },
        ],
      }),
    );
    return ok(200, next);
  };

  /** The registration's calls: ADD on the counter, then the revision's puts beside the gap check. */
  const register = async (template: TaskDefinition) => {
    const family = template.family;
    const { revision, denseThrough } = await taskDefinitions.reserveTaskDefinitionRevision(
      family,
      Date.now(),
    );
    const taskDefinition: TaskDefinition = {
      ...template,
      revision,
      taskDefinitionArn: `${template.taskDefinitionArn.replace(/:\d+$/, '')}:${revision}`,
      registeredAt: new Date().toISOString(),
    };
    const gapCheck = async () => {
      if (revision - denseThrough < 2) return;
      const stamps = await taskDefinitions.listTaskDefinitionStamps(family, denseThrough, revision);
      const present = new Set(stamps.map((stamp) => stamp.revision));
      let dense = denseThrough;
      while (present.has(dense + 1)) dense++;
      if (dense === denseThrough) return;
      await taskDefinitions.advanceDenseThrough(family, dense).catch(() => undefined);
    };
    // The revision (conditional) and then the family registry, as the store writes them.
    await Promise.all([taskDefinitions.createTaskDefinition(taskDefinition), gapCheck()]);
    return ok(201, taskDefinition);
  };

  let template: TaskDefinition | undefined;
  const handler = async (event: APIGatewayProxyEventV2) => {
    const method = event.requestContext.http.method;
    const [, first, cluster = '', , serviceName = ''] = event.rawPath.split('/');
    const body = event.body ? (JSON.parse(event.body) as Item) : {};
    if (first === 'task-definitions' && method === 'POST') {
      template ??= await taskDefinitions.getTaskDefinition(String(body.family), 1);
      if (!template) return ok(404, { message: 'register revision 1 of the family first' });
      return register(template);
    }
    if (method === 'GET') return describe(cluster, serviceName);
    if (method === 'PATCH') return patch(cluster, serviceName, body);
    return ok(404, { message: 'not a benchmarked route' });
  };
  return {
    handler,
    close: () => {
      db.destroy();
      sqs.destroy();
    },
  };
};

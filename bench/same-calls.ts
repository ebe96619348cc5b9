/**
 * The same-calls baseline of the api benchmark: a handler behind the same HTTP adapter that makes exactly
 * the DynamoDB and SQS calls a route makes, on the same items, in the same order (parallel where the
 * route is), and nothing else: no routing, validation, use case or error mapping. A route's p50 over
 * this one's is what Tugboat's own code adds.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ITEM_TYPE, keys } from '../lib/store/keys';
import { SERVICE_EVENTS_IN_DESCRIPTION } from '../lib/use-cases/services';

type Item = Record<string, any>;

const ok = (statusCode: number, body: unknown) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Built after the local stack set the SDK's endpoint variables, like the API function's clients. */
export const sameCallsHandler = (tableName: string, reconcileQueueUrl: string) => {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({});
  const getService = async (cluster: string, serviceName: string) =>
    (
      await db.send(
        new GetCommand({
          TableName: tableName,
          Key: keys.service(cluster, serviceName),
          ConsistentRead: true,
        }),
      )
    ).Item as Item;

  const describe = async (cluster: string, serviceName: string) => {
    const [service, events] = await Promise.all([
      getService(cluster, serviceName),
      db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: {
            ':pk': keys.serviceEventsPartition(cluster, serviceName),
            ':prefix': keys.serviceEventSortPrefix,
          },
          ScanIndexForward: false,
          Limit: SERVICE_EVENTS_IN_DESCRIPTION,
          ConsistentRead: true,
        }),
      ),
    ]);
    return ok(200, { ...service, events: events.Items ?? [] });
  };

  const patch = async (cluster: string, serviceName: string, body: Item) => {
    const current = await getService(cluster, serviceName);
    const next = { ...current, desiredCount: body.desiredCount, version: current.version + 1 };
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: next,
        ConditionExpression:
          'attribute_exists(PK) AND #version = :version AND #statusVersion = :statusVersion',
        ExpressionAttributeNames: { '#version': 'version', '#statusVersion': 'statusVersion' },
        ExpressionAttributeValues: { ':version': current.version, ':statusVersion': current.statusVersion },
      }),
    );
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

  /** The registration's calls: ADD on the counter, then the revision's put beside the gap check. */
  const register = async (template: Item) => {
    const family = String(template.family);
    const counter = (
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.taskDefinitionCounter(family),
          UpdateExpression:
            'ADD #next :one SET #previous = if_not_exists(#reservedAt, :zero), #reservedAt = :now, itemType = :type',
          ExpressionAttributeNames: {
            '#next': 'next',
            '#reservedAt': 'reservedAt',
            '#previous': 'previousReservedAt',
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':zero': 0,
            ':now': Date.now(),
            ':type': ITEM_TYPE.revisionCounter,
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
    ).Attributes as Item;
    const revision = Number(counter.next);
    const denseThrough = Number(counter.denseThrough ?? 0);
    const item = {
      ...template,
      ...keys.taskDefinition(family, revision),
      revision,
      taskDefinitionArn: `${String(template.taskDefinitionArn).replace(/:\d+$/, '')}:${revision}`,
      registeredAt: new Date().toISOString(),
    };
    const gapCheck = async () => {
      if (revision - denseThrough < 2) return;
      const stamps = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :low AND :high',
          ExpressionAttributeNames: { '#revision': 'revision', '#registeredAt': 'registeredAt' },
          ExpressionAttributeValues: {
            ':pk': keys.taskDefinitionPartition(family),
            ':low': keys.taskDefinition(family, denseThrough + 1).SK,
            ':high': keys.taskDefinition(family, revision - 1).SK,
          },
          ProjectionExpression: '#revision, #registeredAt',
          ConsistentRead: true,
        }),
      );
      const present = new Set((stamps.Items ?? []).map((stamp) => Number(stamp.revision)));
      let dense = denseThrough;
      while (present.has(dense + 1)) dense++;
      if (dense === denseThrough) return;
      await db
        .send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.taskDefinitionCounter(family),
            UpdateExpression: 'SET #field = :value, itemType = :type',
            ConditionExpression: 'attribute_not_exists(#field) OR #field < :value',
            ExpressionAttributeNames: { '#field': 'denseThrough' },
            ExpressionAttributeValues: { ':value': dense, ':type': ITEM_TYPE.revisionCounter },
          }),
        )
        .catch(() => undefined);
    };
    await Promise.all([
      db.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }),
      ),
      gapCheck(),
    ]);
    return ok(201, item);
  };

  let template: Item | undefined;
  const handler = async (event: APIGatewayProxyEventV2) => {
    const method = event.requestContext.http.method;
    const [, first, cluster = '', , serviceName = ''] = event.rawPath.split('/');
    const body = event.body ? (JSON.parse(event.body) as Item) : {};
    if (first === 'task-definitions' && method === 'POST') {
      template ??= (
        await db.send(
          new GetCommand({ TableName: tableName, Key: keys.taskDefinition(String(body.family), 1) }),
        )
      ).Item as Item;
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

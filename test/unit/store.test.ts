import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Service, TaskDefinition } from '../../lib/domain';
import { ConflictError, DependencyError, ValidationError, VersionConflictError } from '../../lib/errors';
import { DynamoDbStore } from '../../lib/store/dynamodb';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = new DynamoDbStore(documentClient, 'table');

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const throttled = () =>
  new DynamoDBServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: {},
  });

const taskDefinition = { family: 'web', revision: 2, version: 3 } as TaskDefinition;
const service = { cluster: 'default', serviceName: 'web', version: 5, statusVersion: 7 } as Service;

beforeEach(() => dynamo.reset());

describe('DynamoDbStore error paths', () => {
  it('turns a lost create race into a ConflictError, with the cause kept', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    const error = await store.createTaskDefinition(taskDefinition).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
    await expect(store.createService(service)).rejects.toBeInstanceOf(ConflictError);
  });

  it('creates with attribute_not_exists and updates against the previous version', async () => {
    dynamo.on(PutCommand).resolves({});
    await store.createTaskDefinition(taskDefinition);
    await store.updateService(service, { version: 4, statusVersion: 7, status: 'ACTIVE' });
    // The second put is the family registry, written after the revision.
    const [create, , update] = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(create?.ConditionExpression).toBe('attribute_not_exists(PK)');
    expect(create?.Item).toMatchObject({ PK: 'TASKDEF#web', SK: 'REV#0000000002' });
    expect(update?.ConditionExpression).toContain('#version = :version AND #statusVersion = :statusVersion');
    expect(update?.ExpressionAttributeValues).toEqual({ ':version': 4, ':statusVersion': 7 });
    expect(update?.Item).toMatchObject({ PK: 'CLUSTER#default', SK: 'SERVICE#web', version: 5 });
  });

  it('turns a lost update race into a VersionConflictError', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    await expect(store.updateService(service, service)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.updateTaskDefinition(taskDefinition)).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('wraps other DynamoDB failures in a DependencyError (a 503 with no detail shown)', async () => {
    dynamo.on(PutCommand).rejects(throttled());
    dynamo.on(GetCommand).rejects(throttled());
    dynamo.on(QueryCommand).rejects(throttled());
    const error = await store.createService(service).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).statusCode).toBe(503);
    expect((error as Error).cause).toBeInstanceOf(DynamoDBServiceException);
    await expect(store.getService('default', 'web')).rejects.toBeInstanceOf(DependencyError);
    await expect(store.listServices('default', { limit: 10 })).rejects.toBeInstanceOf(DependencyError);
  });

  it('reads service pages strongly consistent unless asked for an eventually consistent read', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await store.listServices('default', { limit: 10 });
    await store.listServices('default', { limit: 10, consistentRead: false });
    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.ConsistentRead)).toEqual([
      true,
      false,
    ]);
  });

  it('strips keys from items it reads and encodes LastEvaluatedKey as nextToken', async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [{ PK: 'CLUSTER#default', SK: 'SERVICE#a', itemType: 'Service', serviceName: 'a' }],
      LastEvaluatedKey: { PK: 'CLUSTER#default', SK: 'SERVICE#a' },
    });
    const page = await store.listServices('default', { limit: 1 });
    expect(page.items).toEqual([{ serviceName: 'a' }]);
    await store.listServices('default', { limit: 1, nextToken: page.nextToken! });
    expect(dynamo.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      PK: 'CLUSTER#default',
      SK: 'SERVICE#a',
    });
  });

  it('rejects a nextToken from another partition or a forged one, without calling DynamoDB', async () => {
    const foreign = Buffer.from(JSON.stringify({ PK: 'CLUSTER#other', SK: 'SERVICE#a' })).toString(
      'base64url',
    );
    await expect(store.listServices('default', { limit: 1, nextToken: foreign })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(store.listServices('default', { limit: 1, nextToken: '%%%' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

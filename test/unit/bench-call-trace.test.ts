import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { traceAwsCalls } from '../../bench/support/call-trace';

// Nothing listens on port 9 here: each call fails at once, after its request has started.
const nowhere = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1 };
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

describe('traceAwsCalls (the api benchmark checks its same-calls baseline with it)', () => {
  it('names each DynamoDB and SQS call made while the work runs, and none made after', async () => {
    const dynamoDb = new DynamoDBClient({ ...nowhere, credentials });
    const sqs = new SQSClient({ ...nowhere, credentials });
    const getItem = () =>
      dynamoDb.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'a' } } })).catch(() => undefined);
    const sendMessage = () =>
      sqs
        .send(new SendMessageCommand({ QueueUrl: 'http://127.0.0.1:9/q', MessageBody: 'm' }))
        .catch(() => undefined);
    const calls = await traceAwsCalls(async () => {
      await Promise.all([sendMessage(), getItem(), getItem()]);
    });
    expect(calls).toEqual(['DynamoDB.GetItem', 'DynamoDB.GetItem', 'SQS.SendMessage']);
    // Unsubscribed once the work is done.
    await getItem();
    expect(await traceAwsCalls(async () => undefined)).toEqual([]);
    dynamoDb.destroy();
    sqs.destroy();
  });
});

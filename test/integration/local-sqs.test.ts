import { randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../local/ports';
import { createQueues, type RunningLocalSqs, startLocalSqs } from '../../local/sqs';
import {
  failedMessageIds,
  type SqsPoller,
  type SqsPollerOptions,
  startSqsPoller,
} from '../../local/sqs-poller';

let sqs: RunningLocalSqs;
let sqsPort: number;
let client: SQSClient;
const pollers: SqsPoller[] = [];

beforeAll(async () => {
  sqsPort = await freePort();
  sqs = await startLocalSqs({ port: sqsPort });
  client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});
afterAll(async () => {
  client.destroy();
  await sqs.stop();
});

const newQueue = async (maxReceiveCount: number) => {
  const name = `test-${randomUUID().slice(0, 8)}`;
  const queues = await createQueues(client, [name], { maxReceiveCount, visibilityTimeoutSeconds: 1 });
  return queues[name];
};

const poll = (options: Omit<SqsPollerOptions, 'client' | 'functionName'> & { functionName?: string }) => {
  const poller = startSqsPoller({ client, functionName: 'test-worker', waitTimeSeconds: 1, ...options });
  pollers.push(poller);
  return poller;
};

const queueCounts = async (url: string) => {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
};

const sendBatch = (url: string, bodies: string[]) =>
  client.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    }),
  );

describe('startLocalSqs and createQueues', () => {
  it('listens on the loopback address and port it was given', () => {
    expect(sqs.endpoint).toBe(`http://127.0.0.1:${sqsPort}`);
  });

  it('says which port it could not take', async () => {
    await expect(startLocalSqs({ port: sqsPort })).rejects.toThrow(
      `fauxqs failed to start on 127.0.0.1:${sqsPort}`,
    );
  });

  it('creates each queue with a -dlq twin and a redrive policy, and can run again', async () => {
    const names = ['tugboat-reconcile', 'tugboat-task-events', 'tugboat-deploys'];
    const first = await createQueues(client, names, { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });
    for (const name of names) {
      const queue = first[name]!;
      expect(queue.arn).toBe(`arn:aws:sqs:us-east-1:000000000000:${name}`);
      expect(queue.dlqArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${name}-dlq`);
      expect(queue.url).toMatch(new RegExp(`/${name}$`));
      expect(queue.dlqUrl).toMatch(new RegExp(`/${name}-dlq$`));
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
      );
      expect(JSON.parse(Attributes.RedrivePolicy!)).toEqual({
        deadLetterTargetArn: queue.dlqArn,
        maxReceiveCount: 5,
      });
      expect(Attributes.VisibilityTimeout).toBe('30');
    }

    expect(await createQueues(client, names, { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 })).toEqual(
      first,
    );
    // Existing queues with other settings are brought to the new ones.
    const changed = await createQueues(client, ['tugboat-deploys'], {
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 60,
    });
    expect(changed['tugboat-deploys']).toEqual(first['tugboat-deploys']);
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: first['tugboat-deploys']!.url, AttributeNames: ['All'] }),
    );
    expect(JSON.parse(Attributes.RedrivePolicy!).maxReceiveCount).toBe(3);
    expect(Attributes.VisibilityTimeout).toBe('60');
  });
});

describe('startSqsPoller', () => {
  it('deletes the handled messages of a batch and redrives a failing one to the DLQ without blocking others', async () => {
    const queue = (await newQueue(2))!;
    const receives: { body: string; receiveCount: string; at: number }[] = [];
    poll({
      queueUrl: queue.url,
      queueArn: queue.arn,
      handler: async (event: SQSEvent) => {
        for (const record of event.Records)
          receives.push({
            body: record.body,
            receiveCount: record.attributes.ApproximateReceiveCount,
            at: Date.now(),
          });
        return {
          batchItemFailures: event.Records.filter((record) => record.body === 'poison').map((record) => ({
            itemIdentifier: record.messageId,
          })),
        };
      },
    });
    await sendBatch(queue.url, ['good-1', 'poison', 'good-2']);
    await waitFor('the first batch', async () => receives.length >= 3, 5_000);

    // Sent behind the failing message, while that one waits out its visibility timeout.
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'good-3' }));
    await waitFor('good-3', async () => receives.some((r) => r.body === 'good-3'), 5_000);

    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.dlqUrl,
        WaitTimeSeconds: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(Messages.map((message) => message.Body)).toEqual(['poison']);
    // Longer than the visibility timeout, so any message left undeleted would have come back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const poisonReceives = receives.filter((r) => r.body === 'poison');
    expect(poisonReceives.map((r) => r.receiveCount)).toEqual(['1', '2']);
    expect(poisonReceives[1]!.at - poisonReceives[0]!.at).toBeGreaterThanOrEqual(900);
    for (const body of ['good-1', 'good-2', 'good-3'])
      expect(receives.filter((r) => r.body === body).map((r) => r.receiveCount)).toEqual(['1']);
    const good3 = receives.find((r) => r.body === 'good-3')!;
    expect(good3.at).toBeLessThan(poisonReceives[1]!.at);
    expect(await queueCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('builds records the way Lambda does, with the message attributes in Lambda shape', async () => {
    const queue = (await newQueue(3))!;
    const sentAt = Date.now();
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"service":"web"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'reconcile' },
          attempt: { DataType: 'Number', StringValue: '2' },
          token: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 255]) },
        },
      }),
    );
    const events: { event: SQSEvent; context: Context }[] = [];
    poll({
      queueUrl: queue.url,
      queueArn: queue.arn,
      functionName: 'tugboat-reconcileWorker',
      handler: async (event: SQSEvent, context: Context) => {
        events.push({ event, context });
      },
    });
    await waitFor('the invocation', async () => events.length > 0, 5_000);

    const { event, context } = events[0]!;
    expect(event.Records).toHaveLength(1);
    const record = event.Records[0]!;
    expect(record).toEqual({
      messageId: sent.MessageId!,
      receiptHandle: expect.any(String),
      body: '{"service":"web"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: {
        kind: { stringValue: 'reconcile', stringListValues: [], binaryListValues: [], dataType: 'String' },
        attempt: { stringValue: '2', stringListValues: [], binaryListValues: [], dataType: 'Number' },
        token: {
          binaryValue: Buffer.from([1, 2, 255]).toString('base64'),
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
      md5OfBody: sent.MD5OfMessageBody!,
      md5OfMessageAttributes: sent.MD5OfMessageAttributes!,
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    } satisfies SQSRecord);
    expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(record.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const sentTimestamp = Number(record.attributes.SentTimestamp);
    expect(sentTimestamp).toBeGreaterThanOrEqual(sentAt - 1_000);
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(sentTimestamp);
    expect(context.functionName).toBe('tugboat-reconcileWorker');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    await waitFor('the delete', async () => (await queueCounts(queue.url)).inFlight === 0, 5_000);
    expect(await queueCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('leaves the whole batch on the queue when the handler throws', async () => {
    const queue = (await newQueue(5))!;
    await sendBatch(queue.url, ['a', 'b', 'c']);
    const receives: { body: string; receiveCount: string }[] = [];
    const errors: unknown[] = [];
    poll({
      queueUrl: queue.url,
      queueArn: queue.arn,
      onError: (error) => errors.push(error),
      handler: async (event: SQSEvent) => {
        for (const record of event.Records)
          receives.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
        if (event.Records.some((record) => record.attributes.ApproximateReceiveCount === '1'))
          throw new Error('first delivery fails');
      },
    });
    await waitFor('the redelivery', async () => receives.length >= 6, 8_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    for (const body of ['a', 'b', 'c'])
      expect(receives.filter((r) => r.body === body).map((r) => r.receiveCount)).toEqual(['1', '2']);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.every((error) => (error as Error).message === 'first delivery fails')).toBe(true);
    expect(await queueCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('fails the whole batch when the response names a message that is not in it', async () => {
    const queue = (await newQueue(5))!;
    await sendBatch(queue.url, ['x', 'y']);
    const receives: string[] = [];
    poll({
      queueUrl: queue.url,
      queueArn: queue.arn,
      handler: async (event: SQSEvent) => {
        receives.push(...event.Records.map((record) => record.body));
        return receives.length <= 2 ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } : {};
      },
    });
    await waitFor('the redelivery', async () => receives.length >= 4, 8_000);
    expect(receives.sort()).toEqual(['x', 'x', 'y', 'y']);
  });

  it('works with a middy handler using sqs-partial-batch-failure', async () => {
    const queue = (await newQueue(1))!;
    const handled: string[] = [];
    const handler = middy<SQSEvent>()
      .use(sqsPartialBatchFailure({ logger: () => undefined }))
      .handler(async (event) =>
        Promise.allSettled(
          event.Records.map(async (record) => {
            if (record.body === 'bad') throw new Error('bad message');
            handled.push(record.body);
          }),
        ),
      );
    poll({ queueUrl: queue.url, queueArn: queue.arn, handler });
    await sendBatch(queue.url, ['ok-1', 'bad', 'ok-2']);

    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 10 }),
    );
    expect(Messages.map((message) => message.Body)).toEqual(['bad']);
    expect(handled.sort()).toEqual(['ok-1', 'ok-2']);
    await waitFor(
      'the main queue to empty',
      async () => {
        const counts = await queueCounts(queue.url);
        return counts.visible === 0 && counts.inFlight === 0;
      },
      5_000,
    );
  });

  it('runs several poll loops at once', async () => {
    const queue = (await newQueue(5))!;
    let active = 0;
    let mostActive = 0;
    let handled = 0;
    poll({
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize: 1,
      concurrency: 3,
      handler: async () => {
        active++;
        mostActive = Math.max(mostActive, active);
        await new Promise((resolve) => setTimeout(resolve, 300));
        active--;
        handled++;
      },
    });
    await sendBatch(queue.url, ['1', '2', '3']);
    await waitFor('three invocations', async () => handled === 3, 5_000);
    expect(mostActive).toBe(3);
  });

  it('stops promptly while a long poll is waiting, and invokes nothing afterwards', async () => {
    const queue = (await newQueue(5))!;
    let invocations = 0;
    const poller = startSqsPoller({
      client,
      queueUrl: queue.url,
      queueArn: queue.arn,
      functionName: 'test-worker',
      waitTimeSeconds: 20,
      concurrency: 2,
      handler: async () => {
        invocations++;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopStarted = Date.now();
    await poller.stop();
    // A stop that waited for the 20 s long poll to run out would take far longer.
    expect(Date.now() - stopStarted).toBeLessThan(2_000);

    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'after stop' }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(invocations).toBe(0);
  });

  it('rejects settings Lambda would reject', () => {
    const base = { client, queueUrl: 'u', queueArn: 'a', functionName: 'f', handler: async () => {} };
    expect(() => startSqsPoller({ ...base, batchSize: 11 })).toThrow(/batchSize/);
    expect(() => startSqsPoller({ ...base, waitTimeSeconds: 21 })).toThrow(/waitTimeSeconds/);
  });
});

describe('failedMessageIds reads the handler result as Lambda does', () => {
  const batch = ['m1', 'm2', 'm3'];
  it.each([
    ['no result', undefined, []],
    ['null', null, []],
    ['an empty object', {}, []],
    ['null batchItemFailures', { batchItemFailures: null }, []],
    ['empty batchItemFailures', { batchItemFailures: [] }, []],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'm2' }] }, ['m2']],
    [
      'two failures',
      { batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm3' }] },
      ['m1', 'm3'],
    ],
    ['an unknown message id', { batchItemFailures: [{ itemIdentifier: 'other' }] }, batch],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }, batch],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }, batch],
    ['a misspelt key', { batchItemFailures: [{ itemId: 'm1' }] }, batch],
    ['batchItemFailures not a list', { batchItemFailures: 'm1' }, batch],
    ['a result that is not an object', 'ok', batch],
  ])('%s', (_name, result, expected) => {
    expect([...failedMessageIds(result, batch)].sort()).toEqual(expected);
  });
});

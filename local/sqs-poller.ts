import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { lambdaContext } from './lambda-context';

/** A Lambda handler for SQS events; its result is read as Lambda reads it (see `failedMessageIds`). */
export type SqsEventHandler = (event: SQSEvent, context: Context) => unknown;

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsEventHandler;
  functionName: string;
  /** Messages per invocation, 1 to 10 (one ReceiveMessage call; no batching window). */
  batchSize?: number;
  /** Long-poll wait, 0 to 20 s. Lambda's pollers wait 20 s. */
  waitTimeSeconds?: number;
  /** Overrides the queue's visibility timeout for the messages this poller receives. */
  visibilityTimeoutSeconds?: number;
  /** Poll loops run side by side, like Lambda's concurrent pollers. */
  concurrency?: number;
  /** As `FunctionResponseTypes: [ReportBatchItemFailures]` on the event source mapping. */
  reportBatchItemFailures?: boolean;
  /** The context's remaining time counts down from this. */
  functionTimeoutMs?: number;
  /** Receive and delete errors and handler errors; the loops carry on. */
  onError?: (error: unknown, functionName: string) => void;
}

export interface SqsPoller {
  /**
   * Aborts the long polls, lets invocations in progress finish and settle their messages, then resolves.
   * fauxqs does not notice a long poll's client going away: until that poll's wait would have ended, a
   * message arriving is still received for it, so it stays in flight for one visibility timeout and its
   * receive count goes up, as when a real SQS connection drops mid-poll.
   */
  stop(): Promise<void>;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

const lambdaMessageAttributes = (
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes =>
  Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? 'String',
      },
    ]),
  );

const REQUIRED_SYSTEM_ATTRIBUTES = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
] as const;

/** A received message as a record of the event Lambda's SQS event source mapping builds. */
export const sqsRecord = (message: Message, queueArn: string): SQSRecord => {
  const { MessageId, ReceiptHandle, Body, MD5OfBody, MD5OfMessageAttributes } = message;
  if (MessageId === undefined || ReceiptHandle === undefined || Body === undefined || MD5OfBody === undefined)
    throw new Error(`ReceiveMessage returned an incomplete message: ${JSON.stringify(message)}`);
  const attributes: Record<string, string> = { ...message.Attributes };
  const missing = REQUIRED_SYSTEM_ATTRIBUTES.filter((name) => attributes[name] === undefined);
  if (missing.length > 0)
    throw new Error(`ReceiveMessage returned message ${MessageId} without ${missing.join(', ')}`);
  return {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: Body,
    attributes: attributes as unknown as SQSRecordAttributes,
    messageAttributes: lambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: MD5OfBody,
    ...(MD5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? '',
  };
};

/**
 * The messages of a batch that failed, read from the handler's result as Lambda does with
 * ReportBatchItemFailures: no result, a null or empty `batchItemFailures` is full success; an item
 * without a message id of the batch, or a malformed response, fails the whole batch.
 */
export const failedMessageIds = (result: unknown, batchIds: readonly string[]): ReadonlySet<string> => {
  const wholeBatch = new Set(batchIds);
  if (result === undefined || result === null) return new Set();
  if (typeof result !== 'object' || Array.isArray(result)) return wholeBatch;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return wholeBatch;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id: unknown = failure?.itemIdentifier;
    if (typeof id !== 'string' || !wholeBatch.has(id)) return wholeBatch;
    failed.add(id);
  }
  return failed;
};

const validateRange = (name: string, value: number, min: number, max: number): void => {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${value}`);
};

/**
 * Polls a queue and invokes a handler as Lambda's SQS event source mapping does: messages the
 * invocation handled are deleted; failed ones (reported failures, or all of them when the handler
 * throws) are left alone, so they reappear after the visibility timeout and, after the queue's
 * maxReceiveCount, SQS itself moves them to the DLQ (fauxqs does this on receive, as SQS does).
 */
export const startSqsPoller = (options: SqsPollerOptions): SqsPoller => {
  const {
    client,
    queueUrl,
    queueArn,
    handler,
    functionName,
    batchSize = 10,
    waitTimeSeconds = 20,
    visibilityTimeoutSeconds,
    concurrency = 1,
    reportBatchItemFailures = true,
    functionTimeoutMs,
    onError = (error, name) => console.error(`[${name}] SQS poller:`, error),
  } = options;
  validateRange('batchSize', batchSize, 1, 10);
  validateRange('waitTimeSeconds', waitTimeSeconds, 0, 20);
  validateRange('concurrency', concurrency, 1, 1000);
  if (visibilityTimeoutSeconds !== undefined)
    validateRange('visibilityTimeoutSeconds', visibilityTimeoutSeconds, 0, 43_200);

  const stopping = new AbortController();
  const { signal } = stopping;
  const pause = (ms: number) => sleep(ms, undefined, { signal }).catch(() => undefined);

  const invoke = async (messages: Message[]): Promise<void> => {
    let records: SQSRecord[];
    try {
      records = messages.map((message) => sqsRecord(message, queueArn));
    } catch (error) {
      onError(error, functionName);
      return;
    }
    let failed: ReadonlySet<string>;
    try {
      const result = await handler({ Records: records }, lambdaContext(functionName, functionTimeoutMs));
      failed = reportBatchItemFailures
        ? failedMessageIds(
            result,
            records.map((record) => record.messageId),
          )
        : new Set();
    } catch (error) {
      onError(error, functionName);
      return;
    }
    const handled = records.filter((record) => !failed.has(record.messageId));
    if (handled.length === 0) return;
    // Not tied to the stop signal: a batch that was handled must be deleted even while stopping.
    try {
      const { Failed = [] } = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: handled.map((record, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
          })),
        }),
      );
      if (Failed.length > 0)
        onError(new Error(`DeleteMessageBatch failed for ${JSON.stringify(Failed)}`), functionName);
    } catch (error) {
      onError(error, functionName);
    }
  };

  const pollLoop = async (): Promise<void> => {
    while (!signal.aborted) {
      let messages: Message[];
      try {
        ({ Messages: messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            ...(visibilityTimeoutSeconds !== undefined
              ? { VisibilityTimeout: visibilityTimeoutSeconds }
              : {}),
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        ));
      } catch (error) {
        if (signal.aborted) return;
        onError(error, functionName);
        await pause(1_000);
        continue;
      }
      if (messages.length > 0) await invoke(messages);
      else if (waitTimeSeconds === 0) await pause(100);
    }
  };

  const loops = Array.from({ length: concurrency }, () => pollLoop());
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all(loops);
    },
  };
};

/**
 * The AWS calls a piece of work makes, seen where they leave the process: every SDK call is an HTTP
 * request, and DynamoDB's and SQS's JSON protocols name the operation in X-Amz-Target. Node's
 * diagnostics channel shows each outgoing request, whichever client (or copy of the SDK) made it.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

const CHANNEL = 'http.client.request.start';

/** `DynamoDB_20120810.UpdateItem` -> `DynamoDB.UpdateItem`, `AmazonSQS.SendMessageBatch` -> `SQS.SendMessageBatch`. */
const operationOf = (target: string): string => {
  const [service = '', operation = ''] = target.split('.');
  if (service.startsWith('DynamoDB')) return `DynamoDB.${operation}`;
  if (service === 'AmazonSQS') return `SQS.${operation}`;
  return `${service}.${operation}`;
};

/** Runs `work` and returns the operations of the AWS calls made meanwhile, sorted (a multiset). */
export const traceAwsCalls = async (work: () => Promise<unknown>): Promise<string[]> => {
  const calls: string[] = [];
  const onRequest = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const target = request.getHeader('x-amz-target');
    if (typeof target === 'string') calls.push(operationOf(target));
  };
  subscribe(CHANNEL, onRequest);
  try {
    await work();
  } finally {
    unsubscribe(CHANNEL, onRequest);
  }
  return calls.sort();
};

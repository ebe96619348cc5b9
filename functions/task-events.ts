import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processTaskEventBatch } from '../lib/use-cases/task-events';
import { createRuntime } from '../lib/wiring';

const runtime = createRuntime();
const logger = new Logger({ serviceName: 'tugboat-task-events' });
const queue = runtime.reconcileQueue();

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const failed = await processTaskEventBatch(
      runtime.store,
      (requests) => queue.enqueue(requests),
      event.Records,
      (messageId, error) => logger.error('task event failed', { messageId, error }),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });

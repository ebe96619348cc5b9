import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processReconcileBatch } from '../lib/reconcile/worker';
import { createRuntime } from '../lib/wiring';

const runtime = createRuntime();
const logger = new Logger({ serviceName: 'tugboat-reconcile-worker' });
const reconciler = runtime.reconciler();
const queue = runtime.reconcileQueue();

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const failed = await processReconcileBatch(reconciler, queue, event.Records, {
      reconciled: (request, outcome) =>
        logger.debug('reconciled', {
          ...request,
          status: outcome.status,
          ...(outcome.status === 'reconciled'
            ? { launched: outcome.launched, stopped: outcome.stopped }
            : {}),
        }),
      failed: (messageId, error) => logger.error('reconcile failed', { messageId, error }),
    });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { runReconcileScheduler } from '../lib/reconcile/scheduler';
import { createRuntime } from '../lib/wiring';

const runtime = createRuntime();
const logger = new Logger({ serviceName: 'tugboat-reconcile-scheduler' });
const queue = runtime.reconcileQueue();

export const handler = middy<ScheduledEvent, unknown, Error, Context>()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const report = await runReconcileScheduler({
      store: runtime.store,
      ecsFor: runtime.ecsFor,
      enqueue: (requests) => queue.enqueue(requests),
      now: Date.now,
    });
    logger.info('reconcile pass scheduled', { ...report });
    return report;
  });

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { tugboatMetrics } from '../lib/metrics';
import { partialBatchFailures, type RecordResult, recordResults } from '../lib/queue/partial-batch';
import { processTaskEventBatch, type TaskEventOutcome } from '../lib/use-cases/task-events';
import { createBaseRuntime } from '../lib/wiring-base';

const OUTCOME_METRIC: Record<TaskEventOutcome['kind'], string> = {
  applied: 'TaskEventsApplied',
  stale: 'TaskEventsIgnoredAsStale',
  foreign: 'TaskEventsIgnoredAsForeign',
};

const runtime = createBaseRuntime();
const logger = new Logger({ serviceName: 'tugboat-task-events' });
const metrics = tugboatMetrics('tugboat-task-events');
const queue = runtime.reconcileQueue();

export const handler = middy<SQSEvent, RecordResult[], Error, Context>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(partialBatchFailures())
  .handler(async (event) => {
    const failed = await processTaskEventBatch(
      runtime.store,
      (requests) => queue.enqueue(requests),
      event.Records,
      {
        processed: (_messageId, outcome) =>
          metrics.addMetric(OUTCOME_METRIC[outcome.kind], MetricUnit.Count, 1),
        // The event names its cluster and task (and the service, in its group): the line says which.
        failed: (messageId, error, fields) =>
          logger.error('task event failed', { messageId, ...fields, error }),
      },
      { installation: runtime.config.installation },
    );
    return recordResults(event.Records, failed);
  });

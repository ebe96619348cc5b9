import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { activityLog } from '../lib/activity-log';
import { tugboatMetrics } from '../lib/metrics';
import { partialBatchFailures, type RecordResult, recordResults } from '../lib/queue/partial-batch';
import { describeActions, describeHolds } from '../lib/reconcile/pass/action-log';
import type { ReconcileOutcome } from '../lib/reconcile/pass/reconcile';
import { passDeadline, processReconcileBatch } from '../lib/reconcile/pass/worker';
import { runtimeNow } from '../lib/runtime-clock';
import { createRuntime } from '../lib/wiring';

const OUTCOME_METRIC: Record<ReconcileOutcome['status'], string> = {
  reconciled: 'ServicesReconciled',
  gone: 'ServicesReconciled',
  busy: 'ReconcileBusy',
  superseded: 'ReconcileSuperseded',
};

const runtime = createRuntime();
const logger = new Logger({ serviceName: 'tugboat-reconcile-worker' });
const activity = activityLog(logger);
const metrics = tugboatMetrics('tugboat-reconcile-worker');
const reconciler = runtime.reconciler();
const queue = runtime.reconcileQueue();

export const handler = middy<SQSEvent, RecordResult[], Error, Context>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(partialBatchFailures())
  .handler(async (event, context) => {
    const deadline = passDeadline(runtimeNow(), context.getRemainingTimeInMillis());
    const failed = await processReconcileBatch(
      reconciler,
      queue,
      event.Records,
      {
        reconciled: (request, outcome) => {
          logger.debug('reconciled', {
            ...request,
            status: outcome.status,
            ...(outcome.status === 'reconciled'
              ? { launched: outcome.launched, stopped: outcome.stopped }
              : {}),
          });
          metrics.addMetric(OUTCOME_METRIC[outcome.status], MetricUnit.Count, 1);
          if (outcome.status === 'reconciled') {
            for (const line of describeActions(request.serviceName, outcome.plan)) activity.info(line);
            for (const line of describeHolds(request.serviceName, outcome.plan)) activity.debug(line);
            metrics.addMetric('TasksLaunched', MetricUnit.Count, outcome.launched);
            metrics.addMetric('TasksStopped', MetricUnit.Count, outcome.stopped);
          }
        },
        failed: (messageId, error, about) => {
          logger.error('reconcile failed', { messageId, ...about, error });
          metrics.addMetric('ReconcileFailures', MetricUnit.Count, 1);
        },
      },
      { deadline },
    );
    return recordResults(event.Records, failed);
  });

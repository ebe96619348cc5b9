import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { tugboatMetrics } from '../lib/metrics';
import { partialBatchFailures, type RecordResult, recordResults } from '../lib/queue/partial-batch';
import { processDeployBatch } from '../lib/use-cases/deploy-queue';
import { createBaseRuntime } from '../lib/wiring-base';

const runtime = createBaseRuntime();
const logger = new Logger({ serviceName: 'tugboat-deploy-events' });
const metrics = tugboatMetrics('tugboat-deploy-events');

export const handler = middy<SQSEvent, RecordResult[], Error, Context>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(partialBatchFailures())
  .handler(async (event) => {
    const failed = await processDeployBatch(runtime.useCases, event.Records, {
      processed: (messageId, outcome, fields) => {
        if (outcome.kind === 'ignored') {
          logger.info('deploy message acknowledged, nothing to deploy', {
            messageId,
            ...fields,
            reason: outcome.reason,
          });
          // Why, as a dimension: a handful of fixed values.
          const skipped = metrics.singleMetric();
          skipped.addDimension('reason', outcome.skipped);
          skipped.addMetric('DeploysSkipped', MetricUnit.Count, 1);
          return;
        }
        logger.info('deployed', { messageId, deployments: outcome.deployments });
        const started = outcome.deployments.filter((deployment) => !deployment.duplicate).length;
        metrics.addMetric('DeploysStarted', MetricUnit.Count, started);
        metrics.addMetric('DeploysDuplicate', MetricUnit.Count, outcome.deployments.length - started);
      },
      failed: (messageId, error, fields) => {
        logger.error('deploy message failed', {
          messageId,
          ...fields,
          error,
        });
        metrics.addMetric('DeployFailures', MetricUnit.Count, 1);
      },
    });
    return recordResults(event.Records, failed);
  });

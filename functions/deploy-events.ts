import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processDeployBatch } from '../lib/use-cases/deploys';
import { createRuntime } from '../lib/wiring';

const runtime = createRuntime();
const logger = new Logger({ serviceName: 'tugboat-deploy-events' });

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const failed = await processDeployBatch(runtime.useCases, event.Records, {
      processed: (messageId, outcome) =>
        outcome.kind === 'ignored'
          ? logger.info('deploy message acknowledged, nothing to deploy', {
              messageId,
              reason: outcome.reason,
            })
          : logger.info('deployed', { messageId, deployments: outcome.deployments }),
      failed: (messageId, error) => logger.error('deploy message failed', { messageId, error }),
    });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });

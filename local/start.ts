/**
 * `npm start`: runs Tugboat locally on real local endpoints.
 *   PORT                                HTTP API port (default 3000)
 *   TUGBOAT_LOCAL_DYNAMODB_PORT         DynamoDB Local port (default 8000)
 *   TUGBOAT_LOCAL_SQS_PORT              fauxqs (SQS) port (default 9324)
 *   TUGBOAT_LOCAL_ECS_PORT              local ECS endpoint port (default 4100), and its other
 *                                       TUGBOAT_LOCAL_ECS_* settings (see README)
 *   TUGBOAT_LOCAL_CLOUDWATCH_PORT       local CloudWatch endpoint port (default 4300);
 *                                       TUGBOAT_LOCAL_CLOUDWATCH_THROTTLE (off | factor, 1)
 *   TUGBOAT_RECONCILE_INTERVAL_SECONDS  reconcile schedule (default 5)
 *   TUGBOAT_SCALING_INTERVAL_SECONDS    auto scaling evaluation schedule (default 60; 0 turns it off)
 *   TUGBOAT_DATA_DIR                    persist DynamoDB data there (default: in memory)
 */
import { localCloudWatchOptionsFromEnv } from './cloudwatch';
import { localEcsOptionsFromEnv } from './ecs';
import { portFromEnv } from './ports';
import { startLocalStack } from './stack';

const intervalText = process.env.TUGBOAT_RECONCILE_INTERVAL_SECONDS ?? '5';
if (!/^\d+(\.\d+)?$/.test(intervalText)) {
  throw new Error(`TUGBOAT_RECONCILE_INTERVAL_SECONDS must be a number of seconds, got "${intervalText}"`);
}
const scalingText = process.env.TUGBOAT_SCALING_INTERVAL_SECONDS ?? '60';
if (!/^\d+(\.\d+)?$/.test(scalingText)) {
  throw new Error(`TUGBOAT_SCALING_INTERVAL_SECONDS must be a number of seconds, got "${scalingText}"`);
}
const { port: _ecsPort, eventsQueueUrl: _queue, ...ecsSettings } = localEcsOptionsFromEnv();

const { throttle: cloudWatchThrottle } = localCloudWatchOptionsFromEnv();

const startedAt = performance.now();
const stack = await startLocalStack({
  apiPort: await portFromEnv('PORT', 3000),
  dynamoDbPort: await portFromEnv('TUGBOAT_LOCAL_DYNAMODB_PORT', 8000),
  sqsPort: await portFromEnv('TUGBOAT_LOCAL_SQS_PORT', 9324),
  ecsPort: await portFromEnv('TUGBOAT_LOCAL_ECS_PORT', 4100),
  cloudWatchPort: await portFromEnv('TUGBOAT_LOCAL_CLOUDWATCH_PORT', 4300),
  ...(cloudWatchThrottle !== undefined ? { cloudWatch: { throttle: cloudWatchThrottle } } : {}),
  ecs: Object.fromEntries(Object.entries(ecsSettings).filter(([, value]) => value !== undefined)),
  reconcileIntervalMs: Number(intervalText) * 1000,
  scalingIntervalMs: Number(scalingText) * 1000,
  ...(process.env.TUGBOAT_DATA_DIR ? { dataDir: process.env.TUGBOAT_DATA_DIR } : {}),
});

console.log(`Tugboat is running (ready in ${Math.round(performance.now() - startedAt)} ms)
  HTTP API         ${stack.apiUrl}
  local ECS        ${stack.ecsUrl}   (cluster "default"; AWS_ENDPOINT_URL_ECS=${stack.ecsUrl})
  local CloudWatch ${stack.cloudWatchUrl}   (Container Insights from POST ${stack.ecsUrl}/__local/load; AWS_ENDPOINT_URL_CLOUDWATCH=${stack.cloudWatchUrl})
  SQS (fauxqs)     ${stack.sqsEndpoint}   (queues ${Object.keys(stack.queues).join(', ')}, each with a -dlq)
  DynamoDB Local   ${stack.dynamoDbEndpoint}   (table ${stack.tableName}, ${process.env.TUGBOAT_DATA_DIR ? `data in ${process.env.TUGBOAT_DATA_DIR}` : 'in memory'})
  reconcile every ${intervalText} s, auto scaling evaluated every ${scalingText} s
Press Ctrl+C to stop.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

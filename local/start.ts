/**
 * `npm start`: runs Tugboat locally on real local endpoints.
 *   PORT                                HTTP API port (default 3000)
 *   TUGBOAT_LOCAL_DYNAMODB_PORT         DynamoDB Local port (default 8000)
 *   TUGBOAT_LOCAL_SQS_PORT              fauxqs (SQS) port (default 9324)
 *   TUGBOAT_LOCAL_ECS_PORT              local ECS endpoint port (default 4100), and its other
 *                                       TUGBOAT_LOCAL_ECS_* settings (see README)
 *   TUGBOAT_RECONCILE_INTERVAL_SECONDS  reconcile schedule (default 5)
 *   TUGBOAT_DATA_DIR                    persist DynamoDB data there (default: in memory)
 */
import { localEcsOptionsFromEnv } from './ecs';
import { portFromEnv } from './ports';
import { LocalStartError } from './preflight';
import { type LocalStack, startLocalStack } from './stack';

/** A setting or a machine problem the user fixes: one line, no stack trace, exit code 1. */
const fail = (error: unknown): never => {
  console.error(error instanceof LocalStartError ? error.message : error);
  process.exit(1);
};

const start = async (): Promise<LocalStack> => {
  const intervalText = process.env.TUGBOAT_RECONCILE_INTERVAL_SECONDS ?? '5';
  if (!/^\d+(\.\d+)?$/.test(intervalText)) {
    throw new LocalStartError(
      `TUGBOAT_RECONCILE_INTERVAL_SECONDS must be a number of seconds, got "${intervalText}"`,
    );
  }
  const { port: _ecsPort, eventsQueueUrl: _queue, ...ecsSettings } = localEcsOptionsFromEnv();
  const portSetting = async (name: string, fallback: number) => {
    try {
      return await portFromEnv(name, fallback);
    } catch (error) {
      throw new LocalStartError((error as Error).message);
    }
  };
  return startLocalStack({
    apiPort: await portSetting('PORT', 3000),
    dynamoDbPort: await portSetting('TUGBOAT_LOCAL_DYNAMODB_PORT', 8000),
    sqsPort: await portSetting('TUGBOAT_LOCAL_SQS_PORT', 9324),
    ecsPort: await portSetting('TUGBOAT_LOCAL_ECS_PORT', 4100),
    ecs: Object.fromEntries(Object.entries(ecsSettings).filter(([, value]) => value !== undefined)),
    reconcileIntervalMs: Number(intervalText) * 1000,
    ...(process.env.TUGBOAT_DATA_DIR ? { dataDir: process.env.TUGBOAT_DATA_DIR } : {}),
  });
};

const intervalText = process.env.TUGBOAT_RECONCILE_INTERVAL_SECONDS ?? '5';
const startedAt = performance.now();
const stack = await start().catch(fail);

console.log(`Tugboat is running (ready in ${Math.round(performance.now() - startedAt)} ms)
  HTTP API         ${stack.apiUrl}
  local ECS        ${stack.ecsUrl}   (cluster "default"; AWS_ENDPOINT_URL_ECS=${stack.ecsUrl})
  SQS (fauxqs)     ${stack.sqsEndpoint}   (queues ${Object.keys(stack.queues).join(', ')}, each with a -dlq)
  DynamoDB Local   ${stack.dynamoDbEndpoint}   (table ${stack.tableName}, ${process.env.TUGBOAT_DATA_DIR ? `data in ${process.env.TUGBOAT_DATA_DIR}` : 'in memory'})
  reconcile every ${intervalText} s
Press Ctrl+C to stop.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
// A component that dies (DynamoDB Local's child) takes the stack down rather than leave it half there.
void stack.failed.then(async (error) => {
  console.error(error.message);
  await stack.stop();
  process.exit(1);
});
process.on('SIGTERM', shutdown);

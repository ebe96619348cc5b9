/**
 * `npm start`: runs Tugboat locally on real local endpoints.
 *   PORT                          HTTP API port (default 3000)
 *   TUGBOAT_LOCAL_DYNAMODB_PORT   DynamoDB Local port (default 8000)
 *   TUGBOAT_DATA_DIR              persist local data there (default: in memory)
 */
import { portFromEnv } from './ports';
import { startLocalStack } from './stack';

const startedAt = performance.now();
const stack = await startLocalStack({
  apiPort: await portFromEnv('PORT', 3000),
  dynamoDbPort: await portFromEnv('TUGBOAT_LOCAL_DYNAMODB_PORT', 8000),
  ...(process.env.TUGBOAT_DATA_DIR ? { dataDir: process.env.TUGBOAT_DATA_DIR } : {}),
});

console.log(`Tugboat is running (ready in ${Math.round(performance.now() - startedAt)} ms)
  HTTP API        ${stack.apiUrl}
  DynamoDB Local  ${stack.dynamoDbEndpoint}  (table ${stack.tableName}${process.env.TUGBOAT_DATA_DIR ? `, data in ${process.env.TUGBOAT_DATA_DIR}` : ', in memory'})
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

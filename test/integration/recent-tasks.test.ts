import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { countDynamoDbCalls } from '../../bench/support/counters';
import type { TaskRecord } from '../../lib/domain';
import type { EcsGateway } from '../../lib/ecs/gateway';
import { createReconciler } from '../../lib/reconcile/pass/reconcile';
import { keys } from '../../lib/store/keys';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { createService } from '../../lib/use-cases/services';
import { registerTaskDefinition } from '../../lib/use-cases/task-definitions';
import { createTable, tableDefinition } from '../../local/dynamodb';
import { useTestTable } from '../support/stack';

/** What a reconcile pass reads of a service's task history, against DynamoDB Local. */
const { client, documentClient: documents, store, tableName } = useTestTable('tugboat-recent-tasks');
const reads = countDynamoDbCalls(client);
const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const context: UseCaseContext = {
  store,
  config: { tableName, region: 'us-east-1', accountId: '123456789012' },
  now: () => new Date(NOW),
  newId: randomUUID,
};
/** The passes here have nothing to launch or stop: any ECS call is a failure of the test. */
const noEcs = new Proxy({} as EcsGateway, {
  get: (_target, call) => () => Promise.reject(new Error(`unexpected ECS call ${String(call)}`)),
});
const reconciler = createReconciler({
  store,
  ecsFor: () => noEcs,
  now: () => NOW,
  newId: randomUUID,
});

let taskCounter = 0;
const task = (serviceName: string, fields: Partial<TaskRecord> = {}): TaskRecord => {
  const taskId = (++taskCounter).toString(16).padStart(32, '0');
  return {
    cluster: 'default',
    serviceName,
    group: `service:${serviceName}`,
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${taskId}`,
    taskId,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    eventVersion: 1,
    createdAt: new Date(NOW - 3_600_000).toISOString(),
    updatedAt: new Date(NOW - 60_000).toISOString(),
    ...fields,
  };
};
const stoppedAt = (at: number): Partial<TaskRecord> => ({
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  stoppedAt: new Date(at).toISOString(),
  eventVersion: 6,
});

/**
 * `count` tasks of the service that stopped, one a second, the last a minute ago. One goes through
 * recordTask; the others are copies of the item it wrote, under their own task id and stop instant
 * (10,000 recordTask calls would take DynamoDB Local a minute).
 */
const stopMany = async (serviceName: string, count: number): Promise<TaskRecord[]> => {
  const stopOf = (index: number) => NOW - 60_000 - (count - index) * 1000;
  const template = task(serviceName, stoppedAt(stopOf(0)));
  await store.recordTask(template);
  const written = await documents.send(
    new GetCommand({ TableName: tableName, Key: keys.task('default', serviceName, template.taskId) }),
  );
  const text = JSON.stringify(written.Item);
  const copies = Array.from({ length: count - 1 }, (_, index) => {
    const record = task(serviceName, stoppedAt(stopOf(index + 1)));
    const item = JSON.parse(
      text.replaceAll(template.taskId, record.taskId).replaceAll(template.stoppedAt!, record.stoppedAt!),
    ) as Record<string, unknown>;
    return { record, item };
  });
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let start = 0; start < copies.length; start += 25) {
    batches.push(copies.slice(start, start + 25).map(({ item }) => item));
  }
  for (let start = 0; start < batches.length; start += 8) {
    await Promise.all(
      batches.slice(start, start + 8).map((batch) =>
        documents.send(
          new BatchWriteCommand({
            RequestItems: { [tableName]: batch.map((item) => ({ PutRequest: { Item: item } })) },
          }),
        ),
      ),
    );
  }
  return [template, ...copies.map(({ record }) => record)];
};

const newService = async (serviceName: string) => {
  const taskDefinition = await registerTaskDefinition(context, {
    family: serviceName,
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
  });
  await createService(context, 'default', {
    serviceName,
    taskDefinition: `${serviceName}:${taskDefinition.revision}`,
    desiredCount: 0,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  });
  // Its first pass, while its history is empty.
  expect((await reconciler.reconcile('default', serviceName)).status).toBe('reconciled');
};

/** The read units of one reconcile pass of the service. */
const passReadUnits = async (serviceName: string): Promise<number> => {
  reads.reset();
  expect((await reconciler.reconcile('default', serviceName)).status).toBe('reconciled');
  return reads.snapshot().readCapacityUnits;
};

describe('a reconcile pass reads live tasks and recent history, not the whole history', () => {
  it('reads as much for a service with 10,000 STOPPED tasks as for one with 500', async () => {
    await newService('short-history');
    await newService('long-history');
    await stopMany('short-history', 500);
    await stopMany('long-history', 10_000);

    const short = await passReadUnits('short-history');
    const long = await passReadUnits('long-history');
    // Reading all 10,000 items consistently would cost about 20 times the short history's pass.
    expect(long, `read units: ${long} with 10,000 stopped tasks, ${short} with 500`).toBeLessThanOrEqual(
      short * 1.1,
    );
    expect(long).toBeLessThan(100);
  }, 120_000);
});

describe('the tasks a pass reads (listRecentServiceTasks)', () => {
  const pointerOf = async (serviceName: string, taskId: string) =>
    (
      await documents.send(
        new GetCommand({ TableName: tableName, Key: keys.liveTask('default', serviceName, taskId) }),
      )
    ).Item;

  it('every live task, and the newest 500 stopped ones, newest stops kept', async () => {
    await newService('mixed');
    const stopped = await stopMany('mixed', 600);
    const live = [task('mixed'), task('mixed', { lastStatus: 'PENDING' }), task('mixed')];
    for (const record of live) await store.recordTask(record);
    const read = await store.listRecentServiceTasks('default', 'mixed');
    const ids = new Set(read.map((record) => record.taskId));
    expect(live.every((record) => ids.has(record.taskId))).toBe(true);
    const newest = stopped.slice(-500).map((record) => record.taskId);
    expect(
      read
        .filter((record) => record.lastStatus === 'STOPPED')
        .map((record) => record.taskId)
        .sort(),
    ).toEqual(newest.sort());
    expect(read).toHaveLength(503);
  }, 60_000);

  it('a task that stops keeps its pointer until the stopped-tasks index has shown it, and comes back live', async () => {
    await newService('lifecycle');
    const record = task('lifecycle');
    await store.recordTask(record);
    expect(await pointerOf('lifecycle', record.taskId)).toMatchObject({ version: 1 });
    await store.recordTask({ ...record, ...stoppedAt(NOW - 5_000) });
    // Stopped: still pointed to, until a read has seen it in the index (DynamoDB Local's is immediate).
    expect(await pointerOf('lifecycle', record.taskId)).toBeDefined();
    expect(await store.listRecentServiceTasks('default', 'lifecycle')).toEqual([
      expect.objectContaining({ taskId: record.taskId, lastStatus: 'STOPPED' }),
    ]);
    expect(await pointerOf('lifecycle', record.taskId)).toBeUndefined();
    // ECS's newer word after a STOPPED guess: live again, pointed to again, out of the stopped index.
    await store.recordTask({ ...record, eventVersion: 7 });
    expect(await pointerOf('lifecycle', record.taskId)).toMatchObject({ version: 7 });
    expect(await store.listRecentServiceTasks('default', 'lifecycle')).toEqual([
      expect.objectContaining({ taskId: record.taskId, lastStatus: 'RUNNING' }),
    ]);
    // An older event delivered late changes nothing, and the pointer it may leave behind goes.
    await store.recordTask({ ...record, ...stoppedAt(NOW - 1_000), eventVersion: 8 });
    await store.recordTask({ ...record, lastStatus: 'PENDING', eventVersion: 2 });
    expect(await store.listRecentServiceTasks('default', 'lifecycle')).toEqual([
      expect.objectContaining({ taskId: record.taskId, lastStatus: 'STOPPED', eventVersion: 8 }),
    ]);
    expect(await pointerOf('lifecycle', record.taskId)).toBeUndefined();
  });

  it('a partition written before the pointers existed is read whole once, then indexed', async () => {
    // Items as an older Tugboat wrote them: no pointers, no stopped-tasks index key, no complete mark.
    const old = [
      task('legacy'),
      task('legacy', { lastStatus: 'PENDING' }),
      ...Array.from({ length: 3 }, (_, index) => task('legacy', stoppedAt(NOW - 10_000 * (index + 1)))),
    ];
    for (const record of old) {
      const { cluster, serviceName, taskId } = record;
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.task(cluster, serviceName!, taskId), itemType: 'Task', ...record },
        }),
      );
    }
    const ids = old.map((record) => record.taskId).sort();
    const first = await store.listRecentServiceTasks('default', 'legacy');
    expect(first.map((record) => record.taskId)).toEqual(ids);
    expect(await pointerOf('legacy', old[0]!.taskId)).toBeDefined();
    expect(await pointerOf('legacy', old[1]!.taskId)).toBeDefined();
    expect(await pointerOf('legacy', old[2]!.taskId)).toBeUndefined();
    // From now on through the pointers and the index: the same tasks.
    reads.reset();
    const second = await store.listRecentServiceTasks('default', 'legacy');
    expect(second).toEqual(first);
    expect(reads.snapshot().byOperation.BatchGetItem?.calls).toBe(1);
  });
});

describe('a pass reads its service and its tasks in one go', () => {
  it("the service comes in the live tasks' BatchGetItem, not a GetItem of its own", async () => {
    await newService('one-read');
    const live = task('one-read');
    await store.recordTask(live);
    reads.reset();
    const { service, tasks } = await store.getServiceWithRecentTasks('default', 'one-read');
    expect(service?.serviceName).toBe('one-read');
    expect(service).toEqual(await store.getService('default', 'one-read'));
    expect(tasks).toEqual(await store.listRecentServiceTasks('default', 'one-read'));
    expect(tasks.map((record) => record.taskId)).toEqual([live.taskId]);
    expect(await store.getServiceWithRecentTasks('default', 'never-made')).toEqual({
      service: undefined,
      tasks: [],
    });
  });

  it('a pass of a service without tasks reads the service once, in the BatchGetItem', async () => {
    await newService('idle-read');
    reads.reset();
    expect((await reconciler.reconcile('default', 'idle-read')).status).toBe('reconciled');
    const calls = reads.snapshot().byOperation;
    // The task definition's read only (it is not registered with ECS, so not kept).
    expect(calls.GetItem?.calls).toBe(1);
    expect(calls.BatchGetItem?.calls).toBe(1);
  });
});

describe('the local stack on a table an older Tugboat made', () => {
  it('adds the stopped-tasks index that a persisted table lacks', async () => {
    const oldName = `tugboat-old-${randomUUID()}`;
    const definition = tableDefinition();
    await client.send(
      new CreateTableCommand({
        TableName: oldName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: definition.AttributeDefinitions.filter((a) => a.AttributeName !== 'GSI2SK'),
        KeySchema: definition.KeySchema,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.filter(
          (index) => index.IndexName !== keys.stoppedTasksIndex,
        ),
      }),
    );
    await createTable(client, oldName);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: oldName }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(['GSI1', 'GSI2']);
  });
});

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../lib/domain';
import { TASK_HISTORY_MS, TASK_HISTORY_SECONDS } from '../../lib/inventory/retention';
import { keys } from '../../lib/store/keys';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { listTasks } from '../../lib/use-cases/tasks';
import { useTestTable } from '../support/stack';

const { documentClient: documents, store, tableName } = useTestTable('tugboat-inventory');
const NOW = Date.parse('2026-11-25T12:00:00.000Z');

let taskCounter = 0;
const task = (cluster: string, serviceName: string | undefined, fields: Partial<TaskRecord> = {}) => {
  const taskId = (++taskCounter).toString(16).padStart(32, '0');
  const record: TaskRecord = {
    cluster,
    ...(serviceName ? { serviceName, group: `service:${serviceName}` } : {}),
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/${cluster}/${taskId}`,
    taskId,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    eventVersion: 1,
    updatedAt: new Date(NOW - 60_000).toISOString(),
    ...fields,
  };
  return record;
};
const stopped = (at: number) => ({
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  stoppedAt: new Date(at).toISOString(),
  eventVersion: 5,
});

const context = { store, now: () => new Date(NOW) } as unknown as UseCaseContext;

/** Every page of the cluster-wide listing. */
const walk = async (
  cluster: string,
  query: { serviceName?: string; desiredStatus?: string },
  limit: number,
) => {
  const ids: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await listTasks(context, cluster, query, { limit, ...(nextToken ? { nextToken } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((item) => item.taskId));
    nextToken = page.nextToken;
    pages++;
  } while (nextToken && pages < 500);
  return { ids, pages };
};

describe('task inventory: locators, pages and history (DynamoDB Local)', () => {
  it('finds a task by id alone, in whichever partition it lives, and its locator expires with it', async () => {
    const oneOff = task('find', undefined);
    const ofService = task('find', 'web');
    await store.recordTask(oneOff);
    await store.recordTask(ofService);
    expect(await store.findTask('find', oneOff.taskId)).toMatchObject({ taskArn: oneOff.taskArn });
    expect(await store.findTask('find', ofService.taskId)).toMatchObject({ serviceName: 'web' });
    expect(await store.findTask('find', 'f'.repeat(32))).toBeUndefined();
    expect(await store.findTask('elsewhere', oneOff.taskId)).toBeUndefined();

    const stopAt = NOW - 1000;
    await store.recordTask({ ...ofService, ...stopped(stopAt) });
    const locator = await documents.send(
      new GetCommand({ TableName: tableName, Key: keys.taskLocator('find', ofService.taskId) }),
    );
    expect(locator.Item?.expiresAt).toBe(Math.floor(stopAt / 1000) + TASK_HISTORY_SECONDS);
    expect(await store.findTask('find', ofService.taskId)).toMatchObject({ lastStatus: 'STOPPED' });
  });

  it('a later write that finds the task alive takes back the expiry an out-of-order STOPPED guess set', async () => {
    const live = task('revive', 'web');
    await store.recordTask(live);
    // The scheduler's guess (ECS did not describe the task), then ECS's own newer word: still RUNNING.
    await store.recordTask({ ...live, ...stopped(NOW - 1000), eventVersion: 2 });
    await store.recordTask({ ...live, eventVersion: 3 });
    const item = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.task('revive', 'web', live.taskId),
      }),
    );
    expect(item.Item).toMatchObject({ lastStatus: 'RUNNING', GSI1SK: live.taskArn });
    expect(item.Item?.expiresAt).toBeUndefined();
    const locator = await documents.send(
      new GetCommand({ TableName: tableName, Key: keys.taskLocator('revive', live.taskId) }),
    );
    expect(locator.Item).toMatchObject({ serviceName: 'web' });
    expect(locator.Item?.expiresAt).toBeUndefined();
  });

  it("keeps the scheduler's missing mark on the snapshot it judged, until a newer word on the task", async () => {
    const live = task('missing', 'web');
    await store.recordTask(live);
    const at = new Date(NOW).toISOString();
    expect(await store.markTaskMissing(live, at)).toBe(true);
    expect((await store.listAliveTasks('missing'))[0]?.missingFromEcsAt).toBe(at);
    // Read again through the store and written back, the mark is not copied onto a newer snapshot.
    const [marked] = await store.listAliveTasks('missing');
    await store.recordTask({ ...marked!, eventVersion: 2 });
    expect((await store.listAliveTasks('missing'))[0]?.missingFromEcsAt).toBeUndefined();
    // A mark judged on an older snapshot is refused; one for the current snapshot can be cleared.
    expect(await store.markTaskMissing(live, at)).toBe(false);
    expect(await store.markTaskMissing({ ...live, eventVersion: 2 }, at)).toBe(true);
    expect(await store.markTaskMissing({ ...live, eventVersion: 2 }, undefined)).toBe(true);
    expect((await store.listAliveTasks('missing'))[0]?.missingFromEcsAt).toBeUndefined();
    expect(await store.markTaskMissing(task('missing', 'web'), at)).toBe(false);
  });

  it('gives service events a TTL of 90 days after they happen', async () => {
    const createdAt = new Date(NOW).toISOString();
    await store.addServiceEvents('events', 'web', [{ id: 'event-1', createdAt, message: 'service web a.' }]);
    const item = await documents.send(
      new GetCommand({ TableName: tableName, Key: keys.serviceEvent('events', 'web', createdAt, 'event-1') }),
    );
    expect(item.Item?.expiresAt).toBe(Math.floor(NOW / 1000) + 90 * 24 * 3600);
    expect((await store.listServiceEvents('events', 'web', { limit: 10 })).items).toEqual([
      { id: 'event-1', createdAt, message: 'service web a.' },
    ]);
  });

  it('pages a partition through a status filter without short or repeated pages', async () => {
    const records = Array.from({ length: 25 }, (_, index) =>
      task('filter', 'api', index % 3 === 0 ? stopped(NOW - 5000) : {}),
    );
    for (const record of records) await store.recordTask(record);
    const stoppedIds = records.filter((_, index) => index % 3 === 0).map((record) => record.taskId);
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await store.listTaskPage('filter', 'api', {
        limit: 2,
        lastStatus: 'STOPPED',
        ...(nextToken ? { nextToken } : {}),
      });
      if (page.nextToken) expect(page.items).toHaveLength(2);
      seen.push(...page.items.map((item) => item.taskId));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.sort()).toEqual(stoppedIds.sort());
  });

  it('lists a cluster: alive tasks from the index, then stopped ones per partition, in short pages', async () => {
    const alive = [task('walk', undefined), task('walk', 'a'), task('walk', 'b')];
    const gone = [
      task('walk', undefined, stopped(NOW - 10_000)),
      task('walk', 'a', stopped(NOW - 20_000)),
      task('walk', 'c', stopped(NOW - 30_000)),
    ];
    const expired = task('walk', 'b', stopped(NOW - TASK_HISTORY_MS - 1000));
    for (const record of [...alive, ...gone, expired]) await store.recordTask(record);
    // The listing walks the partitions of the cluster's services, so they must exist.
    for (const serviceName of ['a', 'b', 'c', 'd']) {
      await store.createService({ cluster: 'walk', serviceName } as never);
    }

    for (const limit of [1, 2, 100]) {
      const { ids } = await walk('walk', {}, limit);
      expect(ids.slice(0, 3).sort()).toEqual(alive.map((record) => record.taskId).sort());
      expect(ids.slice(3)).toEqual(gone.map((record) => record.taskId));
    }
    expect((await walk('walk', { desiredStatus: 'RUNNING' }, 2)).ids.sort()).toEqual(
      alive.map((record) => record.taskId).sort(),
    );
    expect((await walk('walk', { desiredStatus: 'STOPPED' }, 100)).ids).toEqual(
      gone.map((record) => record.taskId),
    );
    expect((await walk('walk', { serviceName: 'b' }, 100)).ids).toEqual([alive[2]!.taskId]);
    expect((await walk('walk', { serviceName: '-' }, 100)).ids.sort()).toEqual(
      [alive[0]!.taskId, gone[0]!.taskId].sort(),
    );
  });
});

/**
 * What a reconcile pass reads of a service's task inventory: its live tasks and its newest stopped
 * ones, not its whole 30-day history, so the read units of a pass stay bounded however long the
 * history grows (10,000 crashed tasks cost a pass what 500 do).
 *
 * - Live tasks are read consistently, as the pass must (a task recorded a moment ago must not be
 *   launched again): from pointer items `LIVE#<taskId>` in the service's task partition, then one
 *   consistent BatchGetItem of the task items they name. recordTask writes a task's pointer in the call
 *   that makes its item live (after the item, so a pointer never names a task before it exists).
 * - Stopped tasks come from the sparse index GSI2 (the partition key, then stoppedAt#taskId), newest
 *   first, at most RECENT_STOPPED_TASKS. The index is eventually consistent, so a stopped task keeps
 *   its pointer until a pass has seen it in the index: the pass that a stop's event triggers still reads
 *   the stop (through the pointer, consistently), whatever the index's lag.
 * - A partition written before the pointers existed has no `LIVE#` item (the complete mark): its first
 *   read takes the whole partition once, writes the missing pointers and index keys, then the mark.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TaskRecord } from '../domain';
import { epochOf, isoOf } from '../time';
import { ITEM_TYPE, type ItemKey, keys } from './keys';
import { type Item, stripKeys, type Table } from './table';

/**
 * The stopped tasks a pass reads, newest stop first. Enough for what the planner reads of them: a
 * deployment's failed tasks for its circuit breaker (ECS's threshold is at most 200 failed tasks),
 * consecutive failures for the crash-loop back-off (capped long before this), and Spot interruptions.
 * Live tasks are read whatever their number.
 */
export const RECENT_STOPPED_TASKS = 500;

/** Writes the backfill of a partition makes at once. */
const BACKFILL_CONCURRENCY = 25;

interface LivePointer {
  taskId: string;
  /** The eventVersion of the record that wrote it: a pointer only moves forward. */
  version: number;
}

/** The index key of a stopped task: the instant it stopped (else last heard of), then its id. */
export const stoppedSortKeyOf = (record: Pick<TaskRecord, 'stoppedAt' | 'updatedAt' | 'taskId'>): string =>
  keys.stoppedTaskSortKey(isoOf(epochOf(record.stoppedAt) ?? epochOf(record.updatedAt) ?? 0), record.taskId);

const byTaskId = (a: TaskRecord, b: TaskRecord) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0);

export class RecentTaskReads {
  constructor(private readonly table: Table) {}

  /**
   * Writes the pointer of a live task, unless one from the same or a later record is there. Called by
   * recordTask after the item, when the item was not yet known to have its pointer.
   */
  async putLivePointer(record: TaskRecord & { serviceName: string }): Promise<void> {
    await this.table.sendIfCondition(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.liveTask(record.cluster, record.serviceName, record.taskId),
          itemType: ITEM_TYPE.liveTask,
          taskId: record.taskId,
          version: record.eventVersion,
        },
        ConditionExpression: 'attribute_not_exists(PK) OR #version < :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': record.eventVersion },
      }),
    );
  }

  /** The service's live tasks and its RECENT_STOPPED_TASKS newest stopped ones, in task id order. */
  async listRecentServiceTasks(cluster: string, serviceName: string): Promise<TaskRecord[]> {
    return (await this.listRecentServiceTasksWith(cluster, serviceName, [])).tasks;
  }

  /**
   * listRecentServiceTasks, and the items of `also` (keys outside the partition, such as the service's)
   * read consistently in the same BatchGetItem as the live tasks: one call fewer than a Get of their own.
   */
  async listRecentServiceTasksWith(
    cluster: string,
    serviceName: string,
    also: ItemKey[],
  ): Promise<{ tasks: TaskRecord[]; also: Item[] }> {
    const partition = keys.serviceTasksPartition(cluster, serviceName);
    const [pointerItems, stoppedItems] = await Promise.all([
      this.table.queryAll({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': keys.liveTaskSortPrefix },
        ConsistentRead: true,
      }),
      this.newestStopped(partition),
    ]);
    const completeSk = keys.liveIndexComplete(cluster, serviceName).SK;
    if (!pointerItems.some((item) => item.SK === completeSk)) {
      const [tasks, alsoItems] = await Promise.all([
        this.indexPartition(cluster, serviceName),
        also.length > 0 ? this.table.batchGet(also, undefined, true) : [],
      ]);
      return { tasks, also: alsoItems };
    }
    const pointers = pointerItems.filter((item) => item.SK !== completeSk) as unknown as LivePointer[];
    const read = await this.table.batchGet(
      [...pointers.map((pointer) => keys.task(cluster, serviceName, pointer.taskId)), ...also],
      undefined,
      true,
    );
    // The task items are the ones of this partition; the rest are `also`'s.
    const liveItems = read.filter((item) => item.PK === partition);
    const alsoItems = read.filter((item) => item.PK !== partition);
    const tasks = new Map<string, TaskRecord>();
    for (const item of stoppedItems) tasks.set(item.taskId as string, stripKeys<TaskRecord>(item));
    // The consistent read of a task wins over the index's.
    for (const item of liveItems) tasks.set(item.taskId as string, stripKeys<TaskRecord>(item));
    await this.dropSeenPointers(cluster, serviceName, pointers, liveItems, stoppedItems);
    return { tasks: [...tasks.values()].sort(byTaskId), also: alsoItems };
  }

  /** The newest RECENT_STOPPED_TASKS items of the stopped-tasks index in the partition. */
  private async newestStopped(partition: string): Promise<Item[]> {
    const items: Item[] = [];
    for await (const page of this.table.pages({
      IndexName: keys.stoppedTasksIndex,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': partition },
      ScanIndexForward: false,
      Limit: RECENT_STOPPED_TASKS,
    })) {
      items.push(...(page.Items ?? []));
      if (items.length >= RECENT_STOPPED_TASKS) break;
    }
    return items.slice(0, RECENT_STOPPED_TASKS);
  }

  /**
   * Deletes the pointers of tasks that stopped and that the index has shown (or that are older than
   * everything it showed), and of tasks whose item is gone. Each delete holds only if the pointer is
   * still the one read: a task found alive again meanwhile has rewritten it. Best effort: a pointer left
   * is only read again.
   */
  private async dropSeenPointers(
    cluster: string,
    serviceName: string,
    pointers: LivePointer[],
    liveItems: Item[],
    stoppedItems: Item[],
  ): Promise<void> {
    const items = new Map(liveItems.map((item) => [item.taskId as string, item]));
    const indexed = new Set(stoppedItems.map((item) => item.taskId as string));
    const oldestShown =
      stoppedItems.length >= RECENT_STOPPED_TASKS ? (stoppedItems.at(-1)?.GSI2SK as string) : undefined;
    const seen = pointers.filter((pointer) => {
      const item = items.get(pointer.taskId);
      if (!item) return true;
      if (item.lastStatus !== 'STOPPED' || typeof item.GSI2SK !== 'string') return false;
      return indexed.has(pointer.taskId) || (oldestShown !== undefined && item.GSI2SK < oldestShown);
    });
    await Promise.allSettled(
      seen.map((pointer) =>
        this.table.sendIfCondition(
          new DeleteCommand({
            TableName: this.table.name,
            Key: keys.liveTask(cluster, serviceName, pointer.taskId),
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':version': pointer.version },
          }),
        ),
      ),
    );
  }

  /**
   * A partition without its complete mark (written before the pointers existed): reads it whole once,
   * writes each live task's pointer and each stopped task's index key, then the mark. Answers as
   * listRecentServiceTasks would.
   */
  private async indexPartition(cluster: string, serviceName: string): Promise<TaskRecord[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.serviceTasksPartition(cluster, serviceName),
        ':prefix': keys.taskSortPrefix,
      },
      ConsistentRead: true,
    });
    const records = items.map((item) => stripKeys<TaskRecord>(item));
    const live = records.filter((record) => record.lastStatus !== 'STOPPED');
    const stopped = records
      .filter((record) => record.lastStatus === 'STOPPED')
      .map((record) => ({ record, sortKey: stoppedSortKeyOf(record) }));
    const unindexed = items.flatMap((item, index) =>
      item.lastStatus === 'STOPPED' && item.GSI2SK === undefined ? [records[index]!] : [],
    );
    const writes: Array<() => Promise<unknown>> = [
      ...live.map((record) => () => this.putLivePointer({ ...record, serviceName })),
      ...unindexed.map((record) => () => this.indexStopped(record, serviceName)),
    ];
    for (let start = 0; start < writes.length; start += BACKFILL_CONCURRENCY) {
      await Promise.all(writes.slice(start, start + BACKFILL_CONCURRENCY).map((write) => write()));
    }
    await this.table.put({
      ...keys.liveIndexComplete(cluster, serviceName),
      itemType: ITEM_TYPE.liveIndexComplete,
    });
    const newest = stopped
      .sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0))
      .slice(0, RECENT_STOPPED_TASKS)
      .map(({ record }) => record);
    return [...live, ...newest].sort(byTaskId);
  }

  /** Gives a stopped task written before the index its index key, unless it changed since it was read. */
  private async indexStopped(record: TaskRecord, serviceName: string): Promise<void> {
    await this.table.sendIfCondition(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.task(record.cluster, serviceName, record.taskId),
        UpdateExpression: 'SET GSI2SK = :sortKey',
        ConditionExpression: 'eventVersion = :version AND lastStatus = :stopped',
        ExpressionAttributeValues: {
          ':sortKey': stoppedSortKeyOf(record),
          ':version': record.eventVersion,
          ':stopped': 'STOPPED',
        },
      }),
    );
  }
}

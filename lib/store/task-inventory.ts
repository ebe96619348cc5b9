/**
 * The task inventory: one item per task in its service's partition (the sparse index lists those not
 * STOPPED), a locator per task id, and the bookkeeping the scheduler and the reconciler keep on them.
 */
import { type QueryCommandInput, UpdateCommand, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Page, Service, TaskLoadBalancing, TaskRecord } from '../domain';
import { TASK_HISTORY_SECONDS } from '../inventory/retention';
import { ITEM_TYPE, keys } from './keys';
import {
  decodeIndexPageToken,
  decodeKeyPageToken,
  encodeIndexPageToken,
  encodeKeyPageToken,
} from './page-token';
import type { TaskPageRequest, TugboatStore } from './port';
import { RecentTaskReads, stoppedSortKeyOf } from './recent-tasks';
import { expiryAfter, pageOf, stripKeys, type Table } from './table';

type TaskInventoryPort = Pick<
  TugboatStore,
  | 'recordTask'
  | 'getTask'
  | 'markTaskMissing'
  | 'setTaskLoadBalancing'
  | 'listServiceTasks'
  | 'listRecentServiceTasks'
  | 'getServiceWithRecentTasks'
  | 'listAliveTasks'
  | 'findTask'
  | 'listTaskPage'
  | 'listAliveTaskPage'
>;

/** Reads one filtered task page may make before it returns short, with a nextToken to go on. */
const MAX_FILTERED_READS = 10;

const taskKey = (record: TaskRecord) =>
  keys.task(record.cluster, record.serviceName ?? keys.unattributedService, record.taskId);

export class TaskInventoryItems implements TaskInventoryPort {
  private readonly recent: RecentTaskReads;

  constructor(private readonly table: Table) {
    this.recent = new RecentTaskReads(table);
  }

  async recordTask(record: TaskRecord): Promise<boolean> {
    const serviceName = record.serviceName ?? keys.unattributedService;
    const names: Record<string, string> = { '#eventVersion': 'eventVersion' };
    const values: Record<string, unknown> = { ':eventVersion': record.eventVersion };
    const assignments: string[] = ['#itemType = :itemType'];
    names['#itemType'] = 'itemType';
    values[':itemType'] = ITEM_TYPE.task;
    for (const [field, value] of Object.entries(record)) {
      // Written by their own updates only (healthyAt, the scheduler's mark, the reconciler's targets).
      if (value === undefined || ['healthyAt', 'missingFromEcsAt', 'loadBalancing'].includes(field)) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      assignments.push(`#${field} = :${field}`);
    }
    // A newer word on the task supersedes the scheduler's "ECS did not know it" mark.
    const removals: string[] = ['missingFromEcsAt'];
    const live = record.lastStatus !== 'STOPPED';
    if (!live) {
      // Into the stopped-tasks index; its live pointer goes once a pass has seen it there (recent-tasks.ts).
      removals.push('GSI1PK', 'GSI1SK', 'liveIndexed');
      values[':expiresAt'] = expiryAfter(
        Date.parse(record.stoppedAt ?? record.updatedAt),
        TASK_HISTORY_SECONDS,
      );
      values[':gsi2sk'] = stoppedSortKeyOf(record);
      assignments.push('expiresAt = :expiresAt', 'GSI2SK = :gsi2sk');
    } else {
      values[':gsi1pk'] = keys.aliveTasksPartition(record.cluster);
      values[':gsi1sk'] = record.taskArn;
      assignments.push('GSI1PK = :gsi1pk', 'GSI1SK = :gsi1sk');
      // A STOPPED guess (the scheduler's) may have come first: TTL must never delete a live task.
      removals.push('expiresAt', 'GSI2SK');
      if (record.serviceName !== undefined) {
        // Says the item's live pointer is written: UPDATED_OLD tells whether it was before this write.
        values[':indexed'] = true;
        assignments.push('liveIndexed = :indexed');
      }
    }
    const result = await this.table.sendIfCondition<UpdateCommandOutput>(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.task(record.cluster, serviceName, record.taskId),
        UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_not_exists(PK) OR #eventVersion < :eventVersion',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const applied = result !== undefined;
    const created = applied && result.Attributes === undefined;
    const wasStopped = result?.Attributes?.lastStatus === 'STOPPED';
    // The locator is written when the task first appears, and again when it stops so it expires with
    // the task; a locator lost to a crash in between is back by the STOPPED write. A task found alive
    // after a STOPPED record gets its locator back without the expiry.
    if (applied && (created || wasStopped || record.lastStatus === 'STOPPED')) {
      await this.table.put({
        ...keys.taskLocator(record.cluster, record.taskId),
        itemType: ITEM_TYPE.taskLocator,
        cluster: record.cluster,
        taskId: record.taskId,
        serviceName,
        ...(values[':expiresAt'] === undefined ? {} : { expiresAt: values[':expiresAt'] }),
      });
    }
    // The live pointer follows the item: when it became live here (new, revived, or written before
    // pointers existed), and on a stale write too, in case the first delivery died before its pointer.
    if (live && record.serviceName !== undefined && (!applied || result?.Attributes?.liveIndexed !== true)) {
      await this.recent.putLivePointer({ ...record, serviceName: record.serviceName });
    }
    if (record.healthStatus === 'HEALTHY') await this.recordHealthy(record);
    return applied;
  }

  /**
   * healthyAt is the time of the earliest-version HEALTHY report, whatever order reports arrive in:
   * its own conditional write keeps the lowest version, so a late, older event still lowers it.
   */
  private async recordHealthy(record: TaskRecord): Promise<void> {
    await this.table.sendIfCondition(
      new UpdateCommand({
        TableName: this.table.name,
        Key: taskKey(record),
        UpdateExpression: 'SET healthyAt = :at, healthyVersion = :version',
        ConditionExpression:
          'attribute_exists(PK) AND (attribute_not_exists(healthyVersion) OR healthyVersion > :version)',
        ExpressionAttributeValues: {
          ':at': record.healthyAt ?? record.updatedAt,
          ':version': record.eventVersion,
        },
      }),
    );
  }

  async getTask(cluster: string, serviceName: string, taskId: string): Promise<TaskRecord | undefined> {
    return this.table.get<TaskRecord>(keys.task(cluster, serviceName, taskId));
  }

  async listServiceTasks(cluster: string, serviceName: string): Promise<TaskRecord[]> {
    return this.table.queryPartition<TaskRecord>(
      keys.serviceTasksPartition(cluster, serviceName),
      keys.taskSortPrefix,
    );
  }

  listRecentServiceTasks(cluster: string, serviceName: string): Promise<TaskRecord[]> {
    return this.recent.listRecentServiceTasks(cluster, serviceName);
  }

  async getServiceWithRecentTasks(
    cluster: string,
    serviceName: string,
  ): Promise<{ service: Service | undefined; tasks: TaskRecord[] }> {
    const { tasks, also } = await this.recent.listRecentServiceTasksWith(cluster, serviceName, [
      keys.service(cluster, serviceName),
    ]);
    const [item] = also;
    return { service: item ? stripKeys<Service>(item) : undefined, tasks };
  }

  async markTaskMissing(record: TaskRecord, at: string | undefined): Promise<boolean> {
    const result = await this.table.sendIfCondition(
      new UpdateCommand({
        TableName: this.table.name,
        Key: taskKey(record),
        UpdateExpression: at === undefined ? 'REMOVE missingFromEcsAt' : 'SET missingFromEcsAt = :at',
        // Only on the snapshot the scheduler judged: a newer one has its own word on the task.
        ConditionExpression: 'attribute_exists(PK) AND eventVersion = :version',
        ExpressionAttributeValues: {
          ':version': record.eventVersion,
          ...(at === undefined ? {} : { ':at': at }),
        },
      }),
    );
    return result !== undefined;
  }

  async setTaskLoadBalancing(record: TaskRecord, loadBalancing: TaskLoadBalancing): Promise<boolean> {
    const result = await this.table.sendIfCondition(
      new UpdateCommand({
        TableName: this.table.name,
        Key: taskKey(record),
        UpdateExpression: 'SET loadBalancing = :loadBalancing',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':loadBalancing': loadBalancing },
      }),
    );
    return result !== undefined;
  }

  async listAliveTasks(cluster: string): Promise<TaskRecord[]> {
    return this.table.queryIndexPartition<TaskRecord>(keys.aliveTasksPartition(cluster));
  }

  async findTask(cluster: string, taskId: string): Promise<TaskRecord | undefined> {
    const locator = await this.table.get<{ serviceName: string }>(keys.taskLocator(cluster, taskId));
    return locator ? this.getTask(cluster, locator.serviceName, taskId) : undefined;
  }

  async listTaskPage(cluster: string, serviceName: string, page: TaskPageRequest): Promise<Page<TaskRecord>> {
    const partition = keys.serviceTasksPartition(cluster, serviceName);
    return this.queryTaskPage(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': keys.taskSortPrefix },
        ExclusiveStartKey: decodeKeyPageToken(page.nextToken, partition),
        ConsistentRead: true,
      },
      page,
      (task) => encodeKeyPageToken({ ...keys.task(cluster, serviceName, task.taskId) }),
      (lastKey) => encodeKeyPageToken(lastKey),
    );
  }

  async listAliveTaskPage(cluster: string, page: TaskPageRequest): Promise<Page<TaskRecord>> {
    const partition = keys.aliveTasksPartition(cluster);
    return this.queryTaskPage(
      {
        IndexName: keys.sparseIndex,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ExclusiveStartKey: decodeIndexPageToken(page.nextToken, partition),
      },
      page,
      (task) =>
        encodeIndexPageToken({
          ...keys.task(cluster, task.serviceName ?? keys.unattributedService, task.taskId),
          GSI1PK: partition,
          GSI1SK: task.taskArn,
        }),
      (lastKey) => encodeIndexPageToken(lastKey),
    );
  }

  /**
   * Fills a page of up to `limit` tasks through the status filters, reading on while DynamoDB's pages
   * come back short; when it has more than it needs it resumes after the last task it returns.
   */
  private async queryTaskPage(
    base: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'FilterExpression'>,
    page: TaskPageRequest,
    tokenAfter: (task: TaskRecord) => string | undefined,
    tokenOf: (lastKey: Record<string, unknown>) => string | undefined,
  ): Promise<Page<TaskRecord>> {
    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ...base.ExpressionAttributeValues };
    if (page.desiredStatus !== undefined) {
      filters.push('#desiredStatus = :desiredStatus');
      names['#desiredStatus'] = 'desiredStatus';
      values[':desiredStatus'] = page.desiredStatus;
    }
    if (page.lastStatus !== undefined) {
      filters.push('#lastStatus = :lastStatus');
      names['#lastStatus'] = 'lastStatus';
      values[':lastStatus'] = page.lastStatus;
    }
    const items: TaskRecord[] = [];
    let startKey = base.ExclusiveStartKey;
    let reads = 0;
    const pages = this.table.pages({
      ...base,
      ExpressionAttributeValues: values,
      ...(filters.length > 0
        ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names }
        : {}),
      Limit: Math.max(page.limit, 100),
    });
    // Bounded, so one API call does bounded work even over a partition the filter mostly rejects.
    for await (const result of pages) {
      items.push(...(result.Items ?? []).map((item) => stripKeys<TaskRecord>(item)));
      startKey = result.LastEvaluatedKey;
      if (items.length >= page.limit) {
        const kept = items.slice(0, page.limit);
        const more = items.length > page.limit || startKey !== undefined;
        const nextToken = more ? tokenAfter(kept[kept.length - 1]!) : undefined;
        return pageOf(kept, nextToken);
      }
      if (++reads >= MAX_FILTERED_READS) break;
    }
    return pageOf(items, startKey ? tokenOf(startKey) : undefined);
  }
}

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  DeployRequest,
  Page,
  Service,
  ServiceEvent,
  TaskDefinition,
  TaskLoadBalancing,
  TaskRecord,
} from '../domain';
import { ConflictError, DependencyError, VersionConflictError } from '../errors';
import { ITEM_TYPE, type ItemKey, keys } from './keys';
import { decodeIndexPageToken, decodePageToken, encodeIndexPageToken, encodePageToken } from './page-token';
import type {
  LeaseResult,
  PageRequest,
  ReconcileMark,
  RevisionReservation,
  RevisionStamp,
  TaskPageRequest,
  TugboatStore,
} from './port';

/**
 * A lease item outlives its service by this much (DynamoDB TTL): longer than any reconcile request can
 * wait in SQS (retention at most 14 days), so a request never meets a marker-less lease by expiry.
 */
const LEASE_ITEM_TTL_MS = 15 * 24 * 3_600_000;
/** Writers of one rate budget race; a handful of processes settle well within this many tries. */
const MAX_RATE_ATTEMPTS = 100;
/** A writer that lost a race waits up to this long (doubling per loss, full jitter) before it reads again. */
const RATE_RETRY_BASE_MS = 2;
const RATE_RETRY_MAX_MS = 100;

/** Full jitter: a random pause in [0, min(max, base x 2^attempt)), so racing writers spread out. */
export const rateRetryPauseMs = (attempt: number, random: () => number = Math.random): number =>
  Math.floor(random() * Math.min(RATE_RETRY_MAX_MS, RATE_RETRY_BASE_MS * 2 ** attempt));
/** BatchGetItem takes at most 100 keys; unprocessed keys are asked for again, a few times. */
const MAX_BATCH_GET = 100;
const MAX_BATCH_ATTEMPTS = 8;

type Item = Record<string, unknown>;

/** Stopped tasks stay readable through Tugboat this long, where ECS forgets them after about an hour. */
export const TASK_HISTORY_SECONDS = 30 * 24 * 3600;

/** Service events expire (DynamoDB TTL) this long after they were written. */
export const SERVICE_EVENT_RETENTION_SECONDS = 90 * 24 * 3600;

/** Reads one filtered task page may make before it returns short, with a nextToken to go on. */
const MAX_FILTERED_READS = 10;

/** The sparse autoDeploy index entry of a service item: present only while ECR pushes can deploy it. */
const autoDeployIndex = (service: Service): Item =>
  service.autoDeploy && service.status === 'ACTIVE'
    ? {
        GSI1PK: keys.autoDeployPartition,
        GSI1SK: keys.autoDeploySortKey(service.cluster, service.serviceName),
      }
    : {};

const stripKeys = <T>(item: Item): T => {
  const {
    PK: _pk,
    SK: _sk,
    itemType: _type,
    GSI1PK: _gpk,
    GSI1SK: _gsk,
    expiresAt: _ttl,
    healthyVersion: _hv,
    ...rest
  } = item;
  return rest as T;
};

/** DynamoDB adapter of the storage port. Takes an injected document client. */
export class DynamoDbStore implements TugboatStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The pause after a lost rate-budget race (tests inject one that records it). */
    private readonly pauseAfterLostRace: (attempt: number) => Promise<void> = (attempt) =>
      new Promise((resolve) => setTimeout(resolve, rateRetryPauseMs(attempt))),
  ) {}

  async createTaskDefinition(taskDefinition: TaskDefinition): Promise<void> {
    const key = keys.taskDefinition(taskDefinition.family, taskDefinition.revision);
    await this.put(
      { ...key, itemType: ITEM_TYPE.taskDefinition, ...taskDefinition },
      { ConditionExpression: 'attribute_not_exists(PK)' },
      () =>
        new ConflictError(
          `Task definition ${taskDefinition.family}:${taskDefinition.revision} already exists`,
        ),
    );
    // The family registry, written (idempotently) with every revision: a crash right before this line
    // leaves the family unlisted only until its next revision.
    const { family } = taskDefinition;
    await this.put({ ...keys.familyRegistration(family), itemType: ITEM_TYPE.taskDefinitionFamily, family });
  }

  async getTaskDefinition(family: string, revision: number): Promise<TaskDefinition | undefined> {
    return this.get<TaskDefinition>(keys.taskDefinition(family, revision));
  }

  async getLatestTaskDefinition(family: string): Promise<TaskDefinition | undefined> {
    const page = await this.query<TaskDefinition>(
      keys.taskDefinitionPartition(family),
      keys.taskDefinitionSortPrefix,
      { limit: 1 },
      false,
    );
    return page.items[0];
  }

  async getLatestActiveTaskDefinition(family: string): Promise<TaskDefinition | undefined> {
    // Revisions are walked newest first; INACTIVE ones are rare, so this usually reads one page.
    let nextToken: string | undefined;
    do {
      const page = await this.listTaskDefinitions(family, { limit: 25, nextToken });
      const active = page.items.find((taskDefinition) => taskDefinition.status === 'ACTIVE');
      if (active) return active;
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }

  async listTaskDefinitions(family: string, page: PageRequest): Promise<Page<TaskDefinition>> {
    return this.query<TaskDefinition>(
      keys.taskDefinitionPartition(family),
      keys.taskDefinitionSortPrefix,
      page,
      false,
    );
  }

  async listTaskDefinitionFamilies(page: PageRequest): Promise<Page<{ family: string }>> {
    const found = await this.query<{ family: string }>(
      keys.familyRegistryPartition,
      keys.familyRegistrySortPrefix,
      page,
      true,
    );
    const items = found.items.map(({ family }) => ({ family }));
    return found.nextToken ? { items, nextToken: found.nextToken } : { items };
  }

  async updateTaskDefinition(next: TaskDefinition): Promise<void> {
    const key = keys.taskDefinition(next.family, next.revision);
    await this.put(
      { ...key, itemType: ITEM_TYPE.taskDefinition, ...next },
      {
        ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': next.version - 1 },
      },
      () =>
        new VersionConflictError(`Task definition ${next.family}:${next.revision} was changed concurrently`),
    );
  }

  async reserveTaskDefinitionRevision(family: string, nowMs: number): Promise<RevisionReservation> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.taskDefinitionCounter(family),
          // SET reads the item as it was, so previousReservedAt gets the last reservation's instant.
          UpdateExpression:
            'ADD #next :one SET #previous = if_not_exists(#reservedAt, :zero), #reservedAt = :now, itemType = :type',
          ExpressionAttributeNames: {
            '#next': 'next',
            '#reservedAt': 'reservedAt',
            '#previous': 'previousReservedAt',
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':zero': 0,
            ':now': nowMs,
            ':type': ITEM_TYPE.revisionCounter,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const counter = result.Attributes ?? {};
      return {
        revision: Number(counter.next),
        previousReservedAt: Number(counter.previousReservedAt ?? 0),
        denseThrough: Number(counter.denseThrough ?? 0),
      };
    } catch (error) {
      throw new DependencyError('DynamoDB write failed', error);
    }
  }

  async advanceDenseThrough(family: string, revision: number): Promise<void> {
    await this.raiseCounterField(family, 'denseThrough', revision);
  }

  async advanceTaskDefinitionCounter(family: string, revision: number): Promise<void> {
    await this.raiseCounterField(family, 'next', revision);
  }

  /** Raises a field of the family's counter item to `value`; a lower value leaves it alone. */
  private async raiseCounterField(family: string, field: 'next' | 'denseThrough', value: number) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.taskDefinitionCounter(family),
          UpdateExpression: 'SET #field = :value, itemType = :type',
          ConditionExpression: 'attribute_not_exists(#field) OR #field < :value',
          ExpressionAttributeNames: { '#field': field },
          ExpressionAttributeValues: { ':value': value, ':type': ITEM_TYPE.revisionCounter },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return; // already there or past it
      throw new DependencyError('DynamoDB write failed', error);
    }
  }

  async listTaskDefinitionStamps(family: string, above: number, below: number): Promise<RevisionStamp[]> {
    if (below - above < 2) return [];
    const stamps: RevisionStamp[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk AND SK BETWEEN :low AND :high',
            ExpressionAttributeNames: { '#revision': 'revision', '#registeredAt': 'registeredAt' },
            ExpressionAttributeValues: {
              ':pk': keys.taskDefinitionPartition(family),
              ':low': keys.taskDefinition(family, above + 1).SK,
              ':high': keys.taskDefinition(family, below - 1).SK,
            },
            ProjectionExpression: '#revision, #registeredAt',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of result.Items ?? []) {
          stamps.push({ revision: Number(item.revision), registeredAt: String(item.registeredAt) });
        }
        startKey = result.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw new DependencyError('DynamoDB query failed', error);
    }
    return stamps;
  }

  async createService(service: Service): Promise<void> {
    const key = keys.service(service.cluster, service.serviceName);
    await this.put(
      { ...key, itemType: ITEM_TYPE.service, ...service, ...autoDeployIndex(service) },
      {
        ConditionExpression: 'attribute_not_exists(PK) OR #status = :inactive',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inactive': 'INACTIVE' },
      },
      () => new ConflictError(`Service ${service.serviceName} already exists in cluster ${service.cluster}`),
    );
  }

  async getService(cluster: string, serviceName: string): Promise<Service | undefined> {
    return this.get<Service>(keys.service(cluster, serviceName));
  }

  async listServices(cluster: string, page: PageRequest): Promise<Page<Service>> {
    return this.query<Service>(keys.clusterPartition(cluster), keys.serviceSortPrefix, page, true);
  }

  async updateService(next: Service, previous: Pick<Service, 'version' | 'statusVersion'>): Promise<void> {
    const key = keys.service(next.cluster, next.serviceName);
    await this.put(
      { ...key, itemType: ITEM_TYPE.service, ...next, ...autoDeployIndex(next) },
      {
        ConditionExpression:
          'attribute_exists(PK) AND #version = :version AND #statusVersion = :statusVersion',
        ExpressionAttributeNames: { '#version': 'version', '#statusVersion': 'statusVersion' },
        ExpressionAttributeValues: { ':version': previous.version, ':statusVersion': previous.statusVersion },
      },
      () => new VersionConflictError(`Service ${next.serviceName} was changed concurrently`),
    );
  }

  async addServiceEvents(cluster: string, serviceName: string, events: ServiceEvent[]): Promise<void> {
    // Event ids are unique, so a retried write of the same event lands on the same key: idempotent.
    await Promise.all(
      events.map((event) =>
        this.put({
          ...keys.serviceEvent(cluster, serviceName, event.createdAt, event.id),
          itemType: ITEM_TYPE.serviceEvent,
          ...event,
          expiresAt: Math.floor(Date.parse(event.createdAt) / 1000) + SERVICE_EVENT_RETENTION_SECONDS,
        }),
      ),
    );
  }

  async listServiceEvents(
    cluster: string,
    serviceName: string,
    page: PageRequest,
  ): Promise<Page<ServiceEvent>> {
    return this.query<ServiceEvent>(
      keys.serviceEventsPartition(cluster, serviceName),
      keys.serviceEventSortPrefix,
      page,
      false,
    );
  }

  async registerCluster(cluster: string): Promise<void> {
    await this.put({ ...keys.clusterRegistration(cluster), itemType: ITEM_TYPE.cluster, cluster });
  }

  async listClusters(): Promise<string[]> {
    const clusters: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.query<{ cluster: string }>(
        keys.clusterRegistryPartition,
        keys.clusterRegistrySortPrefix,
        { limit: 1000, nextToken },
        true,
      );
      clusters.push(...page.items.map((item) => item.cluster));
      nextToken = page.nextToken;
    } while (nextToken);
    return clusters;
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
    if (record.lastStatus === 'STOPPED') {
      removals.push('GSI1PK', 'GSI1SK');
      const stoppedAt = Date.parse(record.stoppedAt ?? record.updatedAt);
      values[':expiresAt'] = Math.floor(stoppedAt / 1000) + TASK_HISTORY_SECONDS;
      assignments.push('expiresAt = :expiresAt');
    } else {
      values[':gsi1pk'] = keys.aliveTasksPartition(record.cluster);
      values[':gsi1sk'] = record.taskArn;
      assignments.push('GSI1PK = :gsi1pk', 'GSI1SK = :gsi1sk');
      // A STOPPED guess (the scheduler's) may have come first: TTL must never delete a live task.
      removals.push('expiresAt');
    }
    let applied = false;
    let created = false;
    let wasStopped = false;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.task(record.cluster, serviceName, record.taskId),
          UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(PK) OR #eventVersion < :eventVersion',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      applied = true;
      created = result.Attributes === undefined;
      wasStopped = result.Attributes?.lastStatus === 'STOPPED';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw new DependencyError('DynamoDB write failed', error);
    }
    // The locator is written when the task first appears, and again when it stops so it expires with
    // the task; a locator lost to a crash in between is back by the STOPPED write. A task found alive
    // after a STOPPED record gets its locator back without the expiry.
    if (applied && (created || wasStopped || record.lastStatus === 'STOPPED')) {
      await this.put({
        ...keys.taskLocator(record.cluster, record.taskId),
        itemType: ITEM_TYPE.taskLocator,
        cluster: record.cluster,
        taskId: record.taskId,
        serviceName,
        ...(values[':expiresAt'] === undefined ? {} : { expiresAt: values[':expiresAt'] }),
      });
    }
    if (record.healthStatus === 'HEALTHY') await this.recordHealthy(record, serviceName);
    return applied;
  }

  /**
   * healthyAt is the time of the earliest-version HEALTHY report, whatever order reports arrive in:
   * its own conditional write keeps the lowest version, so a late, older event still lowers it.
   */
  private async recordHealthy(record: TaskRecord, serviceName: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.task(record.cluster, serviceName, record.taskId),
          UpdateExpression: 'SET healthyAt = :at, healthyVersion = :version',
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(healthyVersion) OR healthyVersion > :version)',
          ExpressionAttributeValues: {
            ':at': record.healthyAt ?? record.updatedAt,
            ':version': record.eventVersion,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw new DependencyError('DynamoDB write failed', error);
    }
  }

  async getTask(cluster: string, serviceName: string, taskId: string): Promise<TaskRecord | undefined> {
    return this.get<TaskRecord>(keys.task(cluster, serviceName, taskId));
  }

  async listServiceTasks(cluster: string, serviceName: string): Promise<TaskRecord[]> {
    const tasks: TaskRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.query<TaskRecord>(
        keys.serviceTasksPartition(cluster, serviceName),
        keys.taskSortPrefix,
        { limit: 1000, nextToken },
        true,
      );
      tasks.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return tasks;
  }

  async markTaskMissing(record: TaskRecord, at: string | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.task(record.cluster, record.serviceName ?? keys.unattributedService, record.taskId),
          UpdateExpression: at === undefined ? 'REMOVE missingFromEcsAt' : 'SET missingFromEcsAt = :at',
          // Only on the snapshot the scheduler judged: a newer one has its own word on the task.
          ConditionExpression: 'attribute_exists(PK) AND eventVersion = :version',
          ExpressionAttributeValues: {
            ':version': record.eventVersion,
            ...(at === undefined ? {} : { ':at': at }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new DependencyError('DynamoDB write failed', error);
    }
  }

  async setTaskLoadBalancing(record: TaskRecord, loadBalancing: TaskLoadBalancing): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.task(record.cluster, record.serviceName ?? keys.unattributedService, record.taskId),
          UpdateExpression: 'SET loadBalancing = :loadBalancing',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':loadBalancing': loadBalancing },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new DependencyError('DynamoDB write failed', error);
    }
  }

  async listAliveTasks(cluster: string): Promise<TaskRecord[]> {
    return this.queryIndexPartition<TaskRecord>(keys.aliveTasksPartition(cluster));
  }

  async findTask(cluster: string, taskId: string): Promise<TaskRecord | undefined> {
    const locator = await this.get<{ serviceName: string }>(keys.taskLocator(cluster, taskId));
    return locator ? this.getTask(cluster, locator.serviceName, taskId) : undefined;
  }

  async listTaskPage(cluster: string, serviceName: string, page: TaskPageRequest): Promise<Page<TaskRecord>> {
    const partition = keys.serviceTasksPartition(cluster, serviceName);
    return this.queryTaskPage(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': keys.taskSortPrefix },
        ExclusiveStartKey: decodePageToken(page.nextToken, partition),
        ConsistentRead: true,
      },
      page,
      (task) => encodePageToken({ ...keys.task(cluster, serviceName, task.taskId) }),
      (lastKey) => encodePageToken(lastKey),
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
    // Bounded, so one API call does bounded work even over a partition the filter mostly rejects.
    for (let reads = 0; reads < MAX_FILTERED_READS; reads++) {
      let result: QueryCommandOutput;
      try {
        result = await this.client.send(
          new QueryCommand({
            ...base,
            TableName: this.tableName,
            ExpressionAttributeValues: values,
            ...(filters.length > 0
              ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names }
              : {}),
            ExclusiveStartKey: startKey,
            Limit: Math.max(page.limit, 100),
          }),
        );
      } catch (error) {
        throw new DependencyError('DynamoDB query failed', error);
      }
      items.push(...(result.Items ?? []).map((item) => stripKeys<TaskRecord>(item)));
      startKey = result.LastEvaluatedKey;
      if (items.length >= page.limit) {
        const kept = items.slice(0, page.limit);
        const more = items.length > page.limit || startKey !== undefined;
        const nextToken = more ? tokenAfter(kept[kept.length - 1]!) : undefined;
        return nextToken ? { items: kept, nextToken } : { items: kept };
      }
      if (!startKey) return { items };
    }
    const nextToken = startKey ? tokenOf(startKey) : undefined;
    return nextToken ? { items, nextToken } : { items };
  }

  async acquireLease(
    cluster: string,
    serviceName: string,
    owner: string,
    ttlMs: number,
    nowMs: number,
    requestedAfter?: number,
  ): Promise<LeaseResult> {
    const free = '(attribute_not_exists(leaseUntil) OR leaseUntil < :now OR #owner = :owner)';
    const unanswered = '(attribute_not_exists(passStartedAt) OR passStartedAt <= :requestedAfter)';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.reconcileLease(cluster, serviceName),
          UpdateExpression:
            'SET itemType = :itemType, #owner = :owner, leaseUntil = :until, expiresAt = :expiresAt',
          ConditionExpression: requestedAfter === undefined ? free : `${free} AND ${unanswered}`,
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':itemType': ITEM_TYPE.lease,
            ':owner': owner,
            ':until': nowMs + ttlMs,
            ':now': nowMs,
            ':expiresAt': Math.floor((nowMs + LEASE_ITEM_TTL_MS) / 1000),
            ...(requestedAfter === undefined ? {} : { ':requestedAfter': requestedAfter }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'acquired';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw new DependencyError('DynamoDB write failed', error);
      }
      const old = error.Item;
      const leaseUntil = Number(old?.leaseUntil?.N ?? 0);
      const passStartedAt = Number(old?.passStartedAt?.N ?? Number.NEGATIVE_INFINITY);
      const held = leaseUntil >= nowMs && old?.owner?.S !== owner;
      return !held && requestedAfter !== undefined && passStartedAt > requestedAfter ? 'superseded' : 'held';
    }
  }

  async reconcileMarks(cluster: string, serviceNames: string[]): Promise<Map<string, ReconcileMark>> {
    const marks = new Map<string, ReconcileMark>();
    const leaseKeys = serviceNames.map((name) => keys.reconcileLease(cluster, name));
    const nameOf = new Map(leaseKeys.map((key, index) => [key.PK, serviceNames[index]!]));
    for (let start = 0; start < leaseKeys.length; start += MAX_BATCH_GET) {
      let pending: Record<string, unknown>[] = leaseKeys
        .slice(start, start + MAX_BATCH_GET)
        .map((key) => ({ ...key }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_BATCH_ATTEMPTS) {
          throw new DependencyError('DynamoDB BatchGetItem kept returning unprocessed keys');
        }
        let result: BatchGetCommandOutput;
        try {
          result = await this.client.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: pending,
                  ProjectionExpression: 'PK, scheduledAt, passStartedAt',
                },
              },
            }),
          );
        } catch (error) {
          throw new DependencyError('DynamoDB read failed', error);
        }
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const name = nameOf.get(String(item.PK));
          if (name === undefined) continue;
          marks.set(name, {
            ...(typeof item.scheduledAt === 'number' ? { scheduledAt: item.scheduledAt } : {}),
            ...(typeof item.passStartedAt === 'number' ? { passStartedAt: item.passStartedAt } : {}),
          });
        }
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return marks;
  }

  async markScheduled(cluster: string, serviceName: string, scheduledAt: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.reconcileLease(cluster, serviceName),
          UpdateExpression: 'SET itemType = :itemType, scheduledAt = :scheduledAt, expiresAt = :expiresAt',
          ExpressionAttributeValues: {
            ':itemType': ITEM_TYPE.lease,
            ':scheduledAt': scheduledAt,
            ':expiresAt': Math.floor((scheduledAt + LEASE_ITEM_TTL_MS) / 1000),
          },
        }),
      );
    } catch (error) {
      throw new DependencyError('DynamoDB write failed', error);
    }
  }

  async releaseLease(
    cluster: string,
    serviceName: string,
    owner: string,
    completedPassStartedAt?: number,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.reconcileLease(cluster, serviceName),
          UpdateExpression:
            completedPassStartedAt === undefined
              ? 'SET leaseUntil = :ended REMOVE #owner'
              : 'SET leaseUntil = :ended, passStartedAt = :passStartedAt REMOVE #owner',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':ended': 0,
            ...(completedPassStartedAt === undefined ? {} : { ':passStartedAt': completedPassStartedAt }),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new DependencyError('DynamoDB write failed', error);
    }
  }

  async reserveRate(bucket: string, costMs: number, toleranceMs: number, nowMs: number): Promise<number> {
    const tat = await this.moveRateTimeline(bucket, (current) => Math.max(current, nowMs) + costMs);
    return Math.max(nowMs, tat - toleranceMs);
  }

  async drainRate(bucket: string, toleranceMs: number, nowMs: number): Promise<void> {
    await this.moveRateTimeline(bucket, (current) => Math.max(current, nowMs + toleranceMs));
  }

  /** Read, then a conditional write of the next instant; a lost race reads again. Returns the instant written. */
  private async moveRateTimeline(bucket: string, next: (current: number) => number): Promise<number> {
    const key = keys.rateBucket(bucket);
    for (let attempt = 0; attempt < MAX_RATE_ATTEMPTS; attempt++) {
      const current = await this.get<{ tat: number }>(key);
      const tat = next(current?.tat ?? 0);
      if (current !== undefined && tat === current.tat) return tat;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, itemType: ITEM_TYPE.rateBucket, tat },
            ConditionExpression: current === undefined ? 'attribute_not_exists(PK)' : 'tat = :seen',
            ...(current === undefined ? {} : { ExpressionAttributeValues: { ':seen': current.tat } }),
          }),
        );
        return tat;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) {
          throw new DependencyError('DynamoDB write failed', error);
        }
        await this.pauseAfterLostRace(attempt);
      }
    }
    throw new DependencyError(`Rate budget ${bucket}: ${MAX_RATE_ATTEMPTS} writes in a row lost a race`);
  }

  async listAutoDeployServices(): Promise<Service[]> {
    return this.queryIndexPartition<Service>(keys.autoDeployPartition);
  }

  /** Every item of one GSI1 partition, all pages. */
  private async queryIndexPartition<T>(partition: string): Promise<T[]> {
    const items: T[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      let result: QueryCommandOutput;
      try {
        result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: keys.sparseIndex,
            KeyConditionExpression: 'GSI1PK = :pk',
            ExpressionAttributeValues: { ':pk': partition },
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
      } catch (error) {
        throw new DependencyError('DynamoDB query failed', error);
      }
      items.push(...(result.Items ?? []).map((item) => stripKeys<T>(item)));
      exclusiveStartKey = result.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
  }

  async claimDeployRequest(
    request: DeployRequest,
    nowMs: number,
  ): Promise<{ claimed: boolean; request: DeployRequest }> {
    const key = keys.deployRequest(request.cluster, request.serviceName, request.requestKey);
    const item = (record: DeployRequest) => ({ ...key, itemType: ITEM_TYPE.deployRequest, ...record });
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item(request),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return { claimed: true, request };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw new DependencyError('DynamoDB write failed', error);
    }
    const existing = await this.get<DeployRequest>(key);
    // Gone in between (expired by TTL): the caller's retry claims it afresh.
    if (!existing)
      throw new VersionConflictError(`Deploy request ${request.requestKey} changed concurrently`);
    if (existing.status === 'DONE' || existing.leaseUntil >= nowMs)
      return { claimed: false, request: existing };
    // The owner's lease lapsed (it crashed): take over what it recorded, if nobody else did first.
    const takenOver: DeployRequest = {
      ...existing,
      owner: request.owner,
      leaseUntil: request.leaseUntil,
      expiresAt: request.expiresAt,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item(takenOver),
          ConditionExpression: '#owner = :owner AND leaseUntil = :leaseUntil AND #status = :pending',
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: {
            ':owner': existing.owner,
            ':leaseUntil': existing.leaseUntil,
            ':pending': 'PENDING',
          },
        }),
      );
      return { claimed: true, request: takenOver };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw new DependencyError('DynamoDB write failed', error);
      throw new VersionConflictError(
        `Deploy request ${request.requestKey} was taken over concurrently`,
        error,
      );
    }
  }

  async saveDeployRequest(request: DeployRequest): Promise<void> {
    await this.put(
      {
        ...keys.deployRequest(request.cluster, request.serviceName, request.requestKey),
        itemType: ITEM_TYPE.deployRequest,
        ...request,
      },
      {
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': request.owner },
      },
      () => new VersionConflictError(`Deploy request ${request.requestKey} was taken over by another worker`),
    );
  }

  private async get<T>(key: ItemKey): Promise<T | undefined> {
    try {
      const result = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return result.Item ? stripKeys<T>(result.Item) : undefined;
    } catch (error) {
      throw new DependencyError('DynamoDB read failed', error);
    }
  }

  private async put(
    item: Item,
    condition: Omit<PutCommandInput, 'TableName' | 'Item'> = {},
    onConditionFailed?: () => Error,
  ): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && onConditionFailed) {
        const typed = onConditionFailed();
        (typed as { cause?: unknown }).cause = error;
        throw typed;
      }
      throw new DependencyError('DynamoDB write failed', error);
    }
  }

  private async query<T>(
    partition: string,
    sortPrefix: string,
    page: PageRequest,
    ascending: boolean,
  ): Promise<Page<T>> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': partition, ':prefix': sortPrefix },
      ScanIndexForward: ascending,
      Limit: page.limit,
      ExclusiveStartKey: decodePageToken(page.nextToken, partition),
      ConsistentRead: page.consistentRead ?? true,
    };
    let result: QueryCommandOutput;
    try {
      result = await this.client.send(new QueryCommand(input));
    } catch (error) {
      throw new DependencyError('DynamoDB query failed', error);
    }
    const items = (result.Items ?? []).map((item) => stripKeys<T>(item));
    const nextToken = encodePageToken(result.LastEvaluatedKey);
    return nextToken ? { items, nextToken } : { items };
  }
}

/**
 * Storage of auto scaling (issue 15), apart from the main port so its fakes stay small: one scaling-state
 * item per scaled service (the samples the stabilization window needs, the last scale-out, the last
 * evaluation) that is also the sparse index of scaled services, and the scaling activities.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { Page, ScalingActivity, Service } from '../domain';
import { DependencyError, VersionConflictError } from '../errors';
import type { AlarmRecord } from '../scaling/alarms';
import type { Sample } from '../scaling/decide';
import { ITEM_TYPE, keys } from './keys';
import { decodePageToken, encodePageToken } from './page-token';
import type { PageRequest } from './port';

export interface ScalingStateRecord {
  cluster: string;
  serviceName: string;
  /** When auto scaling was set (epoch ms): rate() schedules count from here. */
  registeredAt: number;
  /** The instant of the last evaluation (epoch ms); scheduled actions due after it apply next. */
  lastEvaluatedAt?: number;
  lastScaleOutAt?: number;
  /** When every CloudWatch policy was last read (the scale-in poll, every few minutes). */
  lastPolledAt?: number;
  /** The scale-out alarms put, by policy name (name and spec hash): only a changed spec is put again. */
  alarms?: Record<string, AlarmRecord>;
  /** Samples of each policy's stabilization window, by policy name. */
  samples: Record<string, Sample[]>;
  /** CPU units and MiB of one task of `taskDefinition`, cached for the utilization samples. */
  taskDefinition?: string;
  taskCpu?: number;
  taskMemory?: number;
  /** Optimistic-locking counter (0 before the first save). */
  version: number;
}

export interface ScalingStore {
  /** Creates the state of a service that now scales; keeps an existing one. */
  registerScaling(cluster: string, serviceName: string, at: number): Promise<void>;
  /** Every scaled service's state, from the sparse index (eventually consistent). */
  listScalingStates(): Promise<ScalingStateRecord[]>;
  /** Writes `next` if the stored version is still `next.version - 1`; VersionConflictError otherwise. */
  saveScalingState(next: ScalingStateRecord): Promise<void>;
  /** Removes the state (the service no longer scales); with `version`, only if it is still that one. */
  deleteScalingState(cluster: string, serviceName: string, version?: number): Promise<void>;
  /** Services by name, 100 to a BatchGetItem; missing ones are left out. */
  getServices(names: { cluster: string; serviceName: string }[]): Promise<Service[]>;
  addScalingActivity(cluster: string, serviceName: string, activity: ScalingActivity): Promise<void>;
  /** Newest first. */
  listScalingActivities(
    cluster: string,
    serviceName: string,
    page: PageRequest,
  ): Promise<Page<ScalingActivity>>;
}

/** Scaling activities expire with the service events (DynamoDB TTL). */
export const SCALING_ACTIVITY_RETENTION_SECONDS = 90 * 24 * 3600;
const MAX_BATCH_GET = 100;
const MAX_BATCH_ATTEMPTS = 8;

/** A stable shard of the index partition, so the scaled services spread over a few partitions. */
export const scalingShard = (cluster: string, serviceName: string): number => {
  let hash = 2166136261;
  for (const char of `${cluster}#${serviceName}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return (hash >>> 0) % keys.autoScalingShards;
};

type Item = Record<string, unknown>;

const strip = <T>(item: Item): T => {
  const { PK: _pk, SK: _sk, itemType: _t, GSI1PK: _g, GSI1SK: _s, expiresAt: _e, ...rest } = item;
  return rest as T;
};

export class DynamoDbScalingStore implements ScalingStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private item(state: ScalingStateRecord): Item {
    return {
      ...keys.scalingState(state.cluster, state.serviceName),
      itemType: ITEM_TYPE.scalingState,
      GSI1PK: keys.autoScalingPartition(scalingShard(state.cluster, state.serviceName)),
      GSI1SK: keys.autoDeploySortKey(state.cluster, state.serviceName),
      ...state,
    };
  }

  private async send<T>(command: unknown, what: string): Promise<T> {
    try {
      return (await (this.client.send as (command: unknown) => Promise<unknown>).call(
        this.client,
        command,
      )) as T;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw new DependencyError(`DynamoDB ${what} failed`, error);
    }
  }

  async registerScaling(cluster: string, serviceName: string, at: number): Promise<void> {
    const state: ScalingStateRecord = { cluster, serviceName, registeredAt: at, samples: {}, version: 1 };
    try {
      await this.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(state),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
        'write',
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async listScalingStates(): Promise<ScalingStateRecord[]> {
    const shards = Array.from({ length: keys.autoScalingShards }, (_, shard) => shard);
    const pages = await Promise.all(
      shards.map(async (shard) => {
        const items: ScalingStateRecord[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const result = await this.send<QueryCommandOutput>(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: keys.sparseIndex,
              KeyConditionExpression: 'GSI1PK = :pk',
              ExpressionAttributeValues: { ':pk': keys.autoScalingPartition(shard) },
              ExclusiveStartKey: start,
            }),
            'query',
          );
          items.push(...(result.Items ?? []).map((item) => strip<ScalingStateRecord>(item)));
          start = result.LastEvaluatedKey;
        } while (start);
        return items;
      }),
    );
    return pages.flat();
  }

  async saveScalingState(next: ScalingStateRecord): Promise<void> {
    try {
      await this.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(next),
          ConditionExpression: '#version = :previous',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':previous': next.version - 1 },
        }),
        'write',
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new VersionConflictError(`Scaling state of ${next.serviceName} was changed concurrently`);
      throw error;
    }
  }

  async deleteScalingState(cluster: string, serviceName: string, version?: number): Promise<void> {
    try {
      await this.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.scalingState(cluster, serviceName),
          ...(version === undefined
            ? {}
            : {
                ConditionExpression: '#version = :version',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':version': version },
              }),
        }),
        'delete',
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async getServices(names: { cluster: string; serviceName: string }[]): Promise<Service[]> {
    const services: Service[] = [];
    const chunks: Item[][] = [];
    for (let start = 0; start < names.length; start += MAX_BATCH_GET)
      chunks.push(
        names.slice(start, start + MAX_BATCH_GET).map((n) => ({ ...keys.service(n.cluster, n.serviceName) })),
      );
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: Item[] = chunk;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= MAX_BATCH_ATTEMPTS)
            throw new DependencyError('DynamoDB BatchGetItem kept returning unprocessed keys');
          const result = await this.send<{
            Responses?: Record<string, Item[]>;
            UnprocessedKeys?: Record<string, { Keys?: Item[] }>;
          }>(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }), 'read');
          services.push(...(result.Responses?.[this.tableName] ?? []).map((item) => strip<Service>(item)));
          pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
          if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        }
      }),
    );
    return services;
  }

  async addScalingActivity(cluster: string, serviceName: string, activity: ScalingActivity): Promise<void> {
    await this.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.scalingActivity(cluster, serviceName, activity.startedAt, activity.id),
          itemType: ITEM_TYPE.scalingActivity,
          ...activity,
          expiresAt: Math.floor(Date.parse(activity.startedAt) / 1000) + SCALING_ACTIVITY_RETENTION_SECONDS,
        },
      }),
      'write',
    );
  }

  async listScalingActivities(
    cluster: string,
    serviceName: string,
    page: PageRequest,
  ): Promise<Page<ScalingActivity>> {
    const partition = keys.scalingActivitiesPartition(cluster, serviceName);
    const result = await this.send<QueryCommandOutput>(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': keys.scalingActivitySortPrefix },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: decodePageToken(page.nextToken, partition),
        ConsistentRead: true,
      }),
      'query',
    );
    const items = (result.Items ?? []).map((item) => strip<ScalingActivity>(item));
    const nextToken = encodePageToken(result.LastEvaluatedKey);
    return nextToken ? { items, nextToken } : { items };
  }
}

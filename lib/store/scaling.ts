/**
 * Storage of auto scaling, apart from the main port so its fakes stay small: one scaling-state
 * item per scaled service (the samples the stabilization window needs, the last scale-out, the last
 * evaluation) that is also the sparse index of scaled services, and the scaling activities.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmRecord, Page, Sample, ScalingActivity, Service } from '../domain';
import { VersionConflictError } from '../errors';
import { ITEM_TYPE, keys } from './keys';
import type { PageRequest } from './port';
import { serviceHistory } from './service-history';
import { SERVICE_EVENT_RETENTION_SECONDS } from './services';
import { type Item, isConditionFailed, stripKeys, Table } from './table';

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
  /** Policies whose scale-out alarm could not be put: their metric is read every minute meanwhile. */
  unwatched?: string[];
  /** What could not be read for it at the last evaluation (an event is written when this changes). */
  readFailure?: string;
  /** After a scale-out, request-count policies wait until this many targets are healthy, or `until`. */
  targetWait?: { toCount: number; until: number };
  /**
   * Request-count policies: each target group's healthy targets when last seen, and since when that many
   * (epoch ms). A minute that began before is not read: fewer targets may have served it.
   */
  healthyTargets?: Record<string, { count: number; since: number }>;
  /** Optimistic-locking counter (0 before the first save). */
  version: number;
}

export interface ScalingStore {
  /**
   * Creates the state of a service that now scales; an existing one is kept with its version bumped, so an
   * evaluator that read it before (and saw the service not scaling) cannot delete it.
   */
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
export const SCALING_ACTIVITY_RETENTION_SECONDS = SERVICE_EVENT_RETENTION_SECONDS;

/** A stable shard of the index partition, so the scaled services spread over a few partitions. */
export const scalingShard = (cluster: string, serviceName: string): number => {
  let hash = 2166136261;
  for (const char of `${cluster}#${serviceName}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return (hash >>> 0) % keys.autoScalingShards;
};

export class DynamoDbScalingStore implements ScalingStore {
  private readonly table: Table;

  private readonly activities;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = new Table(client, tableName);
    this.activities = serviceHistory<ScalingActivity>(
      this.table,
      keys.scalingActivities,
      ITEM_TYPE.scalingActivity,
      (activity) => activity.startedAt,
      SCALING_ACTIVITY_RETENTION_SECONDS,
    );
  }

  private item(state: ScalingStateRecord): Item {
    return {
      ...keys.scalingState(state.cluster, state.serviceName),
      itemType: ITEM_TYPE.scalingState,
      GSI1PK: keys.autoScalingPartition(scalingShard(state.cluster, state.serviceName)),
      GSI1SK: keys.autoDeploySortKey(state.cluster, state.serviceName),
      ...state,
    };
  }

  async registerScaling(cluster: string, serviceName: string, at: number): Promise<void> {
    const state: ScalingStateRecord = { cluster, serviceName, registeredAt: at, samples: {}, version: 1 };
    // Created, or kept one version on; a state deleted between the two writes is created on the next turn.
    for (let attempt = 0; attempt < 3; attempt++) {
      const created = await this.table.sendIfCondition(
        new PutCommand({
          TableName: this.table.name,
          Item: this.item(state),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      if (created) return;
      const bumped = await this.table.sendIfCondition(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.scalingState(cluster, serviceName),
          UpdateExpression: 'SET #version = #version + :one',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
      if (bumped) return;
    }
    throw new VersionConflictError(`Scaling state of ${serviceName} kept changing while it was registered`);
  }

  async listScalingStates(): Promise<ScalingStateRecord[]> {
    const shards = Array.from({ length: keys.autoScalingShards }, (_, shard) => shard);
    const states = await Promise.all(
      shards.map((shard) =>
        this.table.queryIndexPartition<ScalingStateRecord>(keys.autoScalingPartition(shard)),
      ),
    );
    return states.flat();
  }

  async saveScalingState(next: ScalingStateRecord): Promise<void> {
    try {
      await this.table.send(
        new PutCommand({
          TableName: this.table.name,
          Item: this.item(next),
          ConditionExpression: '#version = :previous',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':previous': next.version - 1 },
        }),
        'write',
      );
    } catch (error) {
      if (isConditionFailed(error))
        throw new VersionConflictError(`Scaling state of ${next.serviceName} was changed concurrently`);
      throw error;
    }
  }

  async deleteScalingState(cluster: string, serviceName: string, version?: number): Promise<void> {
    // A failed condition: somebody saved it meanwhile; it stays.
    await this.table.sendIfCondition(
      new DeleteCommand({
        TableName: this.table.name,
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
  }

  async getServices(names: { cluster: string; serviceName: string }[]): Promise<Service[]> {
    const found = await this.table.batchGet(names.map((n) => keys.service(n.cluster, n.serviceName)));
    return found.map((item) => stripKeys<Service>(item));
  }

  async addScalingActivity(cluster: string, serviceName: string, activity: ScalingActivity): Promise<void> {
    await this.activities.add(cluster, serviceName, [activity]);
  }

  async listScalingActivities(
    cluster: string,
    serviceName: string,
    page: PageRequest,
  ): Promise<Page<ScalingActivity>> {
    return this.activities.newestFirst(cluster, serviceName, page);
  }
}

/**
 * The reconcile lease of each service, and the marks on the same item: when the scheduler last asked
 * for a pass, and when the last completed pass started.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DAY_SECONDS } from '../time';
import { ITEM_TYPE, keys } from './keys';
import type { LeaseResult, ReconcileMark, TugboatStore } from './port';
import { expiryAfter, isConditionFailed, type Table } from './table';

type LeasePort = Pick<TugboatStore, 'acquireLease' | 'reconcileMarks' | 'markScheduled' | 'releaseLease'>;

/**
 * A lease item outlives its service by this much (DynamoDB TTL): longer than any reconcile request can
 * wait in SQS (retention at most 14 days), so a request never meets a marker-less lease by expiry.
 */
const LEASE_ITEM_TTL_SECONDS = 15 * DAY_SECONDS;

export class LeaseItems implements LeasePort {
  constructor(private readonly table: Table) {}

  async acquireLease(
    ...[cluster, serviceName, owner, ttlMs, nowMs, requestedAfter]: Parameters<TugboatStore['acquireLease']>
  ): Promise<LeaseResult> {
    const free = '(attribute_not_exists(leaseUntil) OR leaseUntil < :now OR #owner = :owner)';
    const unanswered = '(attribute_not_exists(passStartedAt) OR passStartedAt <= :requestedAfter)';
    try {
      await this.table.send(
        new UpdateCommand({
          TableName: this.table.name,
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
            ':expiresAt': expiryAfter(nowMs, LEASE_ITEM_TTL_SECONDS),
            ...(requestedAfter === undefined ? {} : { ':requestedAfter': requestedAfter }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        'write',
      );
      return 'acquired';
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const old = error.Item;
      const leaseUntil = Number(old?.leaseUntil?.N ?? 0);
      const passStartedAt = Number(old?.passStartedAt?.N ?? Number.NEGATIVE_INFINITY);
      const held = leaseUntil >= nowMs && old?.owner?.S !== owner;
      return !held && requestedAfter !== undefined && passStartedAt > requestedAfter ? 'superseded' : 'held';
    }
  }

  async reconcileMarks(cluster: string, serviceNames: string[]): Promise<Map<string, ReconcileMark>> {
    const leaseKeys = serviceNames.map((name) => keys.reconcileLease(cluster, name));
    const nameOf = new Map(leaseKeys.map((key, index) => [key.PK, serviceNames[index]!]));
    const marks = new Map<string, ReconcileMark>();
    for (const item of await this.table.batchGet(leaseKeys, 'PK, scheduledAt, passStartedAt')) {
      const name = nameOf.get(String(item.PK));
      if (name === undefined) continue;
      marks.set(name, {
        ...(typeof item.scheduledAt === 'number' ? { scheduledAt: item.scheduledAt } : {}),
        ...(typeof item.passStartedAt === 'number' ? { passStartedAt: item.passStartedAt } : {}),
      });
    }
    return marks;
  }

  async markScheduled(cluster: string, serviceName: string, scheduledAt: number): Promise<void> {
    await this.table.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.reconcileLease(cluster, serviceName),
        UpdateExpression: 'SET itemType = :itemType, scheduledAt = :scheduledAt, expiresAt = :expiresAt',
        ExpressionAttributeValues: {
          ':itemType': ITEM_TYPE.lease,
          ':scheduledAt': scheduledAt,
          ':expiresAt': expiryAfter(scheduledAt, LEASE_ITEM_TTL_SECONDS),
        },
      }),
      'write',
    );
  }

  async releaseLease(
    cluster: string,
    serviceName: string,
    owner: string,
    completedPassStartedAt?: number,
  ): Promise<void> {
    // A failed condition: the lease is somebody else's now, and theirs to end.
    await this.table.sendIfCondition(
      new UpdateCommand({
        TableName: this.table.name,
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
  }
}

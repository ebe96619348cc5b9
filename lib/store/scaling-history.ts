/**
 * The recent history of each target tracking policy's metric, for the console's charts: one item per
 * service and hour, its points appended (UpdateItem list_append) by the scaling evaluator when it read
 * something new, expiring (DynamoDB TTL) POLICY_HISTORY_HOURS after its hour ends.
 *
 * Why one item per service-hour: the evaluator reads a service's metrics once a minute at most, so an
 * item per point would be 60 writes and 60 items an hour to read back; an ever-growing item per service
 * would cost more write units each minute (a write pays for the whole item, 1 KB a unit) and need a
 * read-modify-write to trim it. An hour's item stays small (about 25 bytes a point: 1-2 write units per
 * append for a policy), costs no read before the write, and six hours are one Query of six items.
 */
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ITEM_TYPE, keys } from './keys';
import { expiryAfter, Table } from './table';

/** How far back the history goes (and its TTL after each hour ends). */
export const POLICY_HISTORY_HOURS = 6;
const HOUR_MS = 60 * 60_000;

/** One reading of a policy's metric, in its target's units. */
export interface PolicyPoint {
  policy: string;
  /** Epoch ms. */
  at: number;
  value: number;
}

export interface ScalingHistoryStore {
  /** Appends points (any instants; grouped into their hours' items). */
  appendPolicyPoints(cluster: string, serviceName: string, points: PolicyPoint[]): Promise<void>;
  /** The points from `since` (epoch ms) on, oldest first; a point recorded twice is kept once. */
  readPolicyPoints(cluster: string, serviceName: string, since: number): Promise<PolicyPoint[]>;
}

/** Stored per point: the policy, seconds into the hour, the value (short names: every byte is paid for). */
interface StoredPoint {
  p: string;
  s: number;
  v: number;
}

const partition = keys.scalingHistoryPartition;
const hourKey = keys.scalingHistoryHour;
const hourOf = (at: number) => Math.floor(at / HOUR_MS) * HOUR_MS;

export class DynamoDbScalingHistory implements ScalingHistoryStore {
  private readonly table: Table;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = new Table(client, tableName);
  }

  async appendPolicyPoints(cluster: string, serviceName: string, points: PolicyPoint[]): Promise<void> {
    const byHour = new Map<number, StoredPoint[]>();
    for (const point of points) {
      const hour = hourOf(point.at);
      const stored = { p: point.policy, s: Math.round((point.at - hour) / 1000), v: point.value };
      byHour.set(hour, [...(byHour.get(hour) ?? []), stored]);
    }
    await Promise.all(
      [...byHour].map(([hour, stored]) =>
        this.table.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: { PK: partition(cluster, serviceName), SK: hourKey(hour) },
            UpdateExpression:
              'SET itemType = :type, hourStart = :hour, expiresAt = :expires, points = list_append(if_not_exists(points, :empty), :points)',
            ExpressionAttributeValues: {
              ':type': ITEM_TYPE.scalingHistory,
              ':hour': hour,
              ':expires': expiryAfter(hour + HOUR_MS, POLICY_HISTORY_HOURS * 3600),
              ':empty': [],
              ':points': stored,
            },
          }),
          'write',
        ),
      ),
    );
  }

  async readPolicyPoints(cluster: string, serviceName: string, since: number): Promise<PolicyPoint[]> {
    const result = await this.table.send<QueryCommandOutput>(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': partition(cluster, serviceName),
          ':from': hourKey(hourOf(since)),
          ':to': keys.scalingHistoryEnd,
        },
      }),
      'read',
    );
    // The newer reading of a policy's instant wins (a poll re-reads the last minutes).
    const latest = new Map<string, PolicyPoint>();
    for (const item of result.Items ?? []) {
      const hour = Number(item.hourStart);
      for (const point of (item.points ?? []) as StoredPoint[]) {
        const at = hour + point.s * 1000;
        if (at >= since) latest.set(`${point.p}\n${at}`, { policy: point.p, at, value: point.v });
      }
    }
    return [...latest.values()].sort((a, b) => a.at - b.at);
  }
}

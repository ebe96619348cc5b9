/**
 * The one table every store module writes through: one `send` that turns DynamoDB's failures into a
 * DependencyError (a failed condition is passed on as it is: what it means is the caller's to say), and
 * the reads every module shares (a consistent get, a page of a partition, every page of a query, a
 * batch get).
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandOutput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Page } from '../domain';
import { DependencyError } from '../errors';
import { epochSeconds } from '../time';
import { type ItemKey, keys } from './keys';
import { decodeKeyPageToken, encodeKeyPageToken } from './page-token';
import type { PageRequest } from './port';

export type Item = Record<string, unknown>;

/** One write of a TransactWriteItems call (Put, Update, Delete or ConditionCheck). */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction either wrote every item, or none: then each item's cancellation code, in order. */
export type TransactResult = { written: true } | { written: false; reasons: string[] };

/** What a call did, for the DependencyError's message. */
type CallKind = 'read' | 'write' | 'query' | 'delete';

/** BatchGetItem takes at most 100 keys; unprocessed keys are asked for again, a few times. */
const MAX_BATCH_GET = 100;
const MAX_BATCH_ATTEMPTS = 8;

export const isConditionFailed = (error: unknown): error is ConditionalCheckFailedException =>
  error instanceof ConditionalCheckFailedException;

/** An item as the domain sees it: without the table's keys and bookkeeping attributes. */
export const stripKeys = <T>(item: Item): T => {
  const {
    PK: _pk,
    SK: _sk,
    itemType: _type,
    GSI1PK: _gpk,
    GSI1SK: _gsk,
    GSI2SK: _stopped,
    liveIndexed: _indexed,
    expiresAt: _ttl,
    healthyVersion: _hv,
    ...rest
  } = item;
  return rest as T;
};

/** A page, with a nextToken only where there is more. */
export const pageOf = <T>(items: T[], nextToken: string | undefined): Page<T> =>
  nextToken ? { items, nextToken } : { items };

/** The TTL attribute (epoch seconds) of an item DynamoDB deletes `seconds` after `instantMs`. */
export const expiryAfter = (instantMs: number, seconds: number): number => epochSeconds(instantMs) + seconds;

export class Table {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  /**
   * Sends one command. A failed condition (or a cancelled transaction) is rethrown as it is; any other
   * failure is a DependencyError.
   */
  async send<Output>(command: object, kind: CallKind): Promise<Output> {
    try {
      return (await (this.client.send as (command: object) => Promise<unknown>).call(
        this.client,
        command,
      )) as Output;
    } catch (error) {
      if (isConditionFailed(error) || error instanceof TransactionCanceledException) throw error;
      throw new DependencyError(`DynamoDB ${kind} failed`, error);
    }
  }

  /** Sends a conditional write; undefined when its condition failed. */
  async sendIfCondition<Output>(command: object, kind: CallKind = 'write'): Promise<Output | undefined> {
    try {
      return await this.send<Output>(command, kind);
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  /** A consistent read of one item, keys stripped. */
  async get<T>(key: ItemKey): Promise<T | undefined> {
    const result = await this.send<GetCommandOutput>(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
      'read',
    );
    return result.Item ? stripKeys<T>(result.Item) : undefined;
  }

  /** Puts an item; a failed condition throws `onConditionFailed()` (with the cause kept) when given. */
  async put(
    item: Item,
    condition: Omit<PutCommandInput, 'TableName' | 'Item'> = {},
    onConditionFailed?: () => Error,
  ): Promise<void> {
    try {
      await this.send(new PutCommand({ TableName: this.name, Item: item, ...condition }), 'write');
    } catch (error) {
      if (isConditionFailed(error) && onConditionFailed) {
        const typed = onConditionFailed();
        (typed as { cause?: unknown }).cause = error;
        throw typed;
      }
      if (isConditionFailed(error)) throw new DependencyError('DynamoDB write failed', error);
      throw error;
    }
  }

  /**
   * Writes the items all or none (TransactWriteItems). A cancelled transaction answers each item's
   * code (`ConditionalCheckFailed`, `TransactionConflict`, `None` ...) for the caller to judge.
   */
  async transactWrite(items: TransactItem[]): Promise<TransactResult> {
    try {
      await this.send(new TransactWriteCommand({ TransactItems: items }), 'write');
      return { written: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      return { written: false, reasons: (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None') };
    }
  }

  /** One page of a partition's items whose sort key starts with `sortPrefix`; the token stays in the partition. */
  async queryPage<T>(
    partition: string,
    sortPrefix: string,
    page: PageRequest,
    ascending: boolean,
  ): Promise<Page<T>> {
    const result = await this.send<QueryCommandOutput>(
      new QueryCommand({
        TableName: this.name,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': sortPrefix },
        ScanIndexForward: ascending,
        Limit: page.limit,
        ExclusiveStartKey: decodeKeyPageToken(page.nextToken, partition),
        ConsistentRead: page.consistentRead ?? true,
      }),
      'query',
    );
    const items = (result.Items ?? []).map((item) => stripKeys<T>(item));
    return pageOf(items, encodeKeyPageToken(result.LastEvaluatedKey));
  }

  /** The pages of a query, one DynamoDB call each, from `ExclusiveStartKey` (if given) on. */
  async *pages(input: Omit<QueryCommandInput, 'TableName'>): AsyncGenerator<QueryCommandOutput> {
    let startKey = input.ExclusiveStartKey;
    do {
      const result = await this.send<QueryCommandOutput>(
        new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey: startKey }),
        'query',
      );
      yield result;
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  /** Every item a query finds, all pages read (items as stored: strip them where the domain wants). */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    for await (const result of this.pages(input)) items.push(...(result.Items ?? []));
    return items;
  }

  /** Every item of one partition of the sparse index, keys stripped. */
  async queryIndexPartition<T>(partition: string): Promise<T[]> {
    const items = await this.queryAll({
      IndexName: keys.sparseIndex,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': partition },
    });
    return items.map((item) => stripKeys<T>(item));
  }

  /** Every item of a partition whose sort key starts with `sortPrefix`, consistently, keys stripped. */
  async queryPartition<T>(partition: string, sortPrefix: string): Promise<T[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': partition, ':prefix': sortPrefix },
      ConsistentRead: true,
    });
    return items.map((item) => stripKeys<T>(item));
  }

  /**
   * The items of these keys (missing ones left out), 100 to a BatchGetItem, the batches at once;
   * unprocessed keys are asked for again after a pause that doubles. Eventually consistent unless
   * `consistentRead` (at twice the read units).
   */
  async batchGet(itemKeys: ItemKey[], projection?: string, consistentRead = false): Promise<Item[]> {
    const batches: Item[][] = [];
    for (let start = 0; start < itemKeys.length; start += MAX_BATCH_GET) {
      batches.push(itemKeys.slice(start, start + MAX_BATCH_GET).map((key) => ({ ...key })));
    }
    const found: Item[] = [];
    await Promise.all(
      batches.map(async (batch) => {
        let pending: Item[] = batch;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= MAX_BATCH_ATTEMPTS) {
            throw new DependencyError('DynamoDB BatchGetItem kept returning unprocessed keys');
          }
          const result = await this.send<BatchGetCommandOutput>(
            new BatchGetCommand({
              RequestItems: {
                [this.name]: {
                  Keys: pending,
                  ...(projection ? { ProjectionExpression: projection } : {}),
                  ...(consistentRead ? { ConsistentRead: true } : {}),
                },
              },
            }),
            'read',
          );
          found.push(...(result.Responses?.[this.name] ?? []));
          pending = result.UnprocessedKeys?.[this.name]?.Keys ?? [];
          if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        }
      }),
    );
    return found;
  }
}

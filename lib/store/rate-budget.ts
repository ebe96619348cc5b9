/**
 * The rate budgets every process shares (GCRA), one item per budget holding its theoretical arrival
 * time (`tat`): a reservation while the timeline is ahead of now adds its cost in one atomic update;
 * otherwise (and to drain) it is moved by read-then-conditional-write.
 */
import { PutCommand, UpdateCommand, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb';
import { DependencyError } from '../errors';
import { ITEM_TYPE, keys } from './keys';
import type { TugboatStore } from './port';
import type { Table } from './table';

type RateBudgetPort = Pick<TugboatStore, 'reserveRate' | 'drainRate'>;

/** Writers of one rate budget race; a handful of processes settle well within this many tries. */
const MAX_RATE_ATTEMPTS = 100;
/** A writer that lost a race waits up to this long (doubling per loss, full jitter) before it reads again. */
const RATE_RETRY_BASE_MS = 2;
const RATE_RETRY_MAX_MS = 100;

/** Full jitter: a random pause in [0, min(max, base x 2^attempt)), so racing writers spread out. */
export const rateRetryPauseMs = (attempt: number, random: () => number = Math.random): number =>
  Math.floor(random() * Math.min(RATE_RETRY_MAX_MS, RATE_RETRY_BASE_MS * 2 ** attempt));

export const pauseAfterLostRateRace = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, rateRetryPauseMs(attempt)));

export class RateBudgetItems implements RateBudgetPort {
  /** Each budget's timeline as this process last wrote it: whether to try the atomic extension first. */
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly table: Table,
    /** The pause after a lost race (tests inject one that records it). */
    private readonly pauseAfterLostRace: (attempt: number) => Promise<void> = pauseAfterLostRateRace,
  ) {}

  async reserveRate(bucket: string, costMs: number, toleranceMs: number, nowMs: number): Promise<number> {
    const extend = () => this.extendTimeline(bucket, costMs, nowMs);
    // The timeline this process last wrote or saw still ahead of now: most likely it still is.
    const ahead = (this.lastSeen.get(bucket) ?? Number.NEGATIVE_INFINITY) >= nowMs;
    const tat =
      (ahead ? await extend() : undefined) ??
      (await this.moveRateTimeline(bucket, (current) => Math.max(current, nowMs) + costMs, extend));
    this.lastSeen.set(bucket, tat);
    return Math.max(nowMs, tat - toleranceMs);
  }

  /**
   * While the budget's timeline is at or past now (it is being spent), a reservation only adds its cost
   * to it: one atomic update, no read and no race however many writers reserve at once. Returns the
   * instant written, or undefined when the timeline is behind now (or missing): then max(tat, now)
   * needs the read-then-conditional-write of moveRateTimeline.
   */
  private async extendTimeline(bucket: string, costMs: number, nowMs: number): Promise<number | undefined> {
    const result = await this.table.sendIfCondition<UpdateCommandOutput>(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.rateBucket(bucket),
        UpdateExpression: 'SET tat = tat + :cost',
        ConditionExpression: 'tat >= :now',
        ExpressionAttributeValues: { ':cost': costMs, ':now': nowMs },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const tat = result?.Attributes?.tat;
    return typeof tat === 'number' ? tat : undefined;
  }

  async drainRate(bucket: string, toleranceMs: number, nowMs: number): Promise<void> {
    await this.moveRateTimeline(bucket, (current) => Math.max(current, nowMs + toleranceMs));
  }

  /**
   * Read, then a conditional write of the next instant; a lost race reads again, after `afterLostRace`
   * (the atomic extension of a reservation: the winner left the timeline ahead of now) if it answers.
   * Returns the instant written.
   */
  private async moveRateTimeline(
    bucket: string,
    next: (current: number) => number,
    afterLostRace?: () => Promise<number | undefined>,
  ): Promise<number> {
    const key = keys.rateBucket(bucket);
    for (let attempt = 0; attempt < MAX_RATE_ATTEMPTS; attempt++) {
      if (attempt > 0 && afterLostRace) {
        const extended = await afterLostRace();
        if (extended !== undefined) return extended;
      }
      const current = await this.table.get<{ tat: number }>(key);
      const tat = next(current?.tat ?? 0);
      if (current !== undefined && tat === current.tat) return tat;
      const written = await this.table.sendIfCondition(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...key, itemType: ITEM_TYPE.rateBucket, tat },
          ConditionExpression: current === undefined ? 'attribute_not_exists(PK)' : 'tat = :seen',
          ...(current === undefined ? {} : { ExpressionAttributeValues: { ':seen': current.tat } }),
        }),
      );
      if (written) return tat;
      await this.pauseAfterLostRace(attempt);
    }
    throw new DependencyError(`Rate budget ${bucket}: ${MAX_RATE_ATTEMPTS} writes in a row lost a race`);
  }
}

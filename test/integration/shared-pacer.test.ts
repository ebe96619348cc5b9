import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createSharedPacer, FARGATE_LAUNCH_RATE } from '../../lib/ecs/pacer';
import { DynamoDbStore, rateRetryPauseMs } from '../../lib/store/dynamodb';
import { useTestTable } from '../support/stack';

const { client, store, tableName } = useTestTable('tugboat-pacer');

/** One clock for every "process": it moves only when one of them sleeps, by what it sleeps. */
const sharedClock = () => {
  let now = Date.parse('2026-11-25T12:00:00.000Z');
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    elapsed: (since: number) => now - since,
  };
};

describe('createSharedPacer against DynamoDB Local', () => {
  it('holds three processes together to one bucket: 100 at once, then 20 per second', async () => {
    const clock = sharedClock();
    const start = clock.now();
    const bucket = `launch-${randomUUID()}`;
    const processes = Array.from({ length: 3 }, () =>
      createSharedPacer({ budget: store, bucket, rate: FARGATE_LAUNCH_RATE, ...clock }),
    );
    // 10 launches of 10, taken in turn by the three processes: the shared burst of 100, no waiting.
    for (let call = 0; call < 10; call++) await processes[call % 3]!.reserve(10);
    expect(clock.elapsed(start)).toBe(0);
    // Each further 10 waits half a second, whichever process asks: an in-process estimate would let
    // each of the three take 100 at once.
    for (let call = 0; call < 6; call++) await processes[call % 3]!.reserve(10);
    expect(clock.elapsed(start)).toBe(3_000);
  });

  it('keeps a rate whose interval is not whole milliseconds (6 a second) without losing races', async () => {
    // 1000 / 6 ms per token: the store adds costs in decimal, and compared with a double read back the
    // instant it holds never matched, so the read-then-write of the next reservation "lost" 100 times.
    const clock = sharedClock();
    const start = clock.now();
    const bucket = `sixth-${randomUUID()}`;
    const rate = { burst: 6, perSecond: 6 };
    const processes = Array.from({ length: 2 }, () =>
      createSharedPacer({ budget: store, bucket, rate, ...clock }),
    );
    for (let call = 0; call < 6; call++) await processes[call % 2]!.reserve(1);
    expect(clock.elapsed(start)).toBe(0);
    // Two seconds refill the burst (6, no more); the 18 tokens past it each wait the interval, rounded
    // up to 167 ms, whichever process asks.
    await clock.sleep(2_000);
    for (let call = 0; call < 24; call++) await processes[call % 2]!.reserve(1);
    expect(clock.elapsed(start)).toBe(2_000 + 18 * 167);
  });

  it('serves concurrent reservations once each, in the order they were committed', async () => {
    const bucket = `race-${randomUUID()}`;
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    // 40 writers at one instant, 10 tasks' worth each (500 ms at 20/s), tolerance 100 tasks (5 s).
    const conformAt = await Promise.all(
      Array.from({ length: 40 }, () => store.reserveRate(bucket, 500, 5_000, now)),
    );
    const waits = conformAt.map((at) => at - now).sort((a, b) => a - b);
    // The first ten fit the burst; then every reservation is 500 ms after the one before.
    expect(waits).toEqual([
      ...Array.from({ length: 10 }, () => 0),
      ...Array.from({ length: 30 }, (_, index) => (index + 1) * 500),
    ]);
  });

  it('a writer that lost the race backs off with jitter before it reads again', async () => {
    const pauses: number[] = [];
    // Ten writers "at once" must really race: on a busy machine one could read after another's write.
    // A barrier holds every first write until all ten have read, so all ten read the same instant.
    const documents = DynamoDBDocumentClient.from(client);
    const send = documents.send.bind(documents);
    let reads = 0;
    let allRead!: () => void;
    const everyoneRead = new Promise<void>((resolve) => {
      allRead = resolve;
    });
    documents.send = (async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
      if (command.constructor.name === 'PutCommand') await everyoneRead;
      const answer = await (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      if (command.constructor.name === 'GetCommand' && ++reads === 10) allRead();
      return answer;
    }) as typeof documents.send;
    const pausing = new DynamoDbStore(documents, tableName, async (attempt) => {
      pauses.push(attempt);
      await new Promise((resolve) => setTimeout(resolve, rateRetryPauseMs(attempt)));
    });
    const bucket = `jitter-${randomUUID()}`;
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    await Promise.all(Array.from({ length: 10 }, () => pausing.reserveRate(bucket, 500, 5_000, now)));
    // Ten writers at once: all but one lose at least one race, and each loss was followed by a pause.
    expect(pauses.length).toBeGreaterThanOrEqual(9);
    expect(pauses.filter((attempt) => attempt === 0).length).toBeGreaterThanOrEqual(9);
  });

  it('while the timeline is ahead of now, each reservation is one atomic update: no read, no lost race', async () => {
    const documents = DynamoDBDocumentClient.from(client);
    const send = documents.send.bind(documents);
    const calls: string[] = [];
    documents.send = (async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
      calls.push(command.constructor.name);
      return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof documents.send;
    const counted = new DynamoDbStore(documents, tableName);
    const bucket = `ahead-${randomUUID()}`;
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    // The first reservation finds no timeline: read, then write.
    expect(await counted.reserveRate(bucket, 500, 0, now)).toBe(now + 500);
    calls.length = 0;
    const conformAt = await Promise.all(
      Array.from({ length: 40 }, () => counted.reserveRate(bucket, 500, 0, now)),
    );
    expect(calls).toEqual(Array.from({ length: 40 }, () => 'UpdateCommand'));
    // Each served once, 500 ms after the one before.
    expect(conformAt.map((at) => at - now).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, index) => (index + 2) * 500),
    );
  });

  it('the pause is full jitter, capped', () => {
    expect(rateRetryPauseMs(0, () => 0.999)).toBe(1);
    expect(rateRetryPauseMs(3, () => 0.5)).toBe(8);
    expect(rateRetryPauseMs(20, () => 0.999)).toBe(99);
    expect(rateRetryPauseMs(20, () => 0)).toBe(0);
  });

  it('after ECS throttles, every process waits for a full bucket', async () => {
    const clock = sharedClock();
    const bucket = `drained-${randomUUID()}`;
    const a = createSharedPacer({ budget: store, bucket, rate: FARGATE_LAUNCH_RATE, ...clock });
    const b = createSharedPacer({ budget: store, bucket, rate: FARGATE_LAUNCH_RATE, ...clock });
    await a.reserve(1);
    await a.exhausted();
    const start = clock.now();
    await b.reserve(10);
    // Empty: 10 tokens at 20 per second.
    expect(clock.elapsed(start)).toBe(500);
  });
});

import { describe, expect, it } from 'vitest';
import {
  createLaunchPacer,
  createSharedPacer,
  PacingDeadlineError,
  type RateBudget,
} from '../../lib/ecs/pacer';

/** A clock that only moves when the pacer sleeps, recording each sleep. */
const fakeTime = () => {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
};

describe('launch pacer', () => {
  it('lets a burst through at once, then paces to the sustained rate', async () => {
    const time = fakeTime();
    const pacer = createLaunchPacer({ burst: 100, perSecond: 20, now: time.now, sleep: time.sleep });
    for (let call = 0; call < 10; call++) await pacer.reserve(10);
    expect(time.sleeps).toEqual([]);
    await pacer.reserve(10);
    // 10 launches at 20 per second: half a second.
    expect(time.sleeps).toEqual([500]);
    expect(time.now()).toBe(500);
  });

  it('refills with time, up to the burst and no further', async () => {
    const time = fakeTime();
    const pacer = createLaunchPacer({ burst: 20, perSecond: 10, now: time.now, sleep: time.sleep });
    await pacer.reserve(20);
    time.advance(60_000);
    await pacer.reserve(20);
    expect(time.sleeps).toEqual([]);
    await pacer.reserve(5);
    expect(time.sleeps).toEqual([500]);
  });

  it('waits for a full refill after ECS reports a throttle', async () => {
    const time = fakeTime();
    const pacer = createLaunchPacer({ burst: 100, perSecond: 20, now: time.now, sleep: time.sleep });
    pacer.exhausted();
    await pacer.reserve(10);
    expect(time.sleeps).toEqual([500]);
  });

  it('never waits forever for more than the burst', async () => {
    const time = fakeTime();
    const pacer = createLaunchPacer({ burst: 5, perSecond: 5, now: time.now, sleep: time.sleep });
    await pacer.reserve(10);
    expect(time.sleeps).toEqual([]);
  });
});

describe('launch pacer with a deadline', () => {
  it('throws instead of waiting past the deadline, and takes nothing', async () => {
    const time = fakeTime();
    const pacer = createLaunchPacer({ now: time.now, sleep: time.sleep });
    await pacer.reserve(100);
    const error = await pacer.reserve(10, 400).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PacingDeadlineError);
    expect((error as PacingDeadlineError).retryInMs).toBe(500);
    expect(time.sleeps).toEqual([]);
    // Nothing was taken: room for 10 comes 500 ms later, as before.
    await pacer.reserve(10, 500);
    expect(time.sleeps).toEqual([500]);
  });

  it('charges launches made without a reservation', async () => {
    const time = fakeTime();
    const pacer = createLaunchPacer({ now: time.now, sleep: time.sleep });
    await pacer.charge(100);
    await pacer.reserve(10);
    expect(time.sleeps).toEqual([500]);
  });
});

/**
 * A store's rate budget in memory (GCRA, as lib/store/rate-budget.ts), each call answered a turn of the
 * event loop later, counting how many of them are under way at once.
 */
const memoryBudget = () => {
  const tats = new Map<string, number>();
  let underWay = 0;
  let mostAtOnce = 0;
  let calls = 0;
  const call = async <T>(work: () => T): Promise<T> => {
    calls++;
    underWay++;
    mostAtOnce = Math.max(mostAtOnce, underWay);
    await new Promise((resolve) => setImmediate(resolve));
    underWay--;
    return work();
  };
  const budget: RateBudget = {
    reserveRate: (bucket, costMs, toleranceMs, nowMs) =>
      call(() => {
        const tat = Math.max(tats.get(bucket) ?? 0, nowMs) + costMs;
        tats.set(bucket, tat);
        return Math.max(nowMs, tat - toleranceMs);
      }),
    drainRate: (bucket, toleranceMs, nowMs) =>
      call(() => {
        tats.set(bucket, Math.max(tats.get(bucket) ?? 0, nowMs + toleranceMs));
      }),
  };
  return { budget, mostAtOnce: () => mostAtOnce, calls: () => calls, tats };
};

/** A shared launch pacer over `memory` whose clock stands at 0 (its waits pass no time). */
const standingLaunchPacer = (memory: ReturnType<typeof memoryBudget>) =>
  createSharedPacer({
    budget: memory.budget,
    bucket: 'launch',
    rate: { burst: 100, perSecond: 20 },
    now: () => 0,
    sleep: async () => undefined,
  });

describe('shared pacer', () => {
  it("sends one process's concurrent reservations to the store one at a time, and paces them all", async () => {
    // Every caller reserves at one instant (the sleeps are recorded, the clock stands).
    const sleeps: number[] = [];
    const time = { now: () => 0, sleep: async (ms: number) => void sleeps.push(ms) };
    const memory = memoryBudget();
    const pacer = createSharedPacer({
      budget: memory.budget,
      bucket: 'launch',
      rate: { burst: 100, perSecond: 20 },
      ...time,
    });
    // 25 callers at once (the jobs scheduler's concurrency), 10 tasks each: 250 tasks.
    await Promise.all(Array.from({ length: 25 }, () => pacer.reserve(10)));
    expect(memory.mostAtOnce()).toBe(1);
    expect(memory.calls()).toBe(25);
    // The burst of 100 at once, then each further 10 another 500 ms after the one before.
    expect(sleeps).toEqual(Array.from({ length: 15 }, (_, index) => (index + 1) * 500));
  });

  it('gives back a reservation past the deadline before the next caller reserves', async () => {
    const time = fakeTime();
    const memory = memoryBudget();
    const pacer = createSharedPacer({
      budget: memory.budget,
      bucket: 'launch',
      rate: { burst: 100, perSecond: 20 },
      ...time,
    });
    const outcomes = await Promise.all([
      pacer.reserve(100),
      pacer.reserve(10, 400).catch((error: unknown) => error),
      pacer.reserve(10),
    ]);
    expect(outcomes[1]).toBeInstanceOf(PacingDeadlineError);
    expect(memory.mostAtOnce()).toBe(1);
    // The refused 10 took nothing: the third caller's 10 wait 500 ms, not 1,000.
    expect(time.sleeps).toEqual([500]);
  });

  // A thousand services' launches held back at once all came back after the same few seconds, every time.
  it('sends callers held back past their deadlines back one after another, at the rate room comes', async () => {
    // Every caller reserves at one instant (the clock stands).
    const memory = memoryBudget();
    const pacer = standingLaunchPacer(memory);
    // The burst is spent; then 4 callers of 10 tasks each (500 ms of room each) that may wait 900 ms.
    await pacer.reserve(100);
    const held = await Promise.all(
      Array.from({ length: 4 }, () => pacer.reserve(10, 900).catch((error: unknown) => error)),
    );
    // The first fits (500 ms). Each held back comes back when its turn's room is expected: the first of
    // them when its own room would have come, each next one 500 ms later; not all after the same wait.
    expect(held[0]).toBeUndefined();
    expect(held.slice(1).map((error) => (error as PacingDeadlineError).retryInMs)).toEqual([
      1_000, 1_500, 2_000,
    ]);
    // Giving back left the budget's own timeline where the one that fitted left it.
    expect(memory.tats.get('launch')).toBe(5_500);
    expect(memory.tats.get('launch#held-back')).toBe(2_500);
    // A caller with no deadline is never held back and takes no turn.
    await pacer.reserve(10);
    expect(memory.tats.get('launch')).toBe(6_000);
    expect(memory.tats.get('launch#held-back')).toBe(2_500);
  });

  // Reconcile passes' target group refreshes (reconcile/pass/target-reads.ts) ask for room at once and give
  // way: joining the held-back line, each pushed the turns of the reads held back behind it (the quick
  // progressive benchmark's analysis detect p99 went from 92 to 134 s).
  it('turns an optional reservation without room away without a turn among the callers held back', async () => {
    const memory = memoryBudget();
    const pacer = standingLaunchPacer(memory);
    await pacer.reserve(100);
    const turnedAway = await pacer.reserve(10, 0, true).catch((error: unknown) => error);
    expect(turnedAway).toBeInstanceOf(PacingDeadlineError);
    expect((turnedAway as PacingDeadlineError).retryInMs).toBe(500);
    expect(memory.tats.get('launch')).toBe(5_000);
    expect(memory.tats.get('launch#held-back') ?? 0).toBe(0);
    // A caller held back after it gets the first turn, as if the optional one had not asked.
    const held = await pacer.reserve(10, 0).catch((error: unknown) => error);
    expect((held as PacingDeadlineError).retryInMs).toBe(500);
  });

  // The 1,000-service progressive benchmark: refreshes took the room each held-back read came back to at
  // its turn, and sent it back again; five deployments made no pass for 17 minutes and failed.
  it('turns an optional reservation away while a caller held back waits for its turn, room or not', async () => {
    let now = 0;
    const memory = memoryBudget();
    const pacer = createSharedPacer({
      budget: memory.budget,
      bucket: 'launch',
      rate: { burst: 100, perSecond: 20 },
      now: () => now,
      sleep: async () => undefined,
    });
    await pacer.reserve(100);
    const held = await pacer.reserve(10, 0).catch((error: unknown) => error);
    expect((held as PacingDeadlineError).retryInMs).toBe(500);
    // At 600 ms there is room for 10 again, but the held-back caller's turn came at 500: not the optional one's.
    now = 600;
    const turnedAway = await pacer.reserve(10, now, true).catch((error: unknown) => error);
    expect(turnedAway).toBeInstanceOf(PacingDeadlineError);
    expect(memory.tats.get('launch')).toBe(5_000);
    await pacer.reserve(10, now);
    // Once no caller held back waits, an optional one takes the room there is.
    now = 1_200;
    await pacer.reserve(10, now, true);
    expect(memory.tats.get('launch')).toBe(6_000);
  });

  it('goes on after a reservation the store failed', async () => {
    const time = fakeTime();
    const memory = memoryBudget();
    let failures = 1;
    const budget: RateBudget = {
      ...memory.budget,
      reserveRate: async (...args) => {
        if (failures-- > 0) throw new Error('DynamoDB unavailable');
        return memory.budget.reserveRate(...args);
      },
    };
    const pacer = createSharedPacer({
      budget,
      bucket: 'launch',
      rate: { burst: 100, perSecond: 20 },
      ...time,
    });
    const outcomes = await Promise.allSettled([pacer.reserve(10), pacer.reserve(10)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled']);
  });
});

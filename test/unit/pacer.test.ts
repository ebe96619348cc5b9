import { describe, expect, it } from 'vitest';
import { createLaunchPacer, PacingDeadlineError } from '../../lib/ecs/pacer';

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

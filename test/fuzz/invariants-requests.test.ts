/** requestScalingNoOvershoot over hand-built histories: what it flags and what it lets be. */
import { describe, expect, it } from 'vitest';
import { type RequestHistory, requestScalingNoOvershoot } from './invariants-requests';

const MINUTE = 60_000;

/** 600 requests per target and minute; targets take 2 minutes to serve; 10 requests/s (1 target) from 0. */
const history = (changes: Partial<RequestHistory> = {}): RequestHistory => ({
  targetValue: 600,
  minCapacity: 1,
  maxCapacity: 20,
  settleMs: 2 * MINUTE,
  rates: [{ at: 0, requestsPerSecond: 10 }],
  scaleOuts: [],
  ...changes,
});

describe('requestScalingNoOvershoot', () => {
  it('lets a scale-out to what the demand asks be, and one a settle time later', () => {
    const found = requestScalingNoOvershoot(
      history({
        rates: [
          { at: 0, requestsPerSecond: 10 },
          { at: 5 * MINUTE, requestsPerSecond: 40 },
        ],
        // 40 requests/s = 2,400 a minute = 4 targets' worth.
        scaleOuts: [
          { at: 6 * MINUTE, fromCount: 1, toCount: 2 },
          { at: 8 * MINUTE, fromCount: 2, toCount: 4 },
        ],
      }),
    );
    expect(found).toEqual([]);
  });

  it('lets a second scale-out come early when the demand rose in between', () => {
    const found = requestScalingNoOvershoot(
      history({
        rates: [
          { at: 0, requestsPerSecond: 20 },
          { at: 6.5 * MINUTE, requestsPerSecond: 60 },
        ],
        scaleOuts: [
          { at: 6 * MINUTE, fromCount: 1, toCount: 2 },
          { at: 7 * MINUTE, fromCount: 2, toCount: 6 },
        ],
      }),
    );
    expect(found).toEqual([]);
  });

  it('flags the 2 -> 4 -> 8 doubling of a steady demand, a minute apart while the targets turn healthy', () => {
    const found = requestScalingNoOvershoot(
      history({
        rates: [{ at: 0, requestsPerSecond: 40 }],
        scaleOuts: [
          { at: 6 * MINUTE, fromCount: 2, toCount: 4 },
          { at: 7 * MINUTE, fromCount: 4, toCount: 8 },
        ],
      }),
    );
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/scaled out 4 -> 8 .*at most 5\)$/);
    expect(found[1]).toMatch(/scaled out again 4 -> 8 .*60 s after 2 -> 4: its tasks need 120 s/);
  });

  it("flags a second scale-out within the demand that comes before the first one's tasks could serve", () => {
    const early = history({
      rates: [{ at: 0, requestsPerSecond: 40 }],
      scaleOuts: [
        { at: 6 * MINUTE, fromCount: 1, toCount: 2 },
        { at: 7 * MINUTE, fromCount: 2, toCount: 4 },
      ],
    });
    expect(requestScalingNoOvershoot(early)).toEqual([expect.stringMatching(/^scaled out again 2 -> 4/)]);
    expect(requestScalingNoOvershoot({ ...early, settleMs: MINUTE })).toEqual([]);
  });

  it('flags a scale-out over the demand and its tolerance, however late', () => {
    // 40 requests/s ask for 4 targets, 4.4 with the 10 % tolerance: 5 at most.
    const found = requestScalingNoOvershoot(
      history({
        rates: [{ at: 0, requestsPerSecond: 40 }],
        scaleOuts: [{ at: 10 * MINUTE, fromCount: 2, toCount: 6 }],
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(/scaled out 2 -> 6 .* at most 40 requests\/s .* at most 5\)/),
    ]);
    expect(
      requestScalingNoOvershoot(
        history({
          rates: [{ at: 0, requestsPerSecond: 40 }],
          scaleOuts: [{ at: 10 * MINUTE, fromCount: 2, toCount: 5 }],
        }),
      ),
    ).toEqual([]);
  });

  it('counts the rate its samples can have seen (the last 2 minutes), and bounds by min and max capacity', () => {
    // The demand fell from 100 to 10 requests/s 90 s before the scale-out: its samples saw 100 (10 targets).
    const fell = history({
      rates: [
        { at: 0, requestsPerSecond: 100 },
        { at: 8.5 * MINUTE, requestsPerSecond: 10 },
      ],
      scaleOuts: [{ at: 10 * MINUTE, fromCount: 2, toCount: 10 }],
    });
    expect(requestScalingNoOvershoot(fell)).toEqual([]);
    // No demand at all: minCapacity 3 may be reached, not more; a demand over maxCapacity 6 stops at 6.
    const none = history({ minCapacity: 3, rates: [{ at: 0, requestsPerSecond: 0 }] });
    expect(
      requestScalingNoOvershoot({ ...none, scaleOuts: [{ at: MINUTE, fromCount: 1, toCount: 3 }] }),
    ).toEqual([]);
    expect(
      requestScalingNoOvershoot({ ...none, scaleOuts: [{ at: MINUTE, fromCount: 1, toCount: 4 }] }),
    ).toHaveLength(1);
    const over = history({ maxCapacity: 6, rates: [{ at: 0, requestsPerSecond: 1000 }] });
    expect(
      requestScalingNoOvershoot({ ...over, scaleOuts: [{ at: MINUTE, fromCount: 1, toCount: 6 }] }),
    ).toEqual([]);
    expect(
      requestScalingNoOvershoot({ ...over, scaleOuts: [{ at: MINUTE, fromCount: 1, toCount: 7 }] }),
    ).toHaveLength(1);
  });
});

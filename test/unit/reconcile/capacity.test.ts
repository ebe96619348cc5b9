import { describe, expect, it } from 'vitest';
import type { CapacityProviderStrategyItem } from '../../../lib/domain';
import { type RunningByProvider, splitLaunches } from '../../../lib/reconcile/plan/capacity';

const F = 'FARGATE';
const SPOT = 'FARGATE_SPOT';

describe('splitLaunches', () => {
  it.each<{
    name: string;
    strategy: CapacityProviderStrategyItem[] | undefined;
    running: RunningByProvider;
    count: number;
    expected: [string | undefined, number][];
  }>([
    {
      name: 'no strategy: launch type FARGATE',
      strategy: undefined,
      running: {},
      count: 4,
      expected: [[undefined, 4]],
    },
    {
      name: 'empty strategy: launch type FARGATE',
      strategy: [],
      running: {},
      count: 2,
      expected: [[undefined, 2]],
    },
    {
      name: 'nothing to launch',
      strategy: [{ capacityProvider: F, weight: 1 }],
      running: {},
      count: 0,
      expected: [],
    },
    {
      name: 'base first, then 1:3 by weight',
      strategy: [
        { capacityProvider: F, base: 2, weight: 1 },
        { capacityProvider: SPOT, weight: 3 },
      ],
      running: {},
      count: 10,
      expected: [
        [F, 4],
        [SPOT, 6],
      ],
    },
    {
      name: 'base already met by running tasks',
      strategy: [
        { capacityProvider: F, base: 2, weight: 1 },
        { capacityProvider: SPOT, weight: 1 },
      ],
      running: { FARGATE: 2 },
      count: 4,
      expected: [
        [F, 2],
        [SPOT, 2],
      ],
    },
    {
      name: 'fewer launches than the missing base',
      strategy: [
        { capacityProvider: F, base: 5 },
        { capacityProvider: SPOT, weight: 1 },
      ],
      running: { FARGATE: 1 },
      count: 3,
      expected: [[F, 3]],
    },
    {
      name: 'weight 0 takes only its base',
      strategy: [
        { capacityProvider: F, base: 1, weight: 0 },
        { capacityProvider: SPOT, weight: 1 },
      ],
      running: {},
      count: 5,
      expected: [
        [F, 1],
        [SPOT, 4],
      ],
    },
    {
      name: 'evens out a skewed running split',
      strategy: [
        { capacityProvider: F, weight: 1 },
        { capacityProvider: SPOT, weight: 1 },
      ],
      running: { FARGATE_SPOT: 4 },
      count: 6,
      expected: [
        [F, 5],
        [SPOT, 1],
      ],
    },
    {
      name: 'one at a time follows the weights (heavier wins a tie)',
      strategy: [
        { capacityProvider: F, weight: 1 },
        { capacityProvider: SPOT, weight: 2 },
      ],
      running: { FARGATE: 1, FARGATE_SPOT: 1 },
      count: 1,
      expected: [[SPOT, 1]],
    },
    {
      name: 'no weights at all: the first provider',
      strategy: [{ capacityProvider: SPOT }],
      running: {},
      count: 3,
      expected: [[SPOT, 3]],
    },
  ])('$name', ({ strategy, running, count, expected }) => {
    const placements = splitLaunches(strategy, running, count);
    expect(placements.map((p) => [p.capacityProvider, p.count])).toEqual(expected);
    expect(placements.reduce((n, p) => n + p.count, 0)).toBe(count);
  });

  it('launching one task at a time ends with the same split as launching all at once', () => {
    const strategy: CapacityProviderStrategyItem[] = [
      { capacityProvider: F, base: 1, weight: 1 },
      { capacityProvider: SPOT, weight: 4 },
    ];
    const running: RunningByProvider = {};
    for (let i = 0; i < 11; i++) {
      for (const p of splitLaunches(strategy, running, 1)) {
        const provider = p.capacityProvider ?? F;
        running[provider] = (running[provider] ?? 0) + p.count;
      }
    }
    const together = splitLaunches(strategy, {}, 11);
    expect(running).toEqual({ FARGATE: 3, FARGATE_SPOT: 8 });
    expect(together.map((p) => [p.capacityProvider, p.count])).toEqual([
      [F, 3],
      [SPOT, 8],
    ]);
  });
});

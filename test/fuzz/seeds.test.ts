/** The fuzz CLI's loop over seeds: a seed that throws is a failing seed with its error, and the rest still run. */
import { describe, expect, it } from 'vitest';
import type { RunResult } from './runner';
import { failed, runSeeds, type SeedOutcome } from './seeds';

const result = (seed: number, violations: RunResult['violations'] = []): RunResult => ({
  seed,
  minutes: 1,
  violations,
  log: [],
  services: 1,
  launches: 0,
  runTaskCalls: 0,
  deaths: 0,
  wallSeconds: 0,
});

describe('runSeeds', () => {
  it.each([1, 2])(
    'a seed whose set-up throws is reported as failing, and the others still run (parallel %i)',
    async (parallel) => {
      const reported: SeedOutcome[] = [];
      const outcomes = await runSeeds(
        [1, 2, 3],
        parallel,
        async (seed) => {
          if (seed === 2) throw new Error('CreateCluster failed');
          return result(seed);
        },
        (outcome) => reported.push(outcome),
      );
      expect(outcomes.map((o) => o.seed).sort()).toEqual([1, 2, 3]);
      expect(reported).toHaveLength(3);
      const thrown = outcomes.find((o) => o.seed === 2);
      expect(thrown && 'error' in thrown && String(thrown.error)).toContain('CreateCluster failed');
      expect(outcomes.filter(failed).map((o) => o.seed)).toEqual([2]);
    },
  );

  it('a seed with a violation fails', () => {
    const violation = { invariant: 'x', service: 's', at: 0, message: 'm' };
    expect(failed({ seed: 1, result: result(1, [violation]) })).toBe(true);
    expect(failed({ seed: 1, result: result(1) })).toBe(false);
  });
});

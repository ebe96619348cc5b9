/**
 * The fuzz CLI's loop over seeds: runs them `parallel` at a time and reports each as it ends. A seed whose
 * run throws (its set-up, or the harness) is reported as a failing seed with the error, and the other
 * seeds still run: one broken seed never hides the rest, nor leaves the CLI waiting.
 */
import type { RunResult } from './runner';

/** How one seed ended: its run, or the error it threw. */
export type SeedOutcome = { seed: number; result: RunResult } | { seed: number; error: unknown };

export const failed = (outcome: SeedOutcome): boolean =>
  'error' in outcome || outcome.result.violations.length > 0;

export const runSeeds = async (
  seeds: number[],
  parallel: number,
  run: (seed: number) => Promise<RunResult>,
  report: (outcome: SeedOutcome) => void,
): Promise<SeedOutcome[]> => {
  const outcomes: SeedOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < seeds.length) {
      const seed = seeds[next++]!;
      let outcome: SeedOutcome;
      try {
        outcome = { seed, result: await run(seed) };
      } catch (error) {
        outcome = { seed, error };
      }
      outcomes.push(outcome);
      report(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return outcomes;
};

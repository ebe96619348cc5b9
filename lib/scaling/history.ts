/**
 * What a policy's reading adds to its metric's history (the console's chart of the metric against its
 * target): each sample newer than those kept before, in the target's units (a total per RUNNING task).
 */
import type { Sample } from '../domain';
import type { PolicyPoint } from '../store/scaling-history';
import { isTotal, type PolicyMetric } from './decide';

export const historyPoints = (
  policy: string,
  metric: PolicyMetric,
  kept: readonly Sample[],
  fresh: readonly Sample[],
  running: number,
): PolicyPoint[] => {
  // A poll reads the last minutes again: only instants after the newest kept sample are new.
  const newest = kept.reduce((at, sample) => Math.max(at, sample.at), Number.NEGATIVE_INFINITY);
  return fresh.flatMap((sample) => {
    if (sample.at <= newest) return [];
    const tasks = sample.running ?? running;
    // A total per task has no value without tasks.
    if (isTotal(metric) && tasks <= 0) return [];
    const value = isTotal(metric) ? sample.value / tasks : sample.value;
    return [{ policy, at: sample.at, value: Math.round(value * 1000) / 1000 }];
  });
};

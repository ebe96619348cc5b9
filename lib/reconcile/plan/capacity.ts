/**
 * Splitting new launches across a capacity provider strategy the way ECS does for a service: the
 * provider with a base gets tasks until it runs `base` of them, then the rest go by weight, so that
 * tasks above the base end up in proportion to the weights. Counting what already runs keeps the
 * split right across many small launches (a service grows one task at a time during a rollout).
 */
import type { CapacityProviderName, CapacityProviderStrategyItem } from '../../domain';

export interface Placement {
  /** Absent: launch type FARGATE (the service has no strategy). */
  capacityProvider?: CapacityProviderName;
  count: number;
}

export type RunningByProvider = Partial<Record<CapacityProviderName, number>>;

/**
 * Places `count` new tasks. `running` counts the service's tasks already running or pending per
 * provider. Providers with weight 0 only take their base; if no provider has a weight (ECS rejects
 * such a strategy), tasks beyond the base go to the first provider rather than nowhere.
 * Placements come out in strategy order, without zero counts.
 */
export const splitLaunches = (
  strategy: CapacityProviderStrategyItem[] | undefined,
  running: RunningByProvider,
  count: number,
): Placement[] => {
  if (count <= 0) return [];
  if (!strategy || strategy.length === 0) return [{ count }];

  const items = strategy.map((item) => ({
    provider: item.capacityProvider,
    base: item.base ?? 0,
    weight: item.weight ?? 0,
    current: running[item.capacityProvider] ?? 0,
    added: 0,
  }));

  let left = count;
  for (const item of items) {
    const wanted = Math.max(0, item.base - item.current);
    const take = Math.min(wanted, left);
    item.added += take;
    left -= take;
  }

  const weighted = items.filter((item) => item.weight > 0);
  const receivers = weighted.length > 0 ? weighted : items.slice(0, 1);
  const weightOf = (item: (typeof items)[number]) => (weighted.length > 0 ? item.weight : 1);
  // Tasks above the base decide the weighted share; one at a time to the provider furthest below it.
  const aboveBase = (item: (typeof items)[number]) => Math.max(0, item.current + item.added - item.base);
  for (; left > 0; left--) {
    let best = receivers[0]!;
    for (const item of receivers.slice(1)) {
      const ratio = aboveBase(item) / weightOf(item);
      const bestRatio = aboveBase(best) / weightOf(best);
      if (ratio < bestRatio || (ratio === bestRatio && weightOf(item) > weightOf(best))) best = item;
    }
    best.added += 1;
  }

  return items
    .filter((item) => item.added > 0)
    .map((item) => ({ capacityProvider: item.provider, count: item.added }));
};

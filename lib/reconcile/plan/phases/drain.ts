/**
 * Phase: drain. Tasks deregistered from their target groups by an earlier pass are on their way
 * out: never chosen again, and stopped once their deregistration delay is over (targets.ts).
 */
import { dueDrains } from '../target-groups';
import type { PlanState } from './state';

export function drain(state: PlanState): void {
  const drains = dueDrains(state.tasks, state.now);
  for (const t of drains.draining) {
    state.stopped.add(t.taskArn);
    const drained = t.targets?.drain;
    if (drained?.cause === 'unhealthy') state.failingHealth.set(t.taskArn, drained.deregisteredAt);
  }
  state.actions.push(...drains.stops, ...drains.holds);
  const dueNow = new Set(drains.stops.map((stop) => stop.taskArn));
  state.stillDraining = drains.draining.filter((t) => !dueNow.has(t.taskArn));
}

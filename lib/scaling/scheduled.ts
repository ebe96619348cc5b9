/**
 * Scheduled actions change min and max at their time, as Application Auto Scaling's do: each one that fell
 * due since the last evaluation is applied in time order, and the range it leaves stays until another one
 * changes it. A new min above the max raises the max with it (and a new max below the min lowers the min).
 */
import { parseSchedule } from './schedule';

export interface ScheduledAction {
  name: string;
  schedule: string;
  timezone: string;
  minCapacity?: number;
  maxCapacity?: number;
  /** When the action was set; rate() counts from here. */
  createdAt: number;
}

export interface CapacityRange {
  minCapacity: number;
  maxCapacity: number;
}

export interface ScheduledChange extends CapacityRange {
  /** The actions applied, in the order they fell due. */
  applied: { name: string; at: number }[];
  /** Readable, for the scaling activity: `scheduled action night set maxCapacity 1`. */
  cause?: string;
}

export const applyScheduledActions = (
  range: CapacityRange,
  actions: readonly ScheduledAction[],
  since: number,
  now: number,
): ScheduledChange => {
  const due: { action: ScheduledAction; at: number }[] = [];
  for (const action of actions) {
    const at = parseSchedule(action.schedule, action.timezone, action.createdAt).lastAtOrBefore(now);
    if (at !== undefined && at > since) due.push({ action, at });
  }
  due.sort((a, b) => a.at - b.at || a.action.name.localeCompare(b.action.name));
  let { minCapacity, maxCapacity } = range;
  const parts: string[] = [];
  for (const { action } of due) {
    const set: string[] = [];
    if (action.minCapacity !== undefined) {
      minCapacity = action.minCapacity;
      maxCapacity = Math.max(maxCapacity, minCapacity);
      set.push(`minCapacity ${action.minCapacity}`);
    }
    if (action.maxCapacity !== undefined) {
      maxCapacity = action.maxCapacity;
      minCapacity = Math.min(minCapacity, maxCapacity);
      set.push(`maxCapacity ${action.maxCapacity}`);
    }
    parts.push(`scheduled action ${action.name} set ${set.join(' and ') || 'nothing'}`);
  }
  return {
    minCapacity,
    maxCapacity,
    applied: due.map(({ action, at }) => ({ name: action.name, at })),
    ...(parts.length > 0 ? { cause: parts.join('; ') } : {}),
  };
};

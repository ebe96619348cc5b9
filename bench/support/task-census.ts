/**
 * The fleet's event-derived view of every task, from the local ECS endpoint's state change events:
 * what "RUNNING" and "over the cap" are measured on.
 */
import { serviceNameOfGroup } from '../../lib/inventory/naming';
import type { TaskStateChangeEvent } from '../../local/ecs';

interface TaskView {
  service: string | undefined;
  lastStatus: string;
  desiredStatus: string;
}

/** ECS's default maximumPercent: a service may run at most 2x desired while it rolls. */
const MAXIMUM_PERCENT = 200;

const isLive = (view: TaskView) =>
  view.desiredStatus === 'RUNNING' &&
  ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'].includes(view.lastStatus);
const isRunning = (view: TaskView) => view.desiredStatus === 'RUNNING' && view.lastStatus === 'RUNNING';

export const createTaskCensus = () => {
  const tasks = new Map<string, TaskView>();
  let running = 0;
  const liveByService = new Map<string, number>();
  let onRunningCount: ((count: number, at: number) => void) | undefined;
  return {
    observe(event: TaskStateChangeEvent) {
      const detail = event.detail as TaskStateChangeEvent['detail'] & {
        group?: string;
        desiredStatus: string;
      };
      const previous = tasks.get(detail.taskArn);
      const service = serviceNameOfGroup(detail.group);
      const next: TaskView = { service, lastStatus: detail.lastStatus, desiredStatus: detail.desiredStatus };
      if (previous && isRunning(previous)) running--;
      if (isRunning(next)) running++;
      if (service) {
        const delta = (isLive(next) ? 1 : 0) - (previous && isLive(previous) ? 1 : 0);
        if (delta !== 0) liveByService.set(service, (liveByService.get(service) ?? 0) + delta);
      }
      if (detail.lastStatus === 'STOPPED') tasks.delete(detail.taskArn);
      else tasks.set(detail.taskArn, next);
      onRunningCount?.(running, Date.parse(event.time));
    },
    running: () => running,
    /** Live tasks per service (a diagnostic of stalled runs). */
    liveByService: () => new Map(liveByService),
    runningTaskArns: () => [...tasks.entries()].filter(([, view]) => isRunning(view)).map(([arn]) => arn),
    onRunningCount(listener: ((count: number, at: number) => void) | undefined) {
      onRunningCount = listener;
    },
    /** Over-the-cap tasks right now: live tasks beyond floor(desired x maximumPercent / 100), summed. */
    overCap(desiredPerService: number): number {
      const cap = Math.floor((desiredPerService * MAXIMUM_PERCENT) / 100);
      let over = 0;
      for (const live of liveByService.values()) over += Math.max(0, live - cap);
      return over;
    },
  };
};

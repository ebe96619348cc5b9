/**
 * A pass's deadline: how many of the planned launches it commits to, and what it reports when it stops
 * short (a follow-up pass is asked for at once, or when launch room is expected).
 */
import type { InflightLaunch, Service } from '../../domain';
import type { Rate } from '../../ecs/pacer';
import type { PlanResult } from '../plan/types';
import type { ReconcileOutcome } from './context';

/** How soon a pass cut short by its deadline asks for the next one. */
export const FOLLOW_UP_MS = 0;

/** The planned launches a pass can make before its deadline at the launch rate (at least one call). */
export const launchesWithin = (
  launches: InflightLaunch[],
  deadline: number | undefined,
  now: number,
  rate: Rate,
): InflightLaunch[] => {
  if (deadline === undefined) return launches;
  const room = rate.burst + (rate.perSecond * Math.max(0, deadline - now)) / 1000;
  const kept: InflightLaunch[] = [];
  let tasks = 0;
  for (const launch of launches) {
    if (kept.length > 0 && tasks + launch.count > room) break;
    kept.push(launch);
    tasks += launch.count;
  }
  return kept;
};

/** A pass that ran out of time: what it did, and when the next one should take over. */
export const cutShort = (
  service: Service,
  launched: number,
  stopped: number,
  followUpInMs: number,
  result?: PlanResult,
): ReconcileOutcome => ({
  status: 'reconciled',
  plan: result ?? {
    actions: [],
    deployments: service.deployments,
    serviceStatus: service.status,
    taskDefinition: service.taskDefinition,
    runningCount: service.runningCount,
    pendingCount: service.pendingCount,
    events: [],
  },
  launched,
  stopped,
  wakeInMs: Math.max(0, Math.ceil(followUpInMs)),
});

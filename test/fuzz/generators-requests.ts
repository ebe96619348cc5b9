/**
 * Request-count auto scaling in a fuzzed scenario, from a draw stream of its own (so a seed's other draws
 * stay as they were): some load-balanced services scale on `ALBRequestCountPerTarget`, their target group's
 * health check drawn so new targets sometimes take more than a minute to turn healthy, and the requests
 * per second through their listener change every few minutes.
 */

/** The draws of generators.ts (`draws`), as this file uses them (it is imported there, not the other way). */
interface Draws {
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** What these draws read and set of a service draw (generators.ts's ServiceDraw). */
interface ScalableDraw {
  name: string;
  desiredCount: number;
  loadBalanced: boolean;
  autoScaling?: { minCapacity: number; maxCapacity: number; targetValue: number; requests?: RequestDraw };
}

/** A change of the requests per second through a request-scaled service's listener. */
export interface TrafficAction {
  atMs: number;
  action: { kind: 'traffic'; service: string; requestsPerSecond: number };
}

/** A request-scaled service's target group timing and its traffic. */
export interface RequestDraw {
  /** The target group's health check: every `intervalSeconds`, healthy after `healthyThreshold` passes. */
  healthCheckIntervalSeconds: number;
  healthyThreshold: number;
  /** The service's `healthCheckGracePeriodSeconds`. */
  gracePeriodSeconds: number;
  /** Requests per second through the service's listener at the start. */
  requestsPerSecond: number;
}

/** Requests per second asking for about `tasks` targets at `targetValue` requests per target and minute. */
const rateFor = (tasks: number, targetValue: number): number => Math.round((tasks * targetValue) / 60);

/**
 * About 60 % of the load-balanced services not scaled otherwise (a CPU target or a queue worker, whose draws
 * stay as they were) scale on requests per target:
 * targetValue 100-1,000 requests per target and minute, minCapacity 1-4, maxCapacity up to 20, a health
 * check of 5-30 s x 2-5 passes (10-150 s to turn healthy).
 */
export const drawRequestScaling = (e: Draws, service: ScalableDraw): void => {
  if (!service.loadBalanced || service.autoScaling || !e.chance(0.6)) return;
  const minCapacity = e.int(1, 4);
  const targetValue = e.int(100, 1000);
  service.autoScaling = {
    minCapacity,
    maxCapacity: e.int(Math.max(minCapacity, 2), 20),
    targetValue,
    requests: {
      healthCheckIntervalSeconds: e.pick([5, 10, 15, 30]),
      healthyThreshold: e.int(2, 5),
      gracePeriodSeconds: e.pick([0, 10, e.int(0, 120)]),
      requestsPerSecond: rateFor(e.int(0, 160) / 10, targetValue),
    },
  };
  service.desiredCount = Math.min(
    service.autoScaling.maxCapacity,
    Math.max(minCapacity, service.desiredCount),
  );
};

/** The requests per second change every 2-5 minutes: demand for 0-16 targets, sometimes none. */
export const drawTrafficActions = (e: Draws, services: ScalableDraw[], minutes: number): TrafficAction[] => {
  const actions: TrafficAction[] = [];
  for (const service of services) {
    const scaling = service.autoScaling;
    if (!scaling?.requests) continue;
    for (let at = e.int(60, 180) * 1000; at < minutes * 60_000; at += e.int(120, 300) * 1000)
      actions.push({
        atMs: at,
        action: {
          kind: 'traffic',
          service: service.name,
          requestsPerSecond: e.chance(0.15) ? 0 : rateFor(e.int(0, 160) / 10, scaling.targetValue),
        },
      });
  }
  return actions;
};

/** Services, tasks and readings for the plan() tables of the Spot fallback and the return to Spot. */
import type { Service, SpotFallback, SpotFallbackState } from '../../lib/domain';
import { CAPACITY_UNAVAILABLE_REASON } from '../../lib/ecs/errors';
import { plan } from '../../lib/reconcile/plan/plan';
import type { ObservedTask, PlanResult } from '../../lib/reconcile/plan/types';
import { deployment, iso, ofType, S, service, T0, tasks } from './plan';

export const spotConfig = (overrides: Partial<SpotFallback> = {}): SpotFallback => ({
  enabled: true,
  fallbackAfterSeconds: 60,
  returnAfterSeconds: 900,
  maxOnDemandPercent: 100,
  ...overrides,
});

export const spotService = (
  desired: number,
  fb: SpotFallbackState | undefined,
  config: Partial<SpotFallback> = {},
  extra: Partial<Service> = {},
): Service =>
  service({
    desiredCount: desired,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }],
    spotFallback: spotConfig(config),
    deployments: [
      deployment('dep-1', 'web:1', {
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 3600 * S),
        lastProgressAt: iso(T0 - 3600 * S),
        ...(fb ? { spotFallback: fb } : {}),
      }),
    ],
    ...extra,
  });

export const spot = (n: number, overrides: Partial<ObservedTask> = {}) =>
  tasks('dep-1', n, { capacityProvider: 'FARGATE_SPOT', ...overrides });
export const onDemand = (n: number, overrides: Partial<ObservedTask> = {}) =>
  tasks('dep-1', n, { capacityProvider: 'FARGATE', ...overrides });
export const interrupted = (n: number, at: number) =>
  spot(n, {
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    stoppedAt: at,
  });
export const pendingSpot = (n: number) =>
  spot(n, { lastStatus: 'PENDING', createdAt: T0 - 5 * S, startedAt: undefined });
export const freshSpot = (n: number) => spot(n, { createdAt: T0 - 20 * S, startedAt: T0 - 15 * S });

export const run = (svc: Service, observed: ObservedTask[], now = T0) =>
  plan({
    service: svc,
    observedTasks: observed,
    taskDefinitions: { 'web:1': { hasHealthCheck: false } },
    now,
  });

/** Tasks launched per capacity provider. */
export const launchedOn = (result: PlanResult) => {
  const counts: Record<string, number> = {};
  for (const launch of ofType(result.actions, 'launch')) {
    for (const call of launch.runTaskCalls) {
      const provider = call.capacityProviderStrategy?.[0]?.capacityProvider ?? 'FARGATE';
      counts[provider] = (counts[provider] ?? 0) + call.count;
    }
  }
  return counts;
};
export const stoppedProviders = (result: PlanResult, observed: ObservedTask[]) =>
  ofType(result.actions, 'stop').map((s) => observed.find((t) => t.taskArn === s.taskArn)?.capacityProvider);
export const fbOf = (result: PlanResult) => result.deployments[0]?.spotFallback;
export const capacityFailure = (secondsAgo: number): Partial<SpotFallbackState> => ({
  lastSpotFailureAt: iso(T0 - secondsAgo * S),
  lastSpotFailure: `RunTask failures: ${CAPACITY_UNAVAILABLE_REASON}`,
});

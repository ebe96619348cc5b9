/**
 * Launches ECS refused for good, as the planner counts them: each refused task is a failed launch (for
 * the circuit breaker and the crash-loop back-off) at the instant of the refusal. The executor records
 * them on the deployment (Deployment.launchRefusals); nothing else remembers them, since a refused task
 * never existed in ECS.
 */
import {
  type CapacityProviderStrategyItem,
  type Deployment,
  type LaunchRefusal,
  MAX_LAUNCH_REFUSALS_KEPT,
} from '../../domain';
import { isCapacityUnavailable } from '../../ecs/errors';
import { isoOf } from '../../time';
import { spotRefusalsOf } from './phases/spot-retry';

const refusedAt = (refusal: LaunchRefusal): number => Date.parse(refusal.at);

/** Refused tasks in all (of the refusals still kept). */
export const refusedTaskCount = (deployment: Deployment): number =>
  (deployment.launchRefusals ?? []).reduce((sum, refusal) => sum + refusal.count, 0);

/** Refusals after `since` (epoch ms): how many tasks, and when the last one was refused. */
export const refusalsSince = (deployment: Deployment, since: number): { count: number; lastAt?: number } => {
  let count = 0;
  let lastAt: number | undefined;
  for (const refusal of deployment.launchRefusals ?? []) {
    const at = refusedAt(refusal);
    if (!(at > since)) continue;
    count += refusal.count;
    lastAt = Math.max(lastAt ?? at, at);
  }
  return lastAt === undefined ? { count } : { count, lastAt };
};

/** The deployments with the one with `deploymentId` replaced by `change` of it (no such one: unchanged). */
const changingOne = (
  deployments: Deployment[],
  deploymentId: string,
  change: (deployment: Deployment) => Deployment,
): Deployment[] =>
  deployments.map((deployment) => (deployment.id === deploymentId ? change(deployment) : deployment));

/** The deployments with `refusal` added to the one with `deploymentId` (oldest refusals dropped). */
export const withRefusal = (
  deployments: Deployment[],
  deploymentId: string,
  refusal: LaunchRefusal,
): Deployment[] =>
  changingOne(deployments, deploymentId, (deployment) => ({
    ...deployment,
    launchRefusals: [...(deployment.launchRefusals ?? []), refusal].slice(-MAX_LAUNCH_REFUSALS_KEPT),
  }));

/** A FARGATE_SPOT launch ECS refused for want of capacity: no failed launch, a Spot failure. */
export interface SpotCapacityFailure {
  at: string;
  /** ECS's words. */
  reason: string;
}

/** What one committed launch came to: tasks launched, tasks ECS refused, events to record. */
export interface LaunchOutcome {
  launched: number;
  refusal?: LaunchRefusal;
  spotCapacityFailure?: SpotCapacityFailure;
  events: string[];
}

interface RefusedLaunch {
  deploymentId: string;
  count: number;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
}

const onSpot = (launch: RefusedLaunch): boolean =>
  launch.capacityProviderStrategy?.length === 1 &&
  launch.capacityProviderStrategy[0]?.capacityProvider === 'FARGATE_SPOT';

/** The deployments with the Spot failure noted on the one with `deploymentId` (Deployment.spotFallback). */
export const withSpotCapacityFailure = (
  deployments: Deployment[],
  deploymentId: string,
  failure: SpotCapacityFailure,
): Deployment[] =>
  changingOne(deployments, deploymentId, (deployment) => ({
    ...deployment,
    spotFallback: {
      active: false,
      ...deployment.spotFallback,
      failingSince: deployment.spotFallback?.failingSince ?? failure.at,
      lastSpotFailureAt: failure.at,
      lastSpotFailure: failure.reason,
      // The service's count in a row (any deployment's newest), one more.
      spotRefusalsInRow: spotRefusalsOf(deployments).refusals + 1,
    },
  }));

const unableToLaunch = (serviceName: string, launch: RefusedLaunch, count: number) =>
  `service ${serviceName} was unable to launch ${count} of ${launch.count} tasks of deployment ${launch.deploymentId}`;

/** ECS refused the RunTask call itself (a 4xx): every task of it failed to launch. */
export const refusedLaunchOutcome = (
  serviceName: string,
  launch: RefusedLaunch,
  error: { code: string; message: string },
  now: number,
): LaunchOutcome => ({
  launched: 0,
  ...(onSpot(launch) && isCapacityUnavailable(error.message)
    ? { spotCapacityFailure: { at: isoOf(now), reason: `${error.code}: ${error.message}` } }
    : { refusal: { at: isoOf(now), count: launch.count } }),
  events: [
    `${unableToLaunch(serviceName, launch, launch.count)}: ECS refused RunTask: ${error.code}: ${error.message}`,
  ],
});

/**
 * RunTask answered: the tasks it did not launch failed, with the reasons of its `failures`. On
 * FARGATE_SPOT, a refusal for capacity is no failed launch: it drives the Spot fallback instead. Nor is
 * a Spot shortfall with no reason at all: that is ECS answering a replayed call from its clientToken (a
 * killed pass's launch made again, or the gateway's retry), whose refusals were the first call's, most
 * likely for capacity; the next pass launches those tasks again, and that answer says why.
 */
export const launchFailuresOutcome = (
  serviceName: string,
  launch: RefusedLaunch,
  result: { tasks: unknown[]; failures: { arn?: string; reason?: string; detail?: string }[] },
  now: number,
): LaunchOutcome => {
  const refused = Math.max(0, launch.count - result.tasks.length);
  if (result.failures.length === 0 && refused === 0) return { launched: result.tasks.length, events: [] };
  const reasons = [
    ...new Set(
      result.failures.map(
        (failure) => `${failure.reason ?? 'unknown'}${failure.detail ? ` (${failure.detail})` : ''}`,
      ),
    ),
  ];
  const at = isoOf(now);
  const spot = onSpot(launch);
  // On-demand has no capacity excuse: there, the capacity reason is a refused launch like any other.
  const forCapacity = spot ? result.failures.filter((f) => isCapacityUnavailable(f.reason)).length : 0;
  const unexplained = spot && result.failures.length === 0;
  // Every reason given is Spot capacity: so is the whole shortfall (ECS may give one for several tasks).
  const allCapacity = forCapacity > 0 && forCapacity === result.failures.length;
  const failed = unexplained || allCapacity ? 0 : Math.max(0, refused - forCapacity);
  return {
    launched: result.tasks.length,
    ...(failed > 0 ? { refusal: { at, count: failed } } : {}),
    ...(forCapacity > 0
      ? { spotCapacityFailure: { at, reason: `RunTask failures: ${reasons.join('; ')}` } }
      : {}),
    events: [
      `${unableToLaunch(serviceName, launch, refused)}: ${
        unexplained
          ? 'ECS answered from the clientToken of an earlier call and gave no reason; they are not counted as failed launches, and the next pass launches them again'
          : `RunTask failures: ${reasons.join('; ') || 'none given'}`
      }`,
    ],
  };
};

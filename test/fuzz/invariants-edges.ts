/**
 * The fuzzer's checks of Spot and auto scaling at their edges (docs/spot-fallback.md, docs/auto-scaling.md):
 * Spot refusals back off, capacity refusals are no failed launches, a deploy on the fallback completes, the
 * FARGATE share goes back to Spot once Spot is back (or an event says why not), queue workers keep the
 * workers their in-flight messages need, and a service at 0 with demand comes back. Each is a function of
 * what the run has seen and what Tugboat holds, as in invariants.ts.
 */
import type { Service, ServiceEvent } from '../../lib/domain';
import { splitLaunches } from '../../lib/reconcile/plan/capacity';
import { maxTaskCap, minHealthyFloor } from '../../lib/reconcile/plan/phases/limits';
import { spotRetryDelayMs } from '../../lib/reconcile/plan/phases/spot-retry';
import type { ImageBehaviour, ServiceDraw } from './generators';
import { failedOnItsOwn, isLive, type Ledger } from './ledger';

export interface EdgeInput {
  now: number;
  scheduleMs: number;
  ledger: Ledger;
  draws: Map<string, ServiceDraw>;
  behaviourOf: (taskDefinition: string) => ImageBehaviour | undefined;
  eventsOf: (service: string) => Promise<ServiceEvent[]>;
  /** Whether FARGATE_SPOT has capacity, and since when. */
  spot: { available: boolean; since: number };
  /** A queue worker's backlog now. */
  backlogOf: (service: string) => { visible: number; inFlight: number } | undefined;
  /** How often the checks run, virtual ms. */
  stepMs: number;
  /** When an operator last set the service's desired count (a drawn `scale` action). */
  operatorScaledAt?: (service: string) => number | undefined;
}

export interface EdgeMemory {
  /** RunTask calls already checked. */
  runTasksChecked: number;
  spotRefusals: { inRow: number; lastAt?: number; lastToken?: string };
  /** Deployments first seen while FARGATE tasks stood in for Spot ones (the fallback active). */
  onFallback: Set<string>;
  seenDeployments: Set<string>;
  /** The desired count at the last check, and the messages in flight then and since when. */
  lastDesired?: number;
  inFlight?: { count: number; since: number };
  atZeroWithDemandSince?: number;
  fargateShareSince?: number;
}

export const edgeMemory = (): EdgeMemory => ({
  runTasksChecked: 0,
  spotRefusals: { inRow: 0 },
  onFallback: new Set(),
  seenDeployments: new Set(),
});

type Report = (invariant: string, message: string) => void;

/** Slack for a pass that is due (as invariants.ts PASS_SLACK_MS). */
const SLACK_MS = 15_000;

/**
 * Spot refusals back off: after n capacity refusals in a row (no Spot task launched since the last), the
 * service's next refused Spot RunTask comes no sooner than spotRetryDelayMs(n) after it. Calls of one pass
 * (within a second) and replays (the same clientToken) are one attempt.
 */
export function spotRefusalsBackOff(
  input: EdgeInput,
  name: string,
  memory: EdgeMemory,
  report: Report,
): void {
  const calls = input.ledger.runTasks.get(name) ?? [];
  const state = memory.spotRefusals;
  for (const call of calls.slice(memory.runTasksChecked)) {
    if (call.capacityProvider !== 'FARGATE_SPOT') continue;
    const spotLaunched = input.ledger
      .tasksOf(name)
      .some(
        (t) =>
          t.capacityProvider === 'FARGATE_SPOT' &&
          t.createdAt > (state.lastAt ?? Number.POSITIVE_INFINITY) &&
          t.createdAt < call.at,
      );
    if (spotLaunched) state.inRow = 0;
    if (call.capacityRefused === 0) continue;
    const replay = call.clientToken !== undefined && call.clientToken === state.lastToken;
    const samePass = state.lastAt !== undefined && call.at - state.lastAt < 1_000;
    if (!replay && !samePass && state.lastAt !== undefined && state.inRow > 0) {
      const delay = spotRetryDelayMs(state.inRow);
      if (call.at < state.lastAt + delay - 1_000)
        report(
          'spotRefusalsBackOff',
          `FARGATE_SPOT RunTask at ${new Date(call.at).toISOString()}, ${Math.round((call.at - state.lastAt) / 1000)} s after the last of ${state.inRow} capacity refusals in a row; the Spot retry asks ${delay / 1000} s`,
        );
    }
    if (!replay) state.inRow += 1;
    state.lastAt = call.at;
    state.lastToken = call.clientToken;
  }
  memory.runTasksChecked = calls.length;
}

/**
 * Capacity refusals are no failed launches: a deployment's failedTasks never exceeds the service's tasks that
 * failed on their own since it was created (the fuzzer's images refuse no launch for another reason).
 */
export function capacityRefusalsNotFailures(
  input: EdgeInput,
  name: string,
  service: Service,
  report: Report,
): void {
  for (const deployment of service.deployments) {
    if (deployment.failedTasks === 0) continue;
    const since = Date.parse(deployment.createdAt) - 1_000;
    const failed = input.ledger
      .tasksOf(name)
      .filter((t) => failedOnItsOwn(t) && (t.stoppingAt ?? t.createdAt) >= since).length;
    if (deployment.failedTasks > failed)
      report(
        'capacityRefusalsNotFailures',
        `deployment ${deployment.id} counts ${deployment.failedTasks} failed tasks; only ${failed} tasks of the service failed on their own since it began`,
      );
  }
}

/** A rolloutStateReason of a deployment failed by its traffic's judges or an operator, not its tasks. */
export const JUDGED_BY_TRAFFIC = /lifecycle hook|CloudWatch alarm|analysis failed|^stopped |nobody approved/;

/**
 * A deploy or a rollback of an image that runs, made while the service stood on its fallback with all of
 * its Spot share allowed on FARGATE (maxOnDemandPercent 100), completes: it never FAILS.
 */
export function deployOnFallbackCompletes(
  input: EdgeInput,
  name: string,
  service: Service,
  memory: EdgeMemory,
  report: Report,
): void {
  const fallback = input.draws.get(name)?.spotFallback;
  const onFallback = service.deployments.some((d) => d.spotFallback?.active);
  for (const deployment of service.deployments) {
    if (!memory.seenDeployments.has(deployment.id)) {
      memory.seenDeployments.add(deployment.id);
      const others = service.deployments.filter((d) => d.id !== deployment.id);
      if (others.length > 0 && onFallback && !input.spot.available) memory.onFallback.add(deployment.id);
    }
    if (!memory.onFallback.has(deployment.id) || deployment.rolloutState !== 'FAILED') continue;
    if (!service.spotFallback?.enabled || fallback?.maxOnDemandPercent !== 100) continue;
    if (input.behaviourOf(deployment.taskDefinition)?.kind !== 'runs') continue;
    // A progressive deployment failed by what judges its traffic (a lifecycle hook, an alarm, the analysis,
    // an approval's timeout, an operator's stop) is no fallback's doing (seed 122: a hook answered FAILED).
    if (JUDGED_BY_TRAFFIC.test(deployment.rolloutStateReason)) continue;
    // A rolling deploy whose limits allow no surge and no task less (seed 2102: 5 desired at 100 % and 100 %)
    // cannot replace a task with or without Spot: it fails at its progress deadline, as the planner says.
    if (rollingWithoutRoom(service)) continue;
    report(
      'deployOnFallbackCompletes',
      `deployment ${deployment.id} (an image that runs) began on the fallback during a Spot outage and FAILED: ${deployment.rolloutStateReason}`,
    );
  }
}

/** A rolling service whose maximumPercent cap is no more than its minimumHealthyPercent floor. */
const rollingWithoutRoom = (service: Service): boolean => {
  const { deploymentConfiguration: config, desiredCount } = service;
  if ((config.strategy ?? 'ROLLING') !== 'ROLLING' || desiredCount === 0) return false;
  return (
    maxTaskCap(desiredCount, config.maximumPercent) <=
    minHealthyFloor(desiredCount, config.minimumHealthyPercent)
  );
};

/** The FARGATE tasks the strategy itself places for the desired count (its base and its weighted share). */
const idealOnDemand = (service: Service): number =>
  splitLaunches(service.capacityProviderStrategy, {}, service.desiredCount)
    .filter((p) => p.capacityProvider === 'FARGATE')
    .reduce((sum, p) => sum + p.count, 0);

const settled = (service: Service): boolean =>
  service.deployments.length === 1 && service.deployments[0]?.rolloutState === 'COMPLETED';

/**
 * Back to Spot: with Spot capacity back for returnAfterSeconds, plus the time to move the FARGATE share in
 * batches, a settled service has no FARGATE task above its strategy's own FARGATE share, or an event says why
 * (the limits forbid the move).
 */
export async function returnsToSpot(
  input: EdgeInput,
  name: string,
  service: Service,
  memory: EdgeMemory,
  report: Report,
): Promise<void> {
  const draw = input.draws.get(name);
  if (!draw?.spotFallback || !service.capacityProviderStrategy) return;
  const live = input.ledger.live(name).filter(isLive);
  const share =
    live.filter((t) => (t.capacityProvider ?? 'FARGATE') === 'FARGATE').length - idealOnDemand(service);
  if (share <= 0 || !input.spot.available || !settled(service)) {
    delete memory.fargateShareSince;
    return;
  }
  memory.fargateShareSince ??= input.now;
  const from = Math.max(memory.fargateShareSince, input.spot.since);
  const perBatchMs = 60_000 + (service.deploymentConfiguration.minReadySeconds ?? 0) * 1000;
  const allowed =
    draw.spotFallback.returnAfterSeconds * 1000 + share * perBatchMs + 2 * input.scheduleMs + SLACK_MS;
  if (input.now - from < allowed) return;
  const events = await input.eventsOf(name);
  if (events.some((e) => /cannot move its .* back to FARGATE_SPOT/.test(e.message))) return;
  report(
    'returnsToSpot',
    `${share} FARGATE tasks above the strategy's FARGATE share ${Math.round((input.now - from) / 1000)} s after Spot capacity came back (returnAfterSeconds ${draw.spotFallback.returnAfterSeconds}), and no event says why they stay`,
  );
}

/** How many workers a queue's in-flight messages need (never 0 while one is in flight), within maxCapacity. */
export const inFlightFloor = (inFlight: number, targetValue: number, maxCapacity: number): number =>
  inFlight === 0 ? 0 : Math.min(maxCapacity, Math.max(1, Math.ceil(inFlight / targetValue)));

/** Two evaluations, and a scale-out cooldown, to act on a change of the backlog or an operator's count. */
const SCALING_GRACE_MS = 3 * 60_000 + SLACK_MS;

/**
 * Queue workers are not stopped mid-job: every count the scaler sets, in or out, is at least
 * ceil(inFlight / targetValue) (never 0 with messages in flight) of a backlog it saw. A count it leaves alone
 * is no breach: messages in flight alone ask for no scale-out, since new workers cannot take a message
 * already taken (lib/scaling/decide.ts). And a service at 0 whose queue has messages comes back.
 */
export function queueWorkersKeepInFlight(
  input: EdgeInput,
  name: string,
  service: Service,
  memory: EdgeMemory,
  report: Report,
): void {
  const queue = input.draws.get(name)?.autoScaling?.queue;
  const backlog = input.backlogOf(name);
  if (!queue || !backlog || !service.autoScaling) return;
  const policy = service.autoScaling.targetTracking?.find((p) => p.name === 'queue');
  if (!policy) return;
  const floor = inFlightFloor(backlog.inFlight, policy.targetValue, service.autoScaling.maxCapacity);
  // The count changed since the last check: the scaler's doing unless an operator just set it, and made
  // on this backlog if it stood since before the last check (the evaluator reads it when it runs).
  const changed = memory.lastDesired !== undefined && service.desiredCount !== memory.lastDesired;
  const seen =
    memory.inFlight?.count === backlog.inFlight && input.now - memory.inFlight.since > input.stepMs;
  const operator = input.operatorScaledAt?.(name);
  const byOperator = operator !== undefined && input.now - operator <= input.stepMs + SLACK_MS;
  if (changed && seen && !byOperator && service.desiredCount < floor)
    report(
      'queueWorkersKeepInFlight',
      `desired set ${memory.lastDesired} -> ${service.desiredCount} with ${backlog.inFlight} messages in flight (targetValue ${policy.targetValue}: at least ${floor})`,
    );
  memory.lastDesired = service.desiredCount;
  if (memory.inFlight?.count !== backlog.inFlight)
    memory.inFlight = { count: backlog.inFlight, since: input.now };
  const demand = backlog.visible + backlog.inFlight;
  if (service.desiredCount > 0 || demand === 0 || service.autoScaling.maxCapacity === 0) {
    delete memory.atZeroWithDemandSince;
    return;
  }
  memory.atZeroWithDemandSince ??= input.now;
  if (input.now - memory.atZeroWithDemandSince > SCALING_GRACE_MS)
    report(
      'zeroComesBack',
      `desired 0 since ${new Date(memory.atZeroWithDemandSince).toISOString()} with ${backlog.visible} messages waiting and ${backlog.inFlight} in flight`,
    );
}

/**
 * Progressive delivery's promises in a fuzzed run (test/fuzz/progressive.ts feeds them): what the listener
 * rules forward, read from the local load balancer at every step and at every rule change, and every
 * lifecycle hook call Tugboat makes, judged against the service as Tugboat last wrote it.
 */
import type { Deployment, LifecycleHookStage, Service } from '../../lib/domain';
import type { Violation } from './invariants';

/** A rollback has this long to show production off the failed group: one pass, asked for at once. */
export const ROLLBACK_GRACE_MS = 10_000;
/** All of a rule's weight on a group with no healthy target, the other healthy, for no longer than this. */
export const EMPTY_GROUP_GRACE_MS = 30_000;

/** A rule's forward weights by target group ARN (groups absent from the action weigh nothing). */
export type Weights = Record<string, number>;

/**
 * A deployment Tugboat wrote FAILED in its ROLLBACK stage, first seen at `failedAt`, with its route's rules.
 * `at` starts the grace: the failure, or the last step at which the group rolled back to could not serve.
 */
export interface RollbackRecord {
  service: string;
  deploymentId: string;
  failedAt: number;
  at: number;
  /** The failed deployment's group (`to`) per production rule. */
  routes: { rule: string; to: string; from: string }[];
  judged?: boolean;
}

/**
 * `rollbackClearsProduction`: once a deployment failed with rollback, its group's production weight is 0
 * within ROLLBACK_GRACE_MS, whatever hooks answer or are doing. Judged once, at the first step past the
 * grace; a newer deployment that already shifts production onto the same group (a deploy after the
 * rollback) excuses it. Never to nothing: while the group rolled back to has no healthy target and the
 * failed one has (a rollback to a revision whose tasks are gone, seed 542), traffic may stay, and the
 * grace starts again once that ends: at the last step that saw it, so a group rolled back to whose tasks
 * pass their checks and crash (seed 770) must serve for the whole grace before production owes it.
 */
export const rollbackClearsProduction = (
  now: number,
  records: RollbackRecord[],
  weightsOf: (rule: string) => Weights | undefined,
  shiftingOnto: (service: string, group: string, since: number) => boolean,
  healthyIn: (group: string) => number = () => 1,
): Violation[] => {
  const found: Violation[] = [];
  for (const record of records) {
    if (record.judged) continue;
    // Seen at every step, not only once the grace is up: a group rolled back to that serves for a moment
    // between crashes (seed 770) has not served for the grace.
    if (record.routes.some((route) => healthyIn(route.from) === 0 && healthyIn(route.to) > 0)) {
      record.at = now;
      continue;
    }
    if (now < record.at + ROLLBACK_GRACE_MS) continue;
    record.judged = true;
    for (const route of record.routes) {
      const weights = weightsOf(route.rule);
      const weight = weights?.[route.to] ?? 0;
      if (weights === undefined || weight === 0 || shiftingOnto(record.service, route.to, record.failedAt))
        continue;
      found.push({
        invariant: 'rollbackClearsProduction',
        service: record.service,
        at: now,
        message: `deployment ${record.deploymentId} failed with rollback at ${record.at} and ${(now - record.at) / 1000} s later its group ${route.to} still has weight ${weight} on ${route.rule} (${JSON.stringify(weights)})`,
      });
    }
  }
  return found;
};

/**
 * rollbackClearsProduction's excuse: a PRIMARY made at or after `since` (the failure) whose shift already sends
 * production onto `group`. At, not only after: a deploy in the same instant as the failure is the newer one
 * (seed 1724: its CANARY took 90.1 % onto the group the failed deployment had registered in). The failure,
 * not the grace's start: a deploy made while the grace kept starting again is newer all the same (seed 3046).
 */
export const newerShiftOnto = (
  deployments: readonly Pick<Deployment, 'status' | 'createdAt' | 'trafficShift'>[],
  group: string,
  since: number,
): boolean =>
  deployments.some(
    (d) =>
      d.status === 'PRIMARY' &&
      Date.parse(d.createdAt) >= since &&
      (d.trafficShift?.productionPercent ?? 0) > 0 &&
      (d.trafficShift?.routes.some((r) => r.to === group) ?? false),
  );

/** One rule of a progressive service at a step: its pair of groups, weights and healthy targets. */
export interface RuleView {
  service: string;
  rule: string;
  /** The service's test listener rule (else its production rule). */
  test?: boolean;
  groups: [string, string];
  weights: Weights;
  healthy: Record<string, number>;
}

/** noTrafficToEmptyGroup's memory between steps, by rule. */
export interface EmptyGroupMemory {
  /** When the rule began forwarding all to a group with no healthy target (the other one healthy). */
  starved: Map<string, number>;
  /** The group the rule forwards all its weight to, and since when (-Infinity: since first seen). */
  allOn: Map<string, { group: string; since: number }>;
}

export const emptyGroupMemory = (): EmptyGroupMemory => ({ starved: new Map(), allOn: new Map() });

/**
 * `noTrafficToEmptyGroup`: a rule never forwards all its weight to a group with no healthy target while
 * the other group of its pair has healthy targets, for longer than EMPTY_GROUP_GRACE_MS, except where a
 * shift still in progress keeps it (`shiftKeeps` says since when that shift runs): production on its old
 * group, and test traffic on its new group (it is there to reach the new revision, or nothing). A shift
 * keeps production only where it found it: one that moved production off the other group onto this one
 * after it began is no excuse (seed 3158: a deploy made during a CLEAN_UP shifted from the emptied group,
 * and production went all to it).
 */
export const noTrafficToEmptyGroup = (
  now: number,
  views: RuleView[],
  memory: EmptyGroupMemory,
  shiftKeeps: (view: RuleView, group: string) => number | undefined = () => undefined,
): Violation[] => {
  const found: Violation[] = [];
  for (const view of views) {
    const [a, b] = view.groups;
    const wa = view.weights[a] ?? 0;
    const wb = view.weights[b] ?? 0;
    const onto = wa > 0 && wb === 0 ? a : wb > 0 && wa === 0 ? b : undefined;
    const other = onto === a ? b : a;
    const seen = memory.allOn.get(view.rule);
    if (onto === undefined) memory.allOn.set(view.rule, { group: '', since: now });
    else if (seen?.group !== onto)
      memory.allOn.set(view.rule, { group: onto, since: seen ? now : -Infinity });
    const allOnSince = memory.allOn.get(view.rule)?.since ?? -Infinity;
    // A shift under way keeps production on its old group until its stages move it, healthy or not (a
    // deploy that mends a service whose old revision never served): only the new group is its concern.
    const keptSince = onto === undefined ? undefined : shiftKeeps(view, onto);
    const kept = keptSince !== undefined && (view.test === true || allOnSince <= keptSince);
    const starved =
      onto !== undefined && (view.healthy[onto] ?? 0) === 0 && (view.healthy[other] ?? 0) > 0 && !kept;
    if (!starved) {
      memory.starved.delete(view.rule);
      continue;
    }
    const began = memory.starved.get(view.rule) ?? now;
    memory.starved.set(view.rule, began);
    if (now - began > EMPTY_GROUP_GRACE_MS && now - began <= EMPTY_GROUP_GRACE_MS + 5_000)
      found.push({
        invariant: 'noTrafficToEmptyGroup',
        service: view.service,
        at: now,
        message: `${view.rule} forwards all to ${onto} (no healthy target) since ${began}, while ${other} has ${view.healthy[other]} healthy`,
      });
  }
  return found;
};

/** `weightsNeverAllZero`: a forward action's weights never add up to 0. */
export const weightsNeverAllZero = (
  service: string,
  rule: string,
  weights: Weights,
  now: number,
): Violation[] =>
  Object.keys(weights).length > 0 && Object.values(weights).every((weight) => weight === 0)
    ? [
        {
          invariant: 'weightsNeverAllZero',
          service,
          at: now,
          message: `${rule} forwards with every weight 0: ${JSON.stringify(weights)}`,
        },
      ]
    : [];

/** The rollback stages ECS calls a failed deployment's hooks at. */
const ROLLBACK_STAGES: readonly LifecycleHookStage[] = ['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT'];

/** A hook call as the in-process invoker saw it. */
export interface HookCall {
  at: number;
  service: string;
  deploymentId: string;
  stage: LifecycleHookStage;
  target: string;
}

/**
 * `hooksOnlyWhileLive`: a hook is called only for an IN_PROGRESS PRIMARY of an ACTIVE service, or for a
 * failed deployment rolling back at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT: never for one
 * COMPLETED, INACTIVE (but that rollback) or superseded, nor for a service being deleted. `service` is
 * the service as Tugboat last wrote it when the call began; `deletedAt` when the operator's DELETE
 * returned.
 */
export const hooksOnlyWhileLive = (
  call: HookCall,
  service: Service | undefined,
  deletedAt: number | undefined,
): Violation[] => {
  const violation = (message: string): Violation[] => [
    {
      invariant: 'hooksOnlyWhileLive',
      service: call.service,
      at: call.at,
      message: `${call.stage} hook ${call.target} called for ${call.deploymentId}: ${message}`,
    },
  ];
  if (deletedAt !== undefined && call.at >= deletedAt)
    return violation(`the service was deleted at ${deletedAt}`);
  if (service === undefined) return violation('no such service');
  if (service.status !== 'ACTIVE') return violation(`the service is ${service.status}`);
  const deployment = service.deployments.find((d) => d.id === call.deploymentId);
  if (deployment === undefined) return violation('no such deployment on the service');
  const rollingBack = deployment.rolloutState === 'FAILED' && deployment.trafficShift?.stage === 'ROLLBACK';
  if (rollingBack)
    return ROLLBACK_STAGES.includes(call.stage)
      ? []
      : violation('a rollback calls only its traffic-shift stages');
  if (deployment.rolloutState !== 'IN_PROGRESS' || deployment.status !== 'PRIMARY')
    return violation(`the deployment is ${deployment.status} ${deployment.rolloutState}`);
  return [];
};

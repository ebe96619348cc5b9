/**
 * Phases of a BLUE_GREEN, CANARY or LINEAR deployment (Deployment.trafficShift), as ECS runs them: the new
 * revision's full desired count starts in the target groups not serving (SCALE_UP); once all are healthy
 * the test listener rule forwards to them (TEST_TRAFFIC_SHIFT, when there is one); production moves by the
 * production rule's forward weights (PRODUCTION_TRAFFIC_SHIFT: canaryPercent then 100 after the canary
 * bake; stepPercent more each step bake; 100 at once for blue/green); both fleets stay up for
 * bakeTimeInMinutes (BAKE_TIME); then the old tasks drain and stop (CLEAN_UP) and the groups swap roles.
 *
 * Level-triggered: the stage and its start are stored on the deployment, the rules' weights are read
 * every pass, and a rule that forwards otherwise than the stage wants is set again; a stage waits for
 * the rules to show its weights before its bake time may end it. A deployment failed with a rollback
 * (alarms.ts, the analysis, a hook, a stop) has no say over the weights any more: production goes back
 * to the old group at once, and the rollback deployment adopts the old tasks while the new ones drain.
 */
import {
  type Deployment,
  type Service,
  servingTargetGroup,
  type TrafficRoute,
  type TrafficShift,
  type TrafficStage,
  weightsFor,
} from '../../../domain';
import { epochOf, isoOf, MINUTE_MS } from '../../../time';
import { targetGroupName } from '../waiting';
import { awaitsEvidence } from './analysis-hold';
import { awaitsApproval } from './approval';
import { awaitsHooks, BEFORE_SCALE_UP, runsRollbackHooks } from './lifecycle-hooks';
import { isShifting, neverToNothing, servesIn, shareOf } from './serving';
import { healthy, live, type PlanState, type RolloutState } from './state';

/** Stages in which test traffic goes to the new groups. */
const TESTING: ReadonlySet<TrafficStage> = new Set([
  'TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
]);

/**
 * The shift that decides the rules' weights: the PRIMARY's, while it is under way or failed without a
 * rollback (its traffic then stays where it was). Otherwise production goes to the serving groups.
 */
const governing = (state: PlanState): TrafficShift | undefined => {
  const primary = state.primary;
  const shift = primary?.trafficShift;
  if (shift === undefined || primary === undefined || shift.stage === 'ROLLBACK') return undefined;
  return primary.rolloutState === 'IN_PROGRESS' || primary.rolloutState === 'FAILED' ? shift : undefined;
};

/**
 * Bake time and a lifecycle hook's wait are not lack of progress: a shifting deployment past SCALE_UP,
 * or waiting for a hook, keeps its progress clock.
 */
export function keepShiftProgress(state: RolloutState): void {
  const { primary } = state;
  const shift = primary.trafficShift;
  if (isShifting(primary) && (shift?.stage !== 'SCALE_UP' || shift.hook !== undefined))
    primary.lastProgressAt = state.nowIso;
}

export const setStage = (state: PlanState, d: Deployment, stage: TrafficStage, percent: number): void => {
  const shift = d.trafficShift;
  if (shift === undefined) return;
  // The analysis' record of a stage is the stage's own, and a new stage (or step) runs its own hooks.
  const {
    analysisPassedAt: _passed,
    analysisHeldAt: _held,
    hooksPassed: _hooksPassed,
    hook: _hook,
    ...kept
  } = shift;
  d.trafficShift = { ...kept, stage, productionPercent: percent, stageStartedAt: state.nowIso };
  const groups = shift.routes.map((route) => targetGroupName(route.to)).join(', ');
  state.events.push(
    `service ${state.service.serviceName} deployment ${d.id} ${shift.strategy} traffic shift: ${stage}, ${percent}% of production traffic to ${groups}.`,
  );
};

/**
 * A deployment that failed and was rolled back (a rollback deployment of it exists: alarm, breaker,
 * analysis, hook or stop) says so in its stage. One that failed without a rollback (ABORT, a breaker
 * without rollback) keeps its stage when a newer deploy replaces it: production stays where it was until
 * that deploy moves it, and no rollback hook runs for it (fuzz seed 3192 at 60 minutes).
 */
export function noteRolledBack(state: PlanState): void {
  const rolledBack = new Set(state.deployments.flatMap((d) => (d.rollbackOf ? [d.rollbackOf] : [])));
  for (const d of state.deployments) {
    const shift = d.trafficShift;
    if (shift === undefined || d === state.primary || d.rolloutState !== 'FAILED') continue;
    if (shift.stage !== 'ROLLBACK' && rolledBack.has(d.id)) setStage(state, d, 'ROLLBACK', 0);
  }
}

const forwards = (state: PlanState, rule: string, route: TrafficRoute, percent: number): boolean => {
  const share = shareOf(state, rule, route);
  const want = weightsFor(percent);
  return share !== undefined && Math.abs(share - (want.to * 100) / (want.from + want.to)) < 1e-6;
};

const productionShows = (state: PlanState, shift: TrafficShift): boolean =>
  shift.routes.every(
    (route) =>
      route.productionListenerRule === undefined ||
      forwards(state, route.productionListenerRule, route, shift.productionPercent),
  );

const testShows = (state: PlanState, shift: TrafficShift): boolean =>
  shift.routes.every(
    (route) => route.testListenerRule === undefined || forwards(state, route.testListenerRule, route, 100),
  );

/** Whether every rule of the shift is read and sends nothing to its new group any more. */
const rolledBackShows = (state: PlanState, shift: TrafficShift): boolean =>
  shift.routes.every((route) =>
    [route.productionListenerRule, route.testListenerRule].every(
      (rule) => rule === undefined || forwards(state, rule, route, 0),
    ),
  );

/**
 * Phase: a failed deployment rolling back runs its TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT hooks
 * (ECS runs those in a rollback), once its rules show the traffic back: the shift back never waits for
 * them (governing() gives a ROLLBACK no say over the weights), and what they answer cannot stop it.
 */
export function runRollbackHooks(state: RolloutState): void {
  for (const d of state.deployments) {
    const shift = d.trafficShift;
    if (d === state.primary || shift?.stage !== 'ROLLBACK' || !shift.lifecycleHooks?.length) continue;
    if (rolledBackShows(state, shift)) runsRollbackHooks(state, d);
  }
}

/** The production share after `percent` (a step of the strategy). */
const nextPercent = (shift: TrafficShift, percent: number): number => {
  if (shift.strategy === 'CANARY') return percent === 0 ? (shift.canaryPercent ?? 5) : 100;
  if (shift.strategy === 'LINEAR')
    return Math.min(100, Math.round((percent + (shift.stepPercent ?? 10)) * 10) / 10);
  return 100;
};

const stepBakeMs = (shift: TrafficShift): number =>
  (shift.strategy === 'CANARY'
    ? (shift.canaryBakeTimeInMinutes ?? 0)
    : shift.strategy === 'LINEAR'
      ? (shift.stepBakeTimeInMinutes ?? 0)
      : 0) * MINUTE_MS;

/** Holds the PRIMARY with a reason (and when the hold ends by itself): the stage cannot move on yet. */
const hold = (state: RolloutState, reason: string, until?: number): false => {
  state.actions.push({
    type: 'hold',
    deploymentId: state.primary.id,
    ...(until === undefined ? {} : { until }),
    reason: `deployment ${state.primary.id} ${reason}`,
  });
  return false;
};

/** One step of the stage machine: true when the stage moved on and the next may follow in this pass. */
function stepShift(state: RolloutState): boolean {
  const { primary, service } = state;
  const current = primary.trafficShift as TrafficShift;
  if (
    (current.stage === 'PRODUCTION_TRAFFIC_SHIFT' || current.stage === 'BAKE_TIME') &&
    holdWhileNewGroupDown(state, current)
  )
    return false;
  const since = epochOf(current.stageStartedAt) ?? state.now;
  switch (current.stage) {
    case 'SCALE_UP': {
      // The new tasks start only once RECONCILE_SERVICE's and PRE_SCALE_UP's hooks passed (launch.ts).
      if (awaitsHooks(state, BEFORE_SCALE_UP)) return false;
      const ready = live(state).filter((t) => t.deploymentId === primary.id && healthy(state, t)).length;
      if (ready < service.desiredCount) return false;
      if (awaitsHooks(state, ['POST_SCALE_UP'])) return false;
      if (current.routes.some((route) => route.testListenerRule !== undefined))
        setStage(state, primary, 'TEST_TRAFFIC_SHIFT', 0);
      else if (awaitsHooks(state, ['PRE_PRODUCTION_TRAFFIC_SHIFT'])) return false;
      else setStage(state, primary, 'PRODUCTION_TRAFFIC_SHIFT', nextPercent(current, 0));
      return true;
    }
    case 'TEST_TRAFFIC_SHIFT':
      if (awaitsHooks(state, ['TEST_TRAFFIC_SHIFT'])) return false;
      if (!testShows(state, current))
        return hold(state, 'waits for its test listener rules to forward to it');
      if (awaitsHooks(state, ['POST_TEST_TRAFFIC_SHIFT'])) return false;
      if (awaitsApproval(state)) return false;
      if (awaitsHooks(state, ['PRE_PRODUCTION_TRAFFIC_SHIFT'])) return false;
      setStage(state, primary, 'PRODUCTION_TRAFFIC_SHIFT', nextPercent(current, 0));
      return true;
    case 'PRODUCTION_TRAFFIC_SHIFT': {
      const percent = current.productionPercent;
      if (!productionShows(state, current))
        return hold(state, `waits for its production listener rules to forward ${percent}% to it`);
      // Each production step runs the PRODUCTION_TRAFFIC_SHIFT hooks once its weights show; its bake runs meanwhile.
      if (awaitsHooks(state, ['PRODUCTION_TRAFFIC_SHIFT'])) return false;
      if (percent >= 100) {
        if (awaitsHooks(state, ['POST_PRODUCTION_TRAFFIC_SHIFT'])) return false;
        setStage(state, primary, 'BAKE_TIME', 100);
        return true;
      }
      const due = since + stepBakeMs(current);
      if (state.now < due)
        return hold(state, `takes ${percent}% of production traffic; next step at ${isoOf(due)}`, due);
      // Evidence before a person's approval: the approval is asked for a stage its analysis passed.
      if (awaitsEvidence(state, stepBakeMs(current)) || awaitsApproval(state)) return false;
      setStage(state, primary, 'PRODUCTION_TRAFFIC_SHIFT', nextPercent(current, percent));
      return true;
    }
    case 'BAKE_TIME': {
      const due = since + current.bakeTimeInMinutes * MINUTE_MS;
      if (state.now < due) return hold(state, `bakes with both revisions up until ${isoOf(due)}`, due);
      if (awaitsEvidence(state, current.bakeTimeInMinutes * MINUTE_MS) || awaitsApproval(state)) return false;
      setStage(state, primary, 'CLEAN_UP', 100);
      state.shielded.clear();
      return false;
    }
    default:
      return false;
  }
}

/**
 * Phase: the stage machine of the PRIMARY's traffic shift, as far as this pass's observations let it go
 * (several stages in one pass when nothing needs waiting for). Old tasks serving production are
 * shielded from replacement until CLEAN_UP.
 */
export function advanceShift(state: RolloutState): void {
  const shift = governing(state);
  if (shift === undefined) return;
  if (shift.stage !== 'CLEAN_UP') shieldServing(state, shift);
  if (!isShifting(state.primary)) return;
  // Bounded: a LINEAR shift at 3 % with no step bake still moves one step per pass it can see.
  for (let step = 0; step < 8 && stepShift(state); step++);
}

/** Old tasks in the serving groups stay while production (or a rollback) may need them. */
function shieldServing(state: PlanState, shift: TrafficShift): void {
  const newGroups = new Set(shift.routes.map((route) => route.to));
  for (const task of live(state)) {
    if (task.deploymentId === state.primary?.id) continue;
    const groups = task.targets?.registered.map((target) => target.targetGroupArn) ?? [];
    if (!groups.some((arn) => newGroups.has(arn))) state.shielded.add(task.taskArn);
  }
}

/** Phase: a shift that completed this pass says so (its groups serve from its CLEAN_UP: recordServing). */
export function completeShift(state: RolloutState): void {
  const { primary, service } = state;
  const shift = primary.trafficShift;
  const before = state.original.get(primary.id);
  if (shift === undefined || primary.rolloutState !== 'COMPLETED' || before?.rolloutState === 'COMPLETED')
    return;
  state.events.push(
    `service ${service.serviceName} deployment ${primary.id} ${shift.strategy} traffic shift completed: ${shift.routes
      .map((route) => targetGroupName(route.to))
      .join(', ')} now serving production.`,
  );
}

/**
 * A rule governed by a shift. A failed shift that stays where it is (ABORT, or a failure without
 * rollback) keeps its weights while both groups can serve; once one of them has no healthy task left (a
 * scale-in stopped the aborted tasks, they died) and the other has, all of the rule goes to the other. A
 * shift under way sends no production to a new group with no healthy task while the old one has (its
 * tasks crashed after they passed: seeds 295, 411); its stage waits for them (holdWhileNewGroupDown).
 * Test traffic stays on the new group: it is there to reach the new revision, or nothing.
 */
const stranded = (
  state: PlanState,
  pair: { from: string; to: string },
  percent: number,
  production: boolean,
): number => {
  const failed = state.primary?.rolloutState === 'FAILED';
  if (!failed && !(production && isShifting(state.primary))) return percent;
  return neverToNothing(state, pair, percent, !failed);
};

/**
 * With no shift governing (none, or a rollback under way), a rule forwards to its serving group, never to
 * nothing: a rollback to a revision whose tasks are gone leaves traffic where it is served until the
 * rollback's tasks serve (seed 542). Those tasks serve from the health check at which the load balancer
 * calls them healthy, whatever their minReadySeconds: while the PRIMARY brings them up, the next pass
 * comes at the load balancer's pace (trafficAwaitsHealth; fuzz seeds 3046, 3158, 3192).
 */
const servingOrOther = (state: PlanState, pair: { from: string; to: string }): number => {
  const percent = neverToNothing(state, pair, 0, false);
  if (percent > 0 && state.primary?.rolloutState === 'IN_PROGRESS') state.trafficAwaitsHealth = true;
  return percent;
};

/** The new groups of a shift that have no healthy task while their old groups have. */
const downNewGroups = (state: PlanState, shift: TrafficShift): string[] =>
  shift.routes
    .filter((route) => !servesIn(state, route.to) && servesIn(state, route.from))
    .map((route) => targetGroupName(route.to));

/**
 * While production is back on the old groups because a new one has no healthy task (stranded), a
 * production step or the bake time starts again: it counts only while production is where it says.
 */
function holdWhileNewGroupDown(state: RolloutState, shift: TrafficShift): boolean {
  if (shift.productionPercent <= 0) return false;
  const down = downNewGroups(state, shift);
  if (down.length === 0) return false;
  const { primary, service } = state;
  // Said once, in the pass that takes production back (the rules still showed the stage's weights).
  if (productionShows(state, shift))
    state.events.push(
      `service ${service.serviceName} deployment ${primary.id} ${shift.strategy} traffic shift: ${down.join(', ')} has no healthy task; production goes back until it has, and ${shift.stage} starts again then.`,
    );
  primary.trafficShift = { ...shift, stageStartedAt: state.nowIso };
  return hold(state, `holds production off ${down.join(', ')}: no healthy task there`);
}

/** The percent of each rule's traffic the shift wants on the new group; other rules: the serving group. */
const wantedShares = (
  state: PlanState,
): Array<{ rule: string; from: string; to: string; percent: number }> => {
  const shift = governing(state);
  const service: Pick<Service, 'servingTargetGroups'> = {
    servingTargetGroups: state.servingTargetGroups ?? state.service.servingTargetGroups ?? {},
  };
  const wanted: Array<{ rule: string; from: string; to: string; percent: number }> = [];
  for (const lb of state.service.loadBalancers ?? []) {
    const advanced = lb.advancedConfiguration;
    if (advanced === undefined) continue;
    const route = shift?.routes.find((r) => r.targetGroupArn === lb.targetGroupArn);
    const serving = servingTargetGroup(service, lb);
    const other = serving === lb.targetGroupArn ? advanced.alternateTargetGroupArn : lb.targetGroupArn;
    const pair = route ? { from: route.from, to: route.to } : { from: serving, to: other };
    if (advanced.productionListenerRule)
      wanted.push({
        rule: advanced.productionListenerRule,
        ...pair,
        percent: route
          ? stranded(state, pair, shift?.productionPercent ?? 0, true)
          : servingOrOther(state, pair),
      });
    if (advanced.testListenerRule)
      wanted.push({
        rule: advanced.testListenerRule,
        ...pair,
        percent:
          route && shift
            ? stranded(state, pair, TESTING.has(shift.stage) ? 100 : 0, false)
            : servingOrOther(state, pair),
      });
  }
  return wanted;
};

/** Phase: each listener rule read this pass that forwards otherwise than wanted is set (ModifyRule). */
export function setTraffic(state: PlanState): void {
  for (const { rule, from, to, percent } of wantedShares(state)) {
    const route = { targetGroupArn: from, from, to };
    if (state.input.traffic?.rules[rule] === undefined || forwards(state, rule, route, percent)) continue;
    const weights = weightsFor(percent);
    state.actions.push({
      type: 'set-traffic',
      listenerRule: rule,
      weights: [
        { targetGroupArn: from, weight: weights.from },
        { targetGroupArn: to, weight: weights.to },
      ],
      reason: `${percent}% of the traffic of ${rule} to ${targetGroupName(to)}, the rest to ${targetGroupName(from)}`,
    });
  }
}

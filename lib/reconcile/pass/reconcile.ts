/**
 * Reconciles one service, level-triggered: every pass re-reads the service, the inventory and (for
 * launches it committed to) ECS, asks the pure plan() what to do, persists the plan's bookkeeping with
 * an optimistic-locking write, and only then makes the ECS calls. The order makes a crash at any
 * point safe:
 *   - launches are committed first (Service.inflightLaunches) with deterministic clientTokens, and the
 *     next pass replays them with the same tokens, so ECS returns the tasks it already launched;
 *   - a lease plus the version check keep two reconcilers from acting on one service at once;
 *   - each launch is confirmed (taken off inflightLaunches) as soon as ECS answers it, so a pass that
 *     is cut short leaves only the launches it did not make for the next pass to replay;
 *   - a launch ECS refuses for good (a 4xx, or RunTask `failures`) is dropped and recorded on its
 *     deployment as failed launches, with a service event, so it is never replayed again.
 * With a deadline, a pass commits only the launches the launch rate lets it make before then, starts no
 * work after it, and asks for a follow-up pass for the rest.
 */

import type { Service } from '../../domain';
import type { EcsGateway } from '../../ecs/gateway';
import { FARGATE_LAUNCH_RATE, PacingDeadlineError } from '../../ecs/pacer';
import { isoOf } from '../../time';
import { startedTasksEvent, stoppedTasksEvent, targetGroupNotFoundEvent } from '../plan/event-texts';
import type { PlanResult, StopAction } from '../plan/types';
import { readinessWaits } from '../plan/waiting';
import { applyTargetActions } from './apply-target-actions';
import {
  CLOCK_SKEW_MARGIN_MS,
  type PassOptions,
  passContext,
  type ReconcileOutcome,
  type ReconcilerDeps,
} from './context';
import { cutShort, FOLLOW_UP_MS, launchesWithin } from './deadline';
import { callDueHook } from './hooks';
import { createPassReader } from './inputs';
import { createLauncher, launchesOf } from './launches';
import { applyTraffic, knownRuleActions, recordOf, rulesSetBy, ruleWeightsToKeep } from './traffic';
import { schedulesWake, wakeDelay } from './wake';
import { createPassWriter } from './writes';

export type { PassCause, PassOptions, ReconcileOutcome, ReconcilerDeps } from './context';

export { CLOCK_SKEW_MARGIN_MS } from './context';

/** The service's target group read times with this pass's (target-reads.ts), for the groups still in play. */
const keptReadTimes = (
  service: Service,
  { readAt, inPlay }: { readAt: Record<string, string>; inPlay: string[] },
): Service['targetHealthReadAt'] => {
  const kept = Object.fromEntries(
    Object.entries({ ...service.targetHealthReadAt, ...readAt }).filter(([arn]) => inPlay.includes(arn)),
  );
  return Object.keys(kept).length > 0 ? kept : undefined;
};

export const createReconciler = (deps: ReconcilerDeps) => {
  const leaseMs = deps.leaseMs ?? 60_000;
  const context = passContext(deps);
  const { called } = context;
  const reader = createPassReader(context);
  const writer = createPassWriter(context);
  const { planWithRecords, computePlan, targetDeps } = reader;
  const { persist, passEvents, recordTasks } = writer;
  const { makeLaunches } = createLauncher(context, reader, writer);

  /**
   * Reconciles the service, unless a pass that started after `requestedAt` (when the request was made,
   * or fell due) has completed since: then the request is `superseded`. Without `requestedAt` it always
   * runs.
   */
  const reconcile = async (
    cluster: string,
    serviceName: string,
    requestedAt?: number,
    options: PassOptions = {},
  ): Promise<ReconcileOutcome> => {
    const owner = deps.newId();
    const startedAt = deps.now();
    const lease = await deps.store.acquireLease(
      cluster,
      serviceName,
      owner,
      leaseMs,
      startedAt,
      requestedAt === undefined ? undefined : requestedAt + CLOCK_SKEW_MARGIN_MS,
    );
    called('dynamodb:AcquireLease');
    if (lease === 'superseded') return { status: 'superseded' };
    if (lease === 'held') return { status: 'busy' };
    let completed = false;
    try {
      const outcome = await passUnderLease(cluster, serviceName, options);
      completed = true;
      return outcome;
    } finally {
      // Only a pass that ran to its end may answer the requests made before it started.
      await deps.store.releaseLease(cluster, serviceName, owner, completed ? startedAt : undefined);
    }
  };

  /** The service and its tasks read again after a hook call; no service, or an INACTIVE one, is gone. */
  const readAfterHook = async (cluster: string, serviceName: string) => {
    const read = await deps.store.getServiceWithRecentTasks(cluster, serviceName);
    called('dynamodb:GetService');
    return { service: read.service?.status === 'INACTIVE' ? undefined : read.service, tasks: read.tasks };
  };

  const passUnderLease = async (
    cluster: string,
    serviceName: string,
    options: PassOptions,
  ): Promise<ReconcileOutcome> => {
    const { deadline, readTargetGroups, ...cause } = options;
    // The service item and its tasks: one read (the service in the live tasks' BatchGetItem).
    const read = deps.store.getServiceWithRecentTasks(cluster, serviceName);
    const taskRecords = read.then(({ tasks }) => tasks);
    taskRecords.catch(() => undefined); // the failure is the read's, thrown below
    const { service: stored } = await read;
    called('dynamodb:GetService');
    if (!stored || stored.status === 'INACTIVE') return { status: 'gone' };
    let service: Service = stored;
    const pastDeadline = () => deadline !== undefined && deps.now() >= deadline;
    // The pass's service events: the newest stored ones read once, then kept with what it writes.
    const recordEvents = passEvents();

    // Launches a crashed or cut-short pass committed to: replay them with the same tokens before
    // planning anew (ECS answers the ones it made from their tokens).
    let launched = 0;
    const replaying = (service.inflightLaunches?.length ?? 0) > 0;
    if (replaying) {
      const replayed = await makeLaunches(service, {
        replay: true,
        cause,
        recordEvents,
        ...(deadline ? { deadline } : {}),
      });
      service = replayed.service;
      launched += replayed.launched;
      if (replayed.retryInMs !== undefined || pastDeadline()) {
        return cutShort(service, launched, 0, replayed.retryInMs ?? FOLLOW_UP_MS);
      }
    }

    // A lifecycle hook due now is called before planning: the plan judges its answer.
    const hookResult = await callDueHook(context, service, deadline);
    // A call may take up to 20 s: a change made meanwhile (a PATCH, the scaling evaluator's desired count)
    // is planned with, not lost to the version check of the pass's write (fuzz seed 2203: a scale-in to 0
    // waited out two such calls). The lease keeps other passes out, so what changed is theirs alone.
    const reread = hookResult === undefined ? undefined : await readAfterHook(cluster, serviceName);
    if (reread !== undefined && reread.service === undefined) return { status: 'gone' };
    if (reread?.service !== undefined) service = reread.service;
    // Replayed launches recorded new tasks: read the tasks again after them.
    let planned: Awaited<ReturnType<typeof planWithRecords>>;
    try {
      planned = await planWithRecords(
        service,
        reread !== undefined ? Promise.resolve(reread.tasks) : replaying ? undefined : taskRecords,
        hookResult,
        {
          ...(deadline === undefined ? {} : { deadline }),
          ...(readTargetGroups ? { readTargetGroups } : {}),
        },
      );
    } catch (error) {
      // No room in ELB's Describe* budget soon: the next pass reads, when room is expected. A hook
      // answer not planned with is asked for again then (hooks are called again anyway: hooks.ts).
      if (error instanceof PacingDeadlineError) return cutShort(service, launched, 0, error.retryInMs);
      throw error;
    }
    const { result, records, healthChecksRead, targetHealthRead, rulesRead } = planned;
    const plannedLaunches = launchesOf(result.actions);
    const launches = launchesWithin(
      plannedLaunches,
      deadline,
      deps.now(),
      deps.launchRate ?? FARGATE_LAUNCH_RATE,
    );
    const stops = result.actions.filter((action): action is StopAction => action.type === 'stop');
    const wakeInMs =
      launches.length < plannedLaunches.length ? FOLLOW_UP_MS : wakeDelay(service, result, deps.now());
    const wakeAt = wakeInMs === undefined ? undefined : isoOf(deps.now() + wakeInMs);

    const next: Service = {
      ...service,
      status: result.serviceStatus,
      taskDefinition: result.taskDefinition,
      runningCount: result.runningCount,
      pendingCount: result.pendingCount,
      deployments: result.deployments,
      ...(result.servingTargetGroups ? { servingTargetGroups: result.servingTargetGroups } : {}),
      ...(Object.keys(healthChecksRead).length > 0
        ? { targetGroupHealthChecks: { ...service.targetGroupHealthChecks, ...healthChecksRead } }
        : {}),
    };
    // The rules' actions as known before the write below drops the records of the rules it sets.
    const ruleActions = knownRuleActions(service, rulesRead);
    // Bookkeeping of what the pass read (or is about to set), each left out when empty.
    const readTimes = keptReadTimes(service, targetHealthRead);
    const ruleWeights = ruleWeightsToKeep(service, rulesRead, rulesSetBy(result.actions));
    if (readTimes) next.targetHealthReadAt = readTimes;
    else delete next.targetHealthReadAt;
    if (ruleWeights) next.listenerRuleWeights = ruleWeights;
    else delete next.listenerRuleWeights;
    delete next.inflightLaunches;
    if (launches.length > 0) next.inflightLaunches = launches;
    const scheduleWake = schedulesWake(service, wakeAt, deps.now());
    if (scheduleWake) next.wakeAt = wakeAt;
    else if (wakeAt === undefined) delete next.wakeAt;
    if (JSON.stringify({ ...next, updatedAt: '' }) !== JSON.stringify({ ...service, updatedAt: '' })) {
      service = await persist(next, service);
    }
    // Why the rollout waits, when the plan itself has nothing to do for it.
    const waits = readinessWaits(result, service.deploymentConfiguration, service.loadBalancers).map(
      (reason) => `service ${serviceName} ${reason}.`,
    );
    // The service events are for people: written beside the stops and launches, not before them.
    const eventsRecorded = recordEvents(service, [...result.events, ...waits], cause);
    eventsRecorded.catch(() => undefined); // awaited below; a failed stop or launch is reported first
    // ECS's own words for what the pass did, with the task ids, once it did it (or was cut short).
    const stoppedArns: string[] = [];
    const startedArns: string[] = [];
    const deletedTargetGroups: string[] = [];
    const eventsOf: Service = service;
    const recordActions = async () => {
      await eventsRecorded;
      await recordEvents(
        eventsOf,
        [
          ...deletedTargetGroups.map((arn) => targetGroupNotFoundEvent(serviceName, arn)),
          ...(stoppedArns.length > 0 ? [stoppedTasksEvent(serviceName, stoppedArns)] : []),
          ...(startedArns.length > 0 ? [startedTasksEvent(serviceName, startedArns)] : []),
        ],
        cause,
      );
    };
    /** Ends the pass early: records what it did, and asks for the next pass in `retryInMs`. */
    const stopShort = async (retryInMs: number, planned?: PlanResult) => {
      await recordActions();
      return cutShort(service, launched, stoppedArns.length, retryInMs, planned);
    };

    // Traffic first: a rollback takes production off the new tasks before they drain.
    if (result.actions.some((action) => action.type === 'set-traffic')) {
      if (pastDeadline()) return stopShort(FOLLOW_UP_MS);
      const set: NonNullable<Service['listenerRuleWeights']> = {};
      try {
        await applyTraffic(context, result.actions, deadline, ruleActions, (rule, weights, actions) => {
          set[rule] = { weights, at: isoOf(deps.now()), actions: recordOf(actions) };
        });
        // What was set, recorded: the next passes take the weights from here (traffic.ts).
        service = await persist(
          { ...service, listenerRuleWeights: { ...service.listenerRuleWeights, ...set } },
          service,
        );
      } catch (error) {
        // A rule not read within ACTIONS_KEPT_MS is read before it is set: no room, the next pass sets it.
        if (error instanceof PacingDeadlineError) return stopShort(error.retryInMs);
        throw error;
      }
    }
    // Targets next: a task is deregistered before it stops (its StopTask comes in a later pass).
    if (
      deps.elb &&
      result.actions.some(
        (action) => action.type.endsWith('-targets') || action.type === 'mark-targets-healthy',
      )
    ) {
      if (pastDeadline()) return stopShort(FOLLOW_UP_MS);
      const applied = await applyTargetActions(targetDeps(deps.elb), records, result.actions);
      deletedTargetGroups.push(...applied.notFound);
    }
    for (const action of stops) {
      if (pastDeadline()) return stopShort(FOLLOW_UP_MS);
      let task: Awaited<ReturnType<EcsGateway['stopTask']>>;
      try {
        task = await deps.ecsFor(cluster).stopTask(action.taskArn, action.reason, deadline);
      } catch (error) {
        // No stop room soon: the stops not made are the next pass's, when room is expected.
        if (error instanceof PacingDeadlineError) return stopShort(error.retryInMs);
        throw error;
      }
      called('ecs:StopTask');
      if (task) await recordTasks([task]);
      stoppedArns.push(action.taskArn);
    }
    if (launches.length > 0) {
      if (pastDeadline()) return stopShort(FOLLOW_UP_MS);
      const made = await makeLaunches(service, {
        replay: false,
        cause,
        recordEvents,
        ...(deadline ? { deadline } : {}),
      });
      service = made.service;
      launched += made.launched;
      startedArns.push(...made.started);
      if (made.retryInMs !== undefined) return stopShort(made.retryInMs, result);
      // Refused launches are failed ones the plan did not know of: the next pass counts them (breaker)
      // and holds the relaunch for the back-off, rather than waiting for this plan's own wake-up
      // (minReadySeconds, up to 30 s) to find them.
      if (made.refused > 0) return stopShort(FOLLOW_UP_MS, result);
    }
    await recordActions();
    return {
      status: 'reconciled',
      plan: result,
      launched,
      stopped: stoppedArns.length,
      ...(scheduleWake && wakeInMs !== undefined ? { wakeInMs } : {}),
    };
  };

  return { reconcile, computePlan };
};

export type Reconciler = ReturnType<typeof createReconciler>;

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
import type { Task } from '@aws-sdk/client-ecs';
import type { InflightLaunch, Service, ServiceEvent, TaskDefinition, TaskRecord } from '../domain';
import { ecsErrorSummary, isPermanentEcsError } from '../ecs/errors';
import type { EcsGateway } from '../ecs/gateway';
import { FARGATE_LAUNCH_RATE, PacingDeadlineError, type Rate } from '../ecs/pacer';
import { ecsTaskDefinitionArn as registeredArn } from '../ecs/task-definitions';
import type { ElbGateway } from '../elb/gateway';
import { NotFoundError } from '../errors';
import type { TugboatStore } from '../store/port';
import { cutShort, FOLLOW_UP_MS, launchesWithin } from './deadline';
import { startedTasksEvent, stoppedTasksEvent } from './event-texts';
import { messagesToRecord } from './events';
import {
  applyTargetActions,
  needsTargetGroups,
  readLoadBalancing,
  targetGroupsToRead,
} from './load-balancing';
import { observedTaskFromRecord, taskDefinitionFacts, taskRecordFromSdk } from './observe';
import { plan } from './plan';
import { type LaunchOutcome, launchFailuresOutcome, refusedLaunchOutcome, withRefusal } from './refusals';
import type { Action, LaunchAction, PlanOptions, PlanResult, StopAction, TaskDefinitionFacts } from './types';
import { readinessWaits } from './waiting';

export interface ReconcilerDeps {
  store: TugboatStore;
  /** The ECS gateway of a cluster. */
  ecsFor: (cluster: string) => EcsGateway;
  now: () => number;
  newId: () => string;
  planOptions?: PlanOptions;
  /** This installation's id: its launches carry it in startedBy and its ECS families (default `local`). */
  installation?: string;
  /** How long a lease holds a service (default 60 s); a crashed holder's lease lapses by itself. */
  leaseMs?: number;
  /** Test hook: called after every external call, by name; a throw simulates a crash right there. */
  afterExternalCall?: (call: string) => void;
  /** The launch rate a pass with a deadline plans its launches by (default Fargate's). */
  launchRate?: Rate;
  /** Elastic Load Balancing, for services behind target groups (without it their targets read as unknown). */
  elb?: ElbGateway;
}

/** What caused a pass: the request's correlation id and, for a change through the API, who made it. */
export interface PassCause {
  correlationId?: string;
  principal?: string;
}

/** How one pass runs: what caused it (its service events record it), and when it must stop. */
export interface PassOptions extends PassCause {
  /**
   * Epoch ms on deps.now(): the pass starts no work after it, and commits only the launches it can
   * make before it (the Lambda's remaining time minus a margin).
   */
  deadline?: number;
}

export type ReconcileOutcome =
  | { status: 'reconciled'; plan: PlanResult; launched: number; stopped: number; wakeInMs?: number }
  | { status: 'busy' }
  | { status: 'gone' }
  /** A pass that started after the request completed meanwhile: nothing left to do for it. */
  | { status: 'superseded' };

const MAX_EVENTS_KEPT_IN_ONE_PASS = 20;
/**
 * A pass answers a request only if it started this much later than the request was made: the two
 * instants come from different machines' clocks.
 */
export const CLOCK_SKEW_MARGIN_MS = 1_000;

interface LaunchOptions {
  replay: boolean;
  deadline?: number;
  cause: PassCause;
}

/** A launch ECS answered, with the tasks it started (for the service event). */
type MadeLaunch = LaunchOutcome & { taskArns: string[] };

export const createReconciler = (deps: ReconcilerDeps) => {
  const leaseMs = deps.leaseMs ?? 60_000;
  const called = (name: string) => deps.afterExternalCall?.(name);

  const getTaskDefinition = async (reference: string): Promise<TaskDefinition> => {
    const [family = '', revision = ''] = reference.split(':');
    const taskDefinition = await deps.store.getTaskDefinition(family, Number(revision));
    called('dynamodb:GetTaskDefinition');
    if (!taskDefinition) throw new NotFoundError(`Task definition ${reference} not found`);
    return taskDefinition;
  };

  /** The revision's ARN in ECS, registering it there the first time it is launched. */
  const ecsTaskDefinitionArn = async (cluster: string, reference: string): Promise<string> =>
    registeredArn(
      {
        store: deps.store,
        ecs: deps.ecsFor(cluster),
        afterCall: called,
        ...(deps.installation ? { installation: deps.installation } : {}),
      },
      await getTaskDefinition(reference),
    );

  const recordTasks = async (tasks: Task[]): Promise<void> => {
    const observedAt = new Date(deps.now()).toISOString();
    await Promise.all(tasks.map((task) => deps.store.recordTask(taskRecordFromSdk(task, observedAt))));
    if (tasks.length > 0) called('dynamodb:RecordTasks');
  };

  /** Makes one committed launch. ECS's refusal is an outcome, not an error; anything else throws. */
  const runLaunch = async (
    service: Service,
    launch: InflightLaunch,
    options: LaunchOptions,
  ): Promise<MadeLaunch> => {
    const gateway = deps.ecsFor(service.cluster);
    let result: Awaited<ReturnType<EcsGateway['runTasks']>>;
    try {
      const taskDefinitionArn = await ecsTaskDefinitionArn(service.cluster, launch.taskDefinition);
      result = await gateway.runTasks({
        taskDefinition: taskDefinitionArn,
        count: launch.count,
        clientToken: launch.clientToken,
        startedBy: launch.startedBy,
        group: launch.group,
        ...(launch.capacityProviderStrategy
          ? { capacityProviderStrategy: launch.capacityProviderStrategy }
          : { launchType: 'FARGATE' as const }),
        networkConfiguration: service.networkConfiguration,
        ...(service.tags.length > 0 ? { tags: service.tags } : {}),
        ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        replay: options.replay,
      });
    } catch (error) {
      if (!isPermanentEcsError(error)) throw error;
      return {
        ...refusedLaunchOutcome(service.serviceName, launch, ecsErrorSummary(error), deps.now()),
        taskArns: [],
      };
    }
    called('ecs:RunTask');
    await recordTasks(result.tasks);
    return {
      ...launchFailuresOutcome(service.serviceName, launch, result, deps.now()),
      taskArns: result.tasks.flatMap((task) => task.taskArn ?? []),
    };
  };

  /** Takes a launch ECS has answered off the commitment, with its refused tasks and events. */
  const confirmLaunch = async (
    service: Service,
    launch: InflightLaunch,
    outcome: LaunchOutcome,
    cause: PassCause,
  ): Promise<Service> => {
    const next: Service = {
      ...service,
      inflightLaunches: (service.inflightLaunches ?? []).filter(
        (committed) => committed.clientToken !== launch.clientToken,
      ),
    };
    if (next.inflightLaunches?.length === 0) delete next.inflightLaunches;
    if (outcome.refusal) {
      next.deployments = withRefusal(next.deployments, launch.deploymentId, outcome.refusal);
    }
    const written = await persist(next, service);
    await recordEvents(written, outcome.events, cause);
    return written;
  };

  /**
   * Makes the service's committed launches in order, confirming each. Stops at the first one whose
   * launch room would come after the deadline: it (unless an attempt of it may have launched) and the
   * rest were never made, so they are taken off the commitment and the next pass plans them anew. A
   * replay keeps them all: an earlier, killed pass may have made them.
   */
  const makeLaunches = async (
    service: Service,
    options: LaunchOptions,
  ): Promise<{ service: Service; launched: number; started: string[]; retryInMs?: number }> => {
    let current = service;
    let launched = 0;
    const started: string[] = [];
    for (const launch of service.inflightLaunches ?? []) {
      let outcome: MadeLaunch;
      try {
        outcome = await runLaunch(current, launch, options);
      } catch (error) {
        if (error instanceof PacingDeadlineError) {
          // A replay may be of launches a killed pass made: those stay committed.
          if (options.replay) return { service: current, launched, started, retryInMs: error.retryInMs };
          const committed = service.inflightLaunches ?? [];
          const unmade = new Set(
            committed
              .slice(committed.indexOf(launch) + (error.mayHaveLaunched ? 1 : 0))
              .map((l) => l.clientToken),
          );
          const next: Service = {
            ...current,
            inflightLaunches: (current.inflightLaunches ?? []).filter((l) => !unmade.has(l.clientToken)),
          };
          if (next.inflightLaunches?.length === 0) delete next.inflightLaunches;
          return { service: await persist(next, current), launched, started, retryInMs: error.retryInMs };
        }
        throw error;
      }
      current = await confirmLaunch(current, launch, outcome, options.cause);
      launched += outcome.launched;
      started.push(...outcome.taskArns);
    }
    return { service: current, launched, started };
  };

  /**
   * Writes the reconciler's bookkeeping over `previous`. Only a change of what the service runs
   * (a rollback's task definition, DRAINING to INACTIVE) bumps the user-visible version.
   */
  const persist = async (next: Service, previous: Service): Promise<Service> => {
    const specChanged = next.taskDefinition !== previous.taskDefinition || next.status !== previous.status;
    const written: Service = {
      ...next,
      version: previous.version + (specChanged ? 1 : 0),
      statusVersion: previous.statusVersion + 1,
      updatedAt: new Date(deps.now()).toISOString(),
    };
    await deps.store.updateService(written, previous);
    called('dynamodb:UpdateService');
    return written;
  };

  const recordEvents = async (service: Service, messages: string[], cause: PassCause = {}): Promise<void> => {
    if (messages.length === 0) return;
    const kept = messages.slice(0, MAX_EVENTS_KEPT_IN_ONE_PASS);
    const newest = await deps.store.listServiceEvents(service.cluster, service.serviceName, {
      limit: kept.length,
    });
    const base = deps.now();
    const fresh = messagesToRecord(kept, newest.items, base);
    const events: ServiceEvent[] = fresh.map((message, index) => ({
      id: deps.newId(),
      // Distinct instants keep the pass's events in order, newest last.
      createdAt: new Date(base + index).toISOString(),
      message,
      ...(cause.principal === undefined ? {} : { principal: cause.principal }),
      ...(cause.correlationId === undefined ? {} : { correlationId: cause.correlationId }),
    }));
    if (events.length > 0) {
      await deps.store.addServiceEvents(service.cluster, service.serviceName, events);
      called('dynamodb:AddServiceEvents');
    }
  };

  const launchesOf = (actions: Action[]): InflightLaunch[] =>
    actions
      .filter((action): action is LaunchAction => action.type === 'launch')
      .flatMap((action) =>
        action.runTaskCalls.map((call) => ({
          deploymentId: action.deploymentId,
          taskDefinition: action.taskDefinition,
          count: call.count,
          clientToken: call.clientToken,
          startedBy: action.startedBy,
          group: action.group,
          ...(call.capacityProviderStrategy
            ? { capacityProviderStrategy: call.capacityProviderStrategy }
            : {}),
          ...(call.launchType ? { launchType: call.launchType } : {}),
        })),
      );

  /** Reads what is there and asks plan() what to do: no writes, no ECS calls. Also serves dry runs. */
  const computePlan = async (service: Service, taskRecords?: Promise<TaskRecord[]>): Promise<PlanResult> =>
    (await planWithRecords(service, taskRecords)).result;

  const planWithRecords = async (
    service: Service,
    taskRecords?: Promise<TaskRecord[]>,
  ): Promise<{ result: PlanResult; records: TaskRecord[] }> => {
    const records = await (taskRecords ?? deps.store.listServiceTasks(service.cluster, service.serviceName));
    called('dynamodb:ListServiceTasks');
    const facts: Record<string, TaskDefinitionFacts> = {};
    for (const reference of new Set(service.deployments.map((deployment) => deployment.taskDefinition))) {
      facts[reference] = taskDefinitionFacts(await getTaskDefinition(reference));
    }
    const observedTasks = records.flatMap((record) => observedTaskFromRecord(record) ?? []);
    const loadBalancing =
      deps.elb && needsTargetGroups(service, records)
        ? await readLoadBalancing(targetDeps(deps.elb), targetGroupsToRead(service, records))
        : undefined;
    const result = plan({
      service,
      observedTasks,
      taskDefinitions: facts,
      now: deps.now(),
      ...(loadBalancing ? { loadBalancing } : {}),
      ...(deps.planOptions || deps.installation
        ? {
            options: {
              ...deps.planOptions,
              ...(deps.installation ? { installation: deps.installation } : {}),
            },
          }
        : {}),
    });
    return { result, records };
  };

  const targetDeps = (elb: ElbGateway) => ({ elb, store: deps.store, now: deps.now, called });

  /** How long until a time-based condition (readiness, back-off) may change the plan. */
  const wakeDelay = (service: Service, result: PlanResult): number | undefined => {
    const holds = result.actions.filter((action) => action.type === 'hold' && action.until !== undefined);
    const now = deps.now();
    const untils = holds.map((action) => (action as { until: number }).until - now).filter((ms) => ms > 0);
    const settling = result.deployments.some(
      (deployment) => deployment.rolloutState === 'IN_PROGRESS' && deployment.status !== 'INACTIVE',
    );
    if (untils.length > 0) return Math.min(...untils);
    // Running but not yet healthy (minReadySeconds, health checks): look again, so healthyCount and
    // the rollout state catch up without waiting for the scheduler.
    const becomingHealthy = result.deployments.some(
      (deployment) =>
        deployment.status === 'PRIMARY' && (deployment.healthyCount ?? 0) < deployment.desiredCount,
    );
    if (
      settling ||
      becomingHealthy ||
      result.serviceStatus === 'DRAINING' ||
      result.runningCount !== service.desiredCount
    ) {
      const minReadyMs = (service.deploymentConfiguration.minReadySeconds ?? 40) * 1000;
      return Math.max(1_000, Math.min(minReadyMs, 30_000));
    }
    return undefined;
  };

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

  const passUnderLease = async (
    cluster: string,
    serviceName: string,
    options: PassOptions,
  ): Promise<ReconcileOutcome> => {
    const { deadline, ...cause } = options;
    // The service item and its tasks are independent reads: both at once.
    const taskRecords = deps.store.listServiceTasks(cluster, serviceName);
    taskRecords.catch(() => undefined); // awaited below, unless the service is gone
    let service = await deps.store.getService(cluster, serviceName);
    called('dynamodb:GetService');
    if (!service || service.status === 'INACTIVE') return { status: 'gone' };
    const pastDeadline = () => deadline !== undefined && deps.now() >= deadline;

    // Launches a crashed or cut-short pass committed to: replay them with the same tokens before
    // planning anew (ECS answers the ones it made from their tokens).
    let launched = 0;
    const replaying = (service.inflightLaunches?.length ?? 0) > 0;
    if (replaying) {
      const replayed = await makeLaunches(service, {
        replay: true,
        cause,
        ...(deadline ? { deadline } : {}),
      });
      service = replayed.service;
      launched += replayed.launched;
      if (replayed.retryInMs !== undefined || pastDeadline()) {
        return cutShort(service, launched, 0, replayed.retryInMs ?? FOLLOW_UP_MS);
      }
    }

    // Replayed launches recorded new tasks: read the tasks again after them.
    const { result, records } = await planWithRecords(service, replaying ? undefined : taskRecords);
    const planned = launchesOf(result.actions);
    const launches = launchesWithin(planned, deadline, deps.now(), deps.launchRate ?? FARGATE_LAUNCH_RATE);
    const stops = result.actions.filter((action): action is StopAction => action.type === 'stop');
    const wakeInMs = launches.length < planned.length ? FOLLOW_UP_MS : wakeDelay(service, result);
    const wakeAt = wakeInMs === undefined ? undefined : new Date(deps.now() + wakeInMs).toISOString();

    const next: Service = {
      ...service,
      status: result.serviceStatus,
      taskDefinition: result.taskDefinition,
      runningCount: result.runningCount,
      pendingCount: result.pendingCount,
      deployments: result.deployments,
    };
    delete next.inflightLaunches;
    if (launches.length > 0) next.inflightLaunches = launches;
    // Schedule a wake-up only when none is already due sooner.
    const existingWake = service.wakeAt ? Date.parse(service.wakeAt) : undefined;
    const scheduleWake =
      wakeAt !== undefined &&
      (existingWake === undefined || existingWake <= deps.now() || existingWake > Date.parse(wakeAt));
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
    const eventsOf: Service = service;
    const recordActions = async () => {
      await eventsRecorded;
      await recordEvents(
        eventsOf,
        [
          ...(stoppedArns.length > 0 ? [stoppedTasksEvent(serviceName, stoppedArns)] : []),
          ...(startedArns.length > 0 ? [startedTasksEvent(serviceName, startedArns)] : []),
        ],
        cause,
      );
    };

    // Targets first: a task is deregistered before it stops (its StopTask comes in a later pass).
    if (
      deps.elb &&
      result.actions.some(
        (action) => action.type.endsWith('-targets') || action.type === 'mark-targets-healthy',
      )
    ) {
      if (pastDeadline()) {
        await recordActions();
        return cutShort(service, launched, 0, FOLLOW_UP_MS);
      }
      await applyTargetActions(targetDeps(deps.elb), records, result.actions);
    }
    let stopped = 0;
    for (const action of stops) {
      if (pastDeadline()) {
        await recordActions();
        return cutShort(service, launched, stopped, FOLLOW_UP_MS);
      }
      const task = await deps.ecsFor(cluster).stopTask(action.taskArn, action.reason);
      called('ecs:StopTask');
      if (task) await recordTasks([task]);
      stoppedArns.push(action.taskArn);
      stopped++;
    }
    if (launches.length > 0) {
      if (pastDeadline()) {
        await recordActions();
        return cutShort(service, launched, stopped, FOLLOW_UP_MS);
      }
      const made = await makeLaunches(service, { replay: false, cause, ...(deadline ? { deadline } : {}) });
      service = made.service;
      launched += made.launched;
      startedArns.push(...made.started);
      if (made.retryInMs !== undefined) {
        await recordActions();
        return cutShort(service, launched, stopped, made.retryInMs, result);
      }
    }
    await recordActions();
    return {
      status: 'reconciled',
      plan: result,
      launched,
      stopped,
      ...(scheduleWake && wakeInMs !== undefined ? { wakeInMs } : {}),
    };
  };

  return { reconcile, computePlan };
};

export type Reconciler = ReturnType<typeof createReconciler>;

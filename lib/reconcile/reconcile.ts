/**
 * Reconciles one service, level-triggered: every pass re-reads the service, the inventory and (for
 * launches it committed to) ECS, asks the pure plan() what to do, persists the plan's bookkeeping with
 * an optimistic-locking write, and only then makes the ECS calls. The order makes a crash at any
 * point safe:
 *   - launches are committed first (Service.inflightLaunches) with deterministic clientTokens, and the
 *     next pass replays them with the same tokens, so ECS returns the tasks it already launched;
 *   - a lease plus the version check keep two reconcilers from acting on one service at once.
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { InflightLaunch, Service, ServiceEvent, TaskDefinition, TaskRecord } from '../domain';
import type { EcsGateway } from '../ecs/gateway';
import { ecsTaskDefinitionArn as registeredArn } from '../ecs/task-definitions';
import { NotFoundError } from '../errors';
import type { TugboatStore } from '../store/port';
import { startedTasksEvent, stoppedTasksEvent } from './event-texts';
import { messagesToRecord } from './events';
import { observedTaskFromRecord, taskDefinitionFacts, taskRecordFromSdk } from './observe';
import { plan } from './plan';
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

/** What caused a pass: the request's correlation id and, for a change through the API, who made it. */
export interface PassCause {
  correlationId?: string;
  principal?: string;
}

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

  const runLaunch = async (service: Service, launch: InflightLaunch): Promise<Task[]> => {
    const gateway = deps.ecsFor(service.cluster);
    const taskDefinitionArn = await ecsTaskDefinitionArn(service.cluster, launch.taskDefinition);
    const result = await gateway.runTasks({
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
    });
    called('ecs:RunTask');
    await recordTasks(result.tasks);
    return result.tasks;
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
  const computePlan = async (service: Service, taskRecords?: Promise<TaskRecord[]>): Promise<PlanResult> => {
    const records = await (taskRecords ?? deps.store.listServiceTasks(service.cluster, service.serviceName));
    called('dynamodb:ListServiceTasks');
    const facts: Record<string, TaskDefinitionFacts> = {};
    for (const reference of new Set(service.deployments.map((deployment) => deployment.taskDefinition))) {
      facts[reference] = taskDefinitionFacts(await getTaskDefinition(reference));
    }
    const observedTasks = records.flatMap((record) => observedTaskFromRecord(record) ?? []);
    return plan({
      service,
      observedTasks,
      taskDefinitions: facts,
      now: deps.now(),
      ...(deps.planOptions || deps.installation
        ? {
            options: {
              ...deps.planOptions,
              ...(deps.installation ? { installation: deps.installation } : {}),
            },
          }
        : {}),
    });
  };

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
    /** What caused the request: the pass's service events record it. */
    cause?: PassCause,
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
      const outcome = await passUnderLease(cluster, serviceName, cause);
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
    cause?: PassCause,
  ): Promise<ReconcileOutcome> => {
    // The service item and its tasks are independent reads: both at once.
    const taskRecords = deps.store.listServiceTasks(cluster, serviceName);
    taskRecords.catch(() => undefined); // awaited below, unless the service is gone
    let service = await deps.store.getService(cluster, serviceName);
    called('dynamodb:GetService');
    if (!service || service.status === 'INACTIVE') return { status: 'gone' };

    // Launches a crashed pass committed to: replay them with the same tokens before planning anew.
    let launched = 0;
    const replaying = (service.inflightLaunches?.length ?? 0) > 0;
    if (replaying && service.inflightLaunches) {
      for (const launch of service.inflightLaunches) launched += (await runLaunch(service, launch)).length;
      const { inflightLaunches: _done, ...rest } = service;
      service = await persist(rest, service);
    }

    // Replayed launches recorded new tasks: read the tasks again after them.
    const result = await computePlan(service, replaying ? undefined : taskRecords);
    const launches = launchesOf(result.actions);
    const stops = result.actions.filter((action): action is StopAction => action.type === 'stop');
    const wakeInMs = wakeDelay(service, result);
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
    const waits = readinessWaits(result, service.deploymentConfiguration).map(
      (reason) => `service ${serviceName} ${reason}.`,
    );
    // The service events are for people: written beside the stops and launches, not before them.
    const eventsRecorded = recordEvents(service, [...result.events, ...waits], cause);
    eventsRecorded.catch(() => undefined); // awaited below; a failed stop or launch is reported first

    let stopped = 0;
    for (const action of stops) {
      const task = await deps.ecsFor(cluster).stopTask(action.taskArn, action.reason);
      called('ecs:StopTask');
      if (task) await recordTasks([task]);
      stopped++;
    }
    const started: string[] = [];
    for (const launch of launches) {
      const tasks = await runLaunch(service, launch);
      launched += tasks.length;
      started.push(...tasks.flatMap((task) => task.taskArn ?? []));
    }
    await eventsRecorded;
    // ECS's own words for what the pass did, with the task ids.
    await recordEvents(
      service,
      [
        ...(stops.length > 0
          ? [
              stoppedTasksEvent(
                serviceName,
                stops.map((action) => action.taskArn),
              ),
            ]
          : []),
        ...(started.length > 0 ? [startedTasksEvent(serviceName, started)] : []),
      ],
      cause,
    );
    if (launches.length > 0) {
      const { inflightLaunches: _done, ...rest } = service;
      service = await persist(rest, service);
    }
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

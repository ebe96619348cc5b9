/**
 * How a pass makes the launches it committed to (Service.inflightLaunches): in order, each with its
 * deterministic clientToken, each confirmed (taken off the commitment) as soon as ECS answers it. A
 * launch ECS refuses for good is an outcome recorded on its deployment, never replayed.
 */
import type { InflightLaunch, Service } from '../../domain';
import { ecsErrorSummary, isPermanentEcsError } from '../../ecs/errors';
import type { EcsGateway } from '../../ecs/gateway';
import { PacingDeadlineError } from '../../ecs/pacer';
import { ecsTaskDefinitionArn as registeredArn } from '../../ecs/task-definitions';
import { progressClockStopped } from '../plan/phases/primary';
import {
  type LaunchOutcome,
  launchFailuresOutcome,
  refusedLaunchOutcome,
  withRefusal,
  withSpotCapacityFailure,
} from '../plan/refusals';
import type { Action, LaunchAction } from '../plan/types';
import type { PassCause, PassContext } from './context';
import type { PassReader } from './inputs';
import type { PassWriter, RecordEvents } from './writes';

export interface LaunchOptions {
  replay: boolean;
  deadline?: number;
  cause: PassCause;
  /** The pass's event writer (default: one that reads the newest events at each write). */
  recordEvents?: RecordEvents;
}

/** A launch ECS answered, with the tasks it started (for the service event). */
type MadeLaunch = LaunchOutcome & { taskArns: string[] };

/** The plan's launch actions as commitments: one per RunTask call. */
export const launchesOf = (actions: Action[]): InflightLaunch[] =>
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
        ...(call.capacityProviderStrategy ? { capacityProviderStrategy: call.capacityProviderStrategy } : {}),
        ...(call.launchType ? { launchType: call.launchType } : {}),
      })),
    );

/** Without the commitments whose clientTokens are in `dropped`. */
const withoutLaunches = (service: Service, dropped: Set<string>): Service => {
  const next: Service = {
    ...service,
    inflightLaunches: (service.inflightLaunches ?? []).filter((l) => !dropped.has(l.clientToken)),
  };
  if (next.inflightLaunches?.length === 0) delete next.inflightLaunches;
  return next;
};

export const createLauncher = (
  { deps, called }: PassContext,
  { getTaskDefinition }: PassReader,
  { persist, recordEvents, recordTasks }: PassWriter,
) => {
  /** The revision's ARN in ECS, registering it there the first time it is launched. */
  const ecsTaskDefinitionArn = async (
    cluster: string,
    reference: string,
    deadline?: number,
  ): Promise<string> =>
    registeredArn(
      {
        store: deps.store,
        ecs: deps.ecsFor(cluster),
        afterCall: called,
        ...(deps.installation ? { installation: deps.installation } : {}),
        ...(deadline === undefined ? {} : { deadline }),
      },
      await getTaskDefinition(reference),
    );

  /** Makes one committed launch. ECS's refusal is an outcome, not an error; anything else throws. */
  const runLaunch = async (
    service: Service,
    launch: InflightLaunch,
    options: LaunchOptions,
  ): Promise<MadeLaunch> => {
    const gateway = deps.ecsFor(service.cluster);
    let result: Awaited<ReturnType<EcsGateway['runTasks']>>;
    try {
      const taskDefinitionArn = await ecsTaskDefinitionArn(
        service.cluster,
        launch.taskDefinition,
        options.deadline,
      );
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
    options: LaunchOptions,
  ): Promise<Service> => {
    const next = withoutLaunches(service, new Set([launch.clientToken]));
    if (outcome.refusal) {
      next.deployments = withRefusal(next.deployments, launch.deploymentId, outcome.refusal);
    }
    if (outcome.spotCapacityFailure) {
      next.deployments = withSpotCapacityFailure(
        next.deployments,
        launch.deploymentId,
        outcome.spotCapacityFailure,
      );
    }
    const written = await persist(next, service);
    await (options.recordEvents ?? recordEvents)(written, outcome.events, options.cause);
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
  ): Promise<{
    service: Service;
    launched: number;
    started: string[];
    refused: number;
    retryInMs?: number;
  }> => {
    let current = service;
    let launched = 0;
    let refused = 0;
    const started: string[] = [];
    for (const launch of service.inflightLaunches ?? []) {
      let outcome: MadeLaunch;
      try {
        outcome = await runLaunch(current, launch, options);
      } catch (error) {
        if (error instanceof PacingDeadlineError) {
          // The launch rate held the deployment back: that wait is Tugboat's, so its progress clock
          // stops, and a fleet-wide converge that outlasts progressDeadlineSeconds fails no rollout.
          const deployments = progressClockStopped(current.deployments, launch.deploymentId);
          // A replay may be of launches a killed pass made: those stay committed.
          if (options.replay) {
            const waiting =
              deployments === current.deployments
                ? current
                : await persist({ ...current, deployments }, current);
            return { service: waiting, launched, started, refused, retryInMs: error.retryInMs };
          }
          const committed = service.inflightLaunches ?? [];
          const unmade = new Set(
            committed
              .slice(committed.indexOf(launch) + (error.mayHaveLaunched ? 1 : 0))
              .map((l) => l.clientToken),
          );
          const next = { ...withoutLaunches(current, unmade), deployments };
          return {
            service: await persist(next, current),
            launched,
            started,
            refused,
            retryInMs: error.retryInMs,
          };
        }
        throw error;
      }
      current = await confirmLaunch(current, launch, outcome, options);
      launched += outcome.launched;
      refused += outcome.refusal?.count ?? 0;
      started.push(...outcome.taskArns);
    }
    return { service: current, launched, started, refused };
  };

  return { makeLaunches };
};

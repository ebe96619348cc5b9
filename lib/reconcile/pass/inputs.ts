/**
 * What a pass reads before it acts: the service's tasks, the task definitions its deployments name,
 * and (behind target groups) the targets' health; then the pure plan() over them. No writes, no ECS
 * calls, so it also serves dry runs.
 */
import {
  type HookResult,
  parseRevisionReference,
  type Service,
  type TargetGroupHealthCheckRead,
  type TaskDefinition,
  type TaskRecord,
} from '../../domain';
import { PacingDeadlineError } from '../../ecs/pacer';
import type { ElbGateway } from '../../elb/gateway';
import { NotFoundError } from '../../errors';
import { isoOf } from '../../time';
import { observedTaskFromRecord, taskDefinitionFacts } from '../plan/observe';
import { plan } from '../plan/plan';
import type { LoadBalancingInput, PlanResult, TaskDefinitionFacts } from '../plan/types';
import {
  drainedTargetGroups,
  needsTargetGroups,
  readLoadBalancing,
  targetGroupsToRead,
  withDeregistrationDelays,
  withHealthChecks,
} from './apply-target-actions';
import type { PassContext } from './context';
import { recordedTargets, splitTargetGroupReads } from './target-reads';
import { cachedTaskDefinitions } from './task-definition-cache';
import { type RulesRead, readTraffic } from './traffic';

export const createPassReader = ({ deps, called }: PassContext) => {
  // Revisions are immutable: once read (and registered in ECS), a reconciler keeps them.
  const taskDefinitions = cachedTaskDefinitions((family, revision) =>
    deps.store.getTaskDefinition(family, revision),
  );
  const getTaskDefinition = async (reference: string): Promise<TaskDefinition> => {
    const { family, revision } = parseRevisionReference(reference);
    const { taskDefinition, read } = await taskDefinitions.get(family, revision ?? Number.NaN);
    if (read) called('dynamodb:GetTaskDefinition');
    if (!taskDefinition) throw new NotFoundError(`Task definition ${reference} not found`);
    return taskDefinition;
  };

  const targetDeps = (elb: ElbGateway, deadline?: number) => ({
    elb,
    store: deps.store,
    now: deps.now,
    called,
    ...(deadline === undefined ? {} : { deadline }),
  });

  /**
   * Reads each group into `into` while ELB's Describe* budget has room at once (no wait): refreshes give
   * way to the reads that move deployments (target-reads.ts). Returns the groups it read.
   */
  const refreshWhileRoom = async (
    elbDeps: ReturnType<typeof targetDeps>,
    groups: string[],
    into: LoadBalancingInput,
  ): Promise<string[]> => {
    const read: string[] = [];
    for (const arn of groups) {
      try {
        const one = await readLoadBalancing({ ...elbDeps, ifRoomNow: true }, [arn]);
        Object.assign(into.targetHealth, one.targetHealth);
        into.notFound?.push(...(one.notFound ?? []));
        read.push(arn);
      } catch (error) {
        if (error instanceof PacingDeadlineError) break;
        throw error;
      }
    }
    return read;
  };

  /**
   * With a `deadline`, a read that would wait for room in ELB's Describe* budget past it throws
   * PacingDeadlineError (the pass stops short and asks for the next one when room is expected). With
   * `readTargetGroups`, every target group is read (target-reads.ts otherwise picks them).
   */
  const planWithRecords = async (
    service: Service,
    taskRecords?: Promise<TaskRecord[]>,
    hookResult?: HookResult,
    { deadline, readTargetGroups = false }: { deadline?: number; readTargetGroups?: boolean } = {},
  ): Promise<{
    result: PlanResult;
    records: TaskRecord[];
    /** Health check timings read this pass, for the service to keep (withHealthChecks). */
    healthChecksRead: Record<string, TargetGroupHealthCheckRead>;
    /** The target groups this pass read, and when; `inPlay`: every group it looked after. */
    targetHealthRead: { readAt: Record<string, string>; inPlay: string[] };
    /** The listener rules' weights, if this pass read them (rather than took them from the service). */
    rulesRead?: RulesRead;
  }> => {
    const records = await (taskRecords ??
      deps.store.listRecentServiceTasks(service.cluster, service.serviceName));
    called('dynamodb:ListRecentServiceTasks');
    const facts: Record<string, TaskDefinitionFacts> = {};
    for (const reference of new Set(service.deployments.map((deployment) => deployment.taskDefinition))) {
      facts[reference] = taskDefinitionFacts(await getTaskDefinition(reference));
    }
    const observedTasks = records.flatMap((record) => observedTaskFromRecord(record) ?? []);
    const elbDeps = deps.elb && targetDeps(deps.elb, deadline);
    const readAt = deps.now();
    const groups = elbDeps && needsTargetGroups(service, records) ? targetGroupsToRead(service, records) : [];
    // Only the groups the inventory cannot speak for are read; refreshes only with room (target-reads.ts).
    const split = readTargetGroups
      ? { read: groups, refresh: [], recorded: [] }
      : splitTargetGroupReads(service, records, groups, readAt);
    const readInput = elbDeps && groups.length > 0 ? await readLoadBalancing(elbDeps, split.read) : undefined;
    const refreshed = elbDeps && readInput ? await refreshWhileRoom(elbDeps, split.refresh, readInput) : [];
    const read = [...split.read, ...refreshed];
    for (const arn of groups)
      if (readInput && !read.includes(arn))
        readInput.targetHealth[arn] = recordedTargets(records, arn, readAt);
    const timed =
      elbDeps && readInput
        ? await withHealthChecks(elbDeps, readInput, service.targetGroupHealthChecks)
        : undefined;
    const loadBalancing = timed?.input;
    // A group ELB no longer has is read every pass: the inventory would speak for it as if it were there.
    const targetHealthRead = Object.fromEntries(
      read.filter((arn) => !readInput?.notFound?.includes(arn)).map((arn) => [arn, isoOf(readAt)]),
    );
    const trafficRead = await readTraffic({ deps, called }, service, deadline);
    const traffic = trafficRead?.input;
    const rulesRead = trafficRead?.read;
    const now = deps.now();
    const planWith = (input?: LoadBalancingInput) =>
      plan({
        service,
        observedTasks,
        taskDefinitions: facts,
        now,
        ...(input ? { loadBalancing: input } : {}),
        ...(traffic ? { traffic } : {}),
        ...(hookResult ? { hookResult } : {}),
        ...(deps.planOptions || deps.installation
          ? {
              options: {
                ...deps.planOptions,
                ...(deps.installation ? { installation: deps.installation } : {}),
              },
            }
          : {}),
      });
    let result = planWith(loadBalancing);
    // Only a drain depends on the deregistration delays: read them then, and plan again with them.
    const drained = loadBalancing && elbDeps ? drainedTargetGroups(result.actions) : [];
    if (loadBalancing && elbDeps && drained.length > 0) {
      result = planWith(await withDeregistrationDelays(elbDeps, loadBalancing, drained));
    }
    return {
      result,
      records,
      healthChecksRead: timed?.read ?? {},
      targetHealthRead: { readAt: targetHealthRead, inPlay: groups },
      ...(rulesRead ? { rulesRead } : {}),
    };
  };

  /** Reads what is there and asks plan() what to do: no writes, no ECS calls. Also serves dry runs. */
  const computePlan = async (service: Service, taskRecords?: Promise<TaskRecord[]>): Promise<PlanResult> =>
    (await planWithRecords(service, taskRecords)).result;

  return { getTaskDefinition, targetDeps, planWithRecords, computePlan };
};

export type PassReader = ReturnType<typeof createPassReader>;

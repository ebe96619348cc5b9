/**
 * Tugboat keeps task definitions itself and registers a revision with ECS only when something first
 * launches it. The reconciler and one-off tasks share this, so a revision gets one ECS registration
 * whoever launches it first.
 */
import { awaitsEcsDeregistration, type TaskDefinition } from '../domain';
import { VersionConflictError } from '../errors';
import { DEFAULT_INSTALLATION, ecsFamily } from '../inventory/naming';
import type { TugboatStore } from '../store/port';
import type { EcsGateway } from './gateway';

/**
 * Registered ECS task definitions by installation and Tugboat ARN, per ECS gateway (a process keeps one
 * per cluster): registration is throttled to 1/s, so never repeat it. Per gateway, not per process: a
 * process that talks to another ECS endpoint (one benchmark after another, each with a local ECS of its
 * own) must not launch an ARN the other endpoint registered.
 */
const ecsArnCacheBy = new WeakMap<EcsGateway, Map<string, string>>();
/**
 * Registrations under way through one ECS gateway (a process's, for a cluster), by the same key: a pass
 * that launches 25 jobs of one new revision at once registers it once, not 25 times (20 copies, the rest
 * throttled at 1/s for seconds). Launchers with gateways of their own (other processes) still race, and
 * keepRegistration settles that race.
 */
const registeringBy = new WeakMap<EcsGateway, Map<string, Promise<string>>>();

export interface EcsTaskDefinitionDeps {
  store: TugboatStore;
  /** The gateway of the cluster that launches (task definitions are account-wide in ECS). */
  ecs: EcsGateway;
  /** Whose ECS family (`tugboat-<installation>-<family>`) the revision is registered in (default `local`). */
  installation?: string;
  /** Called after each external call, by name (the reconciler's crash-injection hook). */
  afterCall?: (call: string) => void;
  /** A pass's deadline: registration room after it is the next pass's (PacingDeadlineError). */
  deadline?: number;
}

/**
 * The RegisterTaskDefinition input for a Tugboat revision, in the installation's own ECS family: a caller
 * can never add a revision to an ECS family Tugboat does not own.
 */
export const ecsRegistrationOf = (taskDefinition: TaskDefinition, installation = DEFAULT_INSTALLATION) => ({
  family: ecsFamily(installation, taskDefinition.family),
  cpu: taskDefinition.cpu,
  memory: taskDefinition.memory,
  networkMode: 'awsvpc' as const,
  requiresCompatibilities: ['FARGATE' as const],
  executionRoleArn: taskDefinition.executionRoleArn,
  taskRoleArn: taskDefinition.taskRoleArn,
  containerDefinitions: taskDefinition.containerDefinitions.map((container) => ({
    name: container.name,
    image: container.image,
    essential: container.essential ?? true,
    command: container.command,
    environment: container.environment,
    secrets: container.secrets,
    portMappings: container.portMappings,
    healthCheck: container.healthCheck,
    logConfiguration: container.logConfiguration,
  })),
});

/**
 * The revision's ARN in ECS, registering it there the first time it is launched and remembering the
 * ARN on the Tugboat revision. Two launchers that register at once (two passes, a job and a service)
 * make two ECS copies; both then use the one the store kept, so a RunTask retried with its clientToken
 * is always the same request (another copy would make ECS answer ConflictException for a task it did
 * launch). The losing copy is deregistered. Callers in one process share a registration under way.
 */
export const ecsTaskDefinitionArn = async (
  deps: EcsTaskDefinitionDeps,
  taskDefinition: TaskDefinition,
): Promise<string> => {
  const installation = deps.installation ?? DEFAULT_INSTALLATION;
  const cacheKey = `${installation} ${taskDefinition.taskDefinitionArn}`;
  let ecsArnCache = ecsArnCacheBy.get(deps.ecs);
  if (ecsArnCache === undefined) {
    ecsArnCache = new Map();
    ecsArnCacheBy.set(deps.ecs, ecsArnCache);
  }
  const cached = taskDefinition.ecsTaskDefinitionArn ?? ecsArnCache.get(cacheKey);
  if (cached) return cached;
  let registering = registeringBy.get(deps.ecs);
  if (registering === undefined) {
    registering = new Map();
    registeringBy.set(deps.ecs, registering);
  }
  const underWay = registering.get(cacheKey);
  if (underWay) {
    // Another caller's registration: its ARN, or, if it failed (its own fault, a crash injected into
    // it), a registration of this caller's own, as before.
    const arn = await underWay.catch(() => undefined);
    if (arn) return arn;
  }
  const registration = register(deps, taskDefinition, installation, cacheKey, ecsArnCache);
  registering.set(cacheKey, registration);
  try {
    return await registration;
  } finally {
    if (registering.get(cacheKey) === registration) registering.delete(cacheKey);
  }
};

const register = async (
  deps: EcsTaskDefinitionDeps,
  taskDefinition: TaskDefinition,
  installation: string,
  cacheKey: string,
  ecsArnCache: Map<string, string>,
): Promise<string> => {
  const called = (name: string) => deps.afterCall?.(name);
  const registered = await deps.ecs.registerTaskDefinition(
    ecsRegistrationOf(taskDefinition, installation),
    deps.deadline,
  );
  called('ecs:RegisterTaskDefinition');
  const ours = registered.taskDefinitionArn!;
  const kept = await keepRegistration(deps.store, called, taskDefinition, ours);
  if (kept === undefined) return ours;
  ecsArnCache.set(cacheKey, kept);
  if (kept !== ours) {
    // Nothing launched ours; a failed deregistration only leaves an unused copy behind.
    await deps.ecs.deregisterTaskDefinition(ours, deps.deadline).catch(() => undefined);
    called('ecs:DeregisterTaskDefinition');
  }
  return kept;
};

/**
 * Stores `ours` on the revision unless another writer stored its registration first. Returns the ARN
 * the revision now has, or undefined when neither could be stored (three conflicting writes).
 */
const keepRegistration = async (
  store: EcsTaskDefinitionDeps['store'],
  called: (name: string) => void,
  taskDefinition: TaskDefinition,
  ours: string,
): Promise<string | undefined> => {
  let current: TaskDefinition | undefined = taskDefinition;
  for (let attempt = 0; attempt < 3 && current; attempt++) {
    if (current.ecsTaskDefinitionArn) return current.ecsTaskDefinitionArn;
    try {
      await store.updateTaskDefinition({
        ...current,
        ecsTaskDefinitionArn: ours,
        version: current.version + 1,
      });
      called('dynamodb:UpdateTaskDefinition');
      return ours;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      current = await store.getTaskDefinition(taskDefinition.family, taskDefinition.revision);
      called('dynamodb:GetTaskDefinition');
    }
  }
  return current?.ecsTaskDefinitionArn;
};

/** Task definitions are account-wide in ECS: any cluster's gateway reaches them. */
export const ACCOUNT_WIDE_GATEWAY = 'default';

/**
 * Deregisters the ECS copy of an INACTIVE revision that no service uses any more (the caller checked
 * that), then records it on the revision, which takes it out of the index of copies awaiting it.
 * DeregisterTaskDefinition may be repeated (the gateway takes an INACTIVE or unknown copy as done), so a
 * crash between the two steps, or a lost race for the write, costs only the call again at the next
 * attempt (a DELETE, or the next scheduler run). Returns the revision as it now stands. With a
 * `deadline`, room in the task definition budget that comes after it throws PacingDeadlineError.
 */
export const retireEcsCopy = async (
  deps: Pick<EcsTaskDefinitionDeps, 'store' | 'ecs'>,
  taskDefinition: TaskDefinition,
  at: string,
  deadline?: number,
): Promise<TaskDefinition> => {
  if (!awaitsEcsDeregistration(taskDefinition)) return taskDefinition;
  await deps.ecs.deregisterTaskDefinition(taskDefinition.ecsTaskDefinitionArn!, deadline);
  const next: TaskDefinition = {
    ...taskDefinition,
    ecsDeregisteredAt: at,
    version: taskDefinition.version + 1,
  };
  try {
    await deps.store.updateTaskDefinition(next);
    return next;
  } catch (error) {
    if (error instanceof VersionConflictError) return taskDefinition;
    throw error;
  }
};

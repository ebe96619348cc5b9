import {
  awaitsEcsDeregistration,
  type Page,
  parseRevisionReference,
  revisionReference,
  type ServiceUsingRevision,
  servicesUsing,
  type TaskDefinition,
} from '../domain';
import { ACCOUNT_WIDE_GATEWAY, ecsRegistrationOf, retireEcsCopy } from '../ecs/task-definitions';
import {
  ConflictError,
  DependencyError,
  NotFoundError,
  ValidationError,
  VersionConflictError,
} from '../errors';
import { servicesOfClusters } from '../reconcile/scheduler/revision-retirement';
import { parseInput } from '../validation/parse';
import { assertAllowedRoles } from '../validation/roles';
import { ecsName, registerTaskDefinitionSchema } from '../validation/task-definition-schemas';
import { API_CALL_DEADLINE_MS, sleepBeforeRetry, type UseCaseContext } from './context';
import { fillAbandonedRevisions } from './revision-gaps';

const MAX_REGISTRATION_ATTEMPTS = 60;

/** ECS refuses a task definition whose JSON is larger than 64 KiB. */
export const ECS_TASK_DEFINITION_MAX_BYTES = 64 * 1024;

/** Refuses, naming `field`, a revision that ECS would refuse to register when it is first launched. */
export const assertEcsTaskDefinitionSize = (taskDefinition: TaskDefinition, field: string): void => {
  const bytes = Buffer.byteLength(
    JSON.stringify({ ...ecsRegistrationOf(taskDefinition), tags: taskDefinition.tags }),
  );
  if (bytes > ECS_TASK_DEFINITION_MAX_BYTES) {
    throw new ValidationError(
      `${field}: the task definition is ${bytes} bytes as JSON; ECS accepts at most ${ECS_TASK_DEFINITION_MAX_BYTES} bytes (64 KiB)`,
    );
  }
};

export const taskDefinitionArn = (context: UseCaseContext, family: string, revision: number): string =>
  `arn:aws:ecs:${context.config.region}:${context.config.accountId}:task-definition/${revisionReference({ family, revision })}`;

/** ECS's largest revision number: the size check counts the longest ARN. */
const MAX_REVISION = 1_000_000;

/**
 * Registers the next revision of a family. The number comes from an atomic counter (`ADD`), so racing
 * registrations never lose a race and never wait; the revision is then created under
 * attribute_not_exists. Meanwhile the holes a crashed registration may have left are filled
 * (revision-gaps.ts), so revisions stay dense and unique.
 */
export const registerTaskDefinition = async (
  context: UseCaseContext,
  body: unknown,
): Promise<TaskDefinition> => {
  const input = parseInput(registerTaskDefinitionSchema(), body);
  assertAllowedRoles(input, context.config);
  const arnOf = (revision: number) => taskDefinitionArn(context, input.family, revision);
  const revisionOf = (revision: number): TaskDefinition => ({
    family: input.family,
    revision,
    taskDefinitionArn: arnOf(revision),
    status: 'ACTIVE',
    cpu: input.cpu,
    memory: input.memory,
    containerDefinitions: input.containerDefinitions,
    ...(input.executionRoleArn ? { executionRoleArn: input.executionRoleArn } : {}),
    ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
    tags: input.tags ?? [],
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    registeredAt: context.now().toISOString(),
    version: 1,
  });
  // Checked before a number is reserved, so a refused body leaves no hole in the revisions.
  assertEcsTaskDefinitionSize(revisionOf(MAX_REVISION), 'containerDefinitions');
  for (let attempt = 0; attempt < MAX_REGISTRATION_ATTEMPTS; attempt++) {
    const reservation = await context.store.reserveTaskDefinitionRevision(
      input.family,
      context.now().getTime(),
    );
    const { revision } = reservation;
    const taskDefinition = revisionOf(revision);
    // The gap check is best effort: the next registration checks the same numbers again.
    const [created] = await Promise.allSettled([
      context.store.createTaskDefinition(taskDefinition),
      fillAbandonedRevisions(context, taskDefinition, reservation, arnOf).catch(() => undefined),
    ]);
    if (created.status === 'fulfilled') return taskDefinition;
    if (!(created.reason instanceof ConflictError)) throw created.reason;
    // The number is taken: by a revision written before the family had a counter, or by a filler
    // that judged this registration dead. Move the counter past what exists and reserve again.
    const latest = await context.store.getLatestTaskDefinition(input.family);
    if (latest) await context.store.advanceTaskDefinitionCounter(input.family, latest.revision);
  }
  throw new DependencyError(`Too many concurrent registrations of family ${input.family}; try again`);
};

const parseFamily = (family: string): string => parseInput(ecsName(), family, 'task definition family');

/** `latest` or a positive revision number. */
const parseRevision = (revision: string): number | 'latest' => {
  if (revision === 'latest') return 'latest';
  if (!/^[1-9]\d{0,8}$/.test(revision)) {
    throw new ValidationError(`Invalid revision "${revision}": must be a positive integer or "latest"`);
  }
  return Number(revision);
};

/** GET /task-definitions: the families, by name, paged. */
export const listTaskDefinitionFamilies = (
  context: UseCaseContext,
  page: { limit: number; nextToken?: string },
): Promise<Page<{ family: string }>> => context.store.listTaskDefinitionFamilies(page);

export const listTaskDefinitionRevisions = async (
  context: UseCaseContext,
  family: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<TaskDefinition>> => {
  const result = await context.store.listTaskDefinitions(parseFamily(family), page);
  if (result.items.length === 0 && page.nextToken === undefined) {
    throw new NotFoundError(`Task definition family ${family} not found`);
  }
  return result;
};

export const describeTaskDefinition = async (
  context: UseCaseContext,
  family: string,
  revision: string,
): Promise<TaskDefinition> => {
  const validFamily = parseFamily(family);
  const wanted = parseRevision(revision);
  const taskDefinition =
    wanted === 'latest'
      ? await context.store.getLatestActiveTaskDefinition(validFamily)
      : await context.store.getTaskDefinition(validFamily, wanted);
  if (!taskDefinition) {
    throw new NotFoundError(
      wanted === 'latest'
        ? `Task definition family ${family} has no ACTIVE revision`
        : `Task definition ${family}:${revision} not found`,
    );
  }
  return taskDefinition;
};

/** DELETE's answer: the revision, and the services that still use it (its ECS copy stays until none does). */
export type DeregisteredTaskDefinition = TaskDefinition & { servicesUsingRevision: ServiceUsingRevision[] };

/**
 * Marks the revision INACTIVE; it stays readable, as in ECS, and no new service, PATCH, deploy or
 * rollback may name it (resolveUsableTaskDefinition, assertUsable). As in ECS, services that run it go on
 * scaling and replacing tasks with it: its ECS copy, if it was ever launched, is deregistered here only
 * when no service uses it, and otherwise by the scheduler once none does (revision-retirement.ts).
 * Repeating it is harmless, and retries the ECS side.
 *
 * A request that resolved the revision just before it went INACTIVE may still write a service that uses
 * it (a window of one request, as ECS documents one of its own); the copy then goes when that service
 * no longer uses it, unless it was deregistered here in between.
 */
export const deregisterTaskDefinition = async (
  context: UseCaseContext,
  family: string,
  revision: string,
): Promise<DeregisteredTaskDefinition> => {
  const wanted = parseRevision(revision);
  if (wanted === 'latest') throw new ValidationError('Deregister a specific revision, not "latest"');
  const inactive = await markInactive(context, family, wanted);
  // Read after the INACTIVE write: whatever starts using the revision later had resolved it before.
  const services = await servicesOfClusters(context.store, await context.store.listClusters(), {
    consistentRead: true,
  });
  const servicesUsingRevision = servicesUsing(services, revisionReference(inactive));
  if (servicesUsingRevision.length > 0 || !awaitsEcsDeregistration(inactive) || !context.ecsFor) {
    return { ...inactive, servicesUsingRevision };
  }
  try {
    const ecs = context.ecsFor(ACCOUNT_WIDE_GATEWAY);
    const now = context.now();
    const retired = await retireEcsCopy(
      { store: context.store, ecs },
      inactive,
      now.toISOString(),
      now.getTime() + API_CALL_DEADLINE_MS,
    );
    return { ...retired, servicesUsingRevision };
  } catch (error) {
    throw new DependencyError(
      `ECS did not deregister ${inactive.ecsTaskDefinitionArn}; DELETE the revision again to retry (the scheduler retries it too)`,
      error,
    );
  }
};

/** The revision, INACTIVE (written so if it was not yet). */
const markInactive = async (
  context: UseCaseContext,
  family: string,
  revision: number,
): Promise<TaskDefinition> => {
  for (let attempt = 0; ; attempt++) {
    const current = await describeTaskDefinition(context, family, String(revision));
    if (current.status === 'INACTIVE') return current;
    const next: TaskDefinition = {
      ...current,
      status: 'INACTIVE',
      deregisteredAt: context.now().toISOString(),
      version: current.version + 1,
    };
    try {
      await context.store.updateTaskDefinition(next);
      return next;
    } catch (error) {
      if (attempt >= 5 || !(error instanceof VersionConflictError)) throw error;
      await sleepBeforeRetry(attempt);
    }
  }
};

/** The revision a `family:revision` reference names, even if deregistered since; 404 when there is none. */
export const getTaskDefinition = async (
  context: UseCaseContext,
  reference: string,
): Promise<TaskDefinition> => {
  const { family, revision } = parseRevisionReference(reference);
  const taskDefinition =
    revision === undefined ? undefined : await context.store.getTaskDefinition(family, revision);
  if (!taskDefinition) throw new NotFoundError(`Task definition ${reference} not found`);
  return taskDefinition;
};

/**
 * Refuses, naming `taskDefinition`, a revision that a new service or deployment may not use: an INACTIVE
 * one (ECS's ClientException "TaskDefinition is inactive", a 400), or one too large for ECS.
 */
export const assertUsable = (taskDefinition: TaskDefinition, reference: string): TaskDefinition => {
  if (taskDefinition.status !== 'ACTIVE') {
    throw new ValidationError(`taskDefinition: TaskDefinition ${reference} is inactive`);
  }
  assertEcsTaskDefinitionSize(taskDefinition, 'taskDefinition');
  return taskDefinition;
};

/**
 * Resolves `family` (its latest ACTIVE revision) or `family:revision` to a revision that a new
 * service or deployment may use. Unknown and INACTIVE revisions are the caller's mistake: 400.
 */
export const resolveUsableTaskDefinition = async (
  context: UseCaseContext,
  reference: string,
): Promise<TaskDefinition> => {
  const { family, revision } = parseRevisionReference(reference);
  if (revision === undefined) {
    const latest = await context.store.getLatestActiveTaskDefinition(family);
    if (!latest)
      throw new ValidationError(
        `taskDefinition: Unable to find an ACTIVE revision of task definition family ${family}`,
      );
    return assertUsable(latest, reference);
  }
  const taskDefinition = await context.store.getTaskDefinition(family, revision);
  if (!taskDefinition)
    throw new ValidationError(`taskDefinition: Unable to find task definition ${reference}`);
  return assertUsable(taskDefinition, reference);
};

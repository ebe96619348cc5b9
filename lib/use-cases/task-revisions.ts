/**
 * A task as a user reads it: Tugboat's `family:revision` in `taskDefinition`, and ECS's ARN, whose
 * revision number can differ from Tugboat's, only in `ecsTaskDefinitionArn`. The revision is found
 * from ECS's ARN through the registrations Tugboat recorded on its revisions, so it holds for every
 * task whatever reported it (RunTask, DescribeTasks, events) and after any crash.
 */
import { revisionReference, type Service, type TaskRecord } from '../domain';
import { ecsFamily } from '../inventory/naming';
import { installationOfContext, type UseCaseContext } from './context';

const ECS_ARN = /:task-definition\/([^:/]+):(\d+)$/;

/** Tugboat's `family:revision` registered in ECS as `ecsArn`, if this installation registered it. */
export const tugboatRevisionOf = async (
  context: UseCaseContext,
  ecsArn: string | undefined,
): Promise<string | undefined> => {
  const match = ecsArn ? ECS_ARN.exec(ecsArn) : null;
  if (!ecsArn || !match) return undefined;
  const prefix = ecsFamily(installationOfContext(context), '');
  if (!match[1]!.startsWith(prefix)) return undefined;
  const family = match[1]!.slice(prefix.length);
  const named = (revision: number) => revisionReference({ family, revision });
  // Most often ECS's number is Tugboat's; otherwise look through the family's revisions.
  const same = await context.store.getTaskDefinition(family, Number(match[2]));
  if (same?.ecsTaskDefinitionArn === ecsArn) return named(same.revision);
  let nextToken: string | undefined;
  do {
    const page = await context.store.listTaskDefinitions(family, {
      limit: 100,
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    const found = page.items.find((revision) => revision.ecsTaskDefinitionArn === ecsArn);
    if (found) return named(found.revision);
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
};

export type TaskView<T extends TaskRecord> = Omit<T, 'taskDefinitionArn'> & {
  taskDefinition?: string;
  ecsTaskDefinitionArn?: string;
};

/** What one answer already looked up: each ECS ARN and each service read once. */
interface Lookups {
  revisions: Map<string | undefined, Promise<string | undefined>>;
  services: Map<string, Promise<Service | undefined>>;
}

/**
 * Tugboat's revision of a task: through ECS's ARN, or, for a service task whose registration was never
 * recorded on its revision (a crash between RegisterTaskDefinition and the write), through the
 * deployment its startedBy names.
 */
const revisionOfTask = async (
  context: UseCaseContext,
  task: TaskRecord,
  seen: Lookups,
): Promise<string | undefined> => {
  const arn = task.taskDefinitionArn;
  if (!seen.revisions.has(arn)) seen.revisions.set(arn, tugboatRevisionOf(context, arn));
  const viaEcs = await seen.revisions.get(arn)!;
  if (viaEcs || !task.serviceName || !task.deploymentId) return viaEcs;
  const key = `${task.cluster}/${task.serviceName}`;
  if (!seen.services.has(key))
    seen.services.set(key, context.store.getService(task.cluster, task.serviceName));
  const service = await seen.services.get(key)!;
  return service?.deployments.find((deployment) => deployment.id === task.deploymentId)?.taskDefinition;
};

/** Tasks as answered: `taskDefinition` is Tugboat's revision, `ecsTaskDefinitionArn` ECS's ARN. */
export const taskViews = <T extends TaskRecord>(
  context: UseCaseContext,
  tasks: T[],
): Promise<TaskView<T>[]> => {
  const seen: Lookups = { revisions: new Map(), services: new Map() };
  return Promise.all(
    tasks.map(async (task) => {
      const { taskDefinitionArn, ...rest } = task;
      const taskDefinition = await revisionOfTask(context, task, seen);
      return {
        ...rest,
        ...(taskDefinition === undefined ? {} : { taskDefinition }),
        ...(taskDefinitionArn === undefined ? {} : { ecsTaskDefinitionArn: taskDefinitionArn }),
      };
    }),
  );
};

export const taskView = async <T extends TaskRecord>(
  context: UseCaseContext,
  task: T,
): Promise<TaskView<T>> => (await taskViews(context, [task]))[0]!;

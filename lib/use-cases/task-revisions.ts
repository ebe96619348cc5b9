/**
 * A task as a user reads it: Tugboat's `family:revision` in `taskDefinition`, and ECS's ARN, whose
 * revision number can differ from Tugboat's, only in `ecsTaskDefinitionArn`. The revision is found
 * from ECS's ARN through the registrations Tugboat recorded on its revisions, so it holds for every
 * task whatever reported it (RunTask, DescribeTasks, events) and after any crash.
 */
import type { TaskRecord } from '../domain';
import { ecsFamily } from '../reconcile/tokens';
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
  const named = (revision: number) => `${family}:${revision}`;
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

/** The task as answered: `taskDefinition` is Tugboat's revision, `ecsTaskDefinitionArn` ECS's ARN. */
export const taskView = async <T extends TaskRecord>(
  context: UseCaseContext,
  task: T,
  lookUp: (ecsArn: string | undefined) => Promise<string | undefined> = (arn) =>
    tugboatRevisionOf(context, arn),
): Promise<TaskView<T>> => {
  const { taskDefinitionArn, ...rest } = task;
  const taskDefinition = await lookUp(taskDefinitionArn);
  return {
    ...rest,
    ...(taskDefinition === undefined ? {} : { taskDefinition }),
    ...(taskDefinitionArn === undefined ? {} : { ecsTaskDefinitionArn: taskDefinitionArn }),
  };
};

/** Several tasks as answered, each ECS ARN looked up once. */
export const taskViews = <T extends TaskRecord>(
  context: UseCaseContext,
  tasks: T[],
): Promise<TaskView<T>[]> => {
  const lookUps = new Map<string | undefined, Promise<string | undefined>>();
  const lookUp = (arn: string | undefined) => {
    if (!lookUps.has(arn)) lookUps.set(arn, tugboatRevisionOf(context, arn));
    return lookUps.get(arn)!;
  };
  return Promise.all(tasks.map((task) => taskView(context, task, lookUp)));
};

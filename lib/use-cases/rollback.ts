/**
 * Rollback: a new PRIMARY deployment of an earlier revision of the service's own family, through the
 * same deploy path as any other deploy (deploys.ts), exempt from the order of source events.
 */
import * as z from 'zod';
import {
  type Deployment,
  parseRevisionReference,
  revisionReference,
  type Service,
  sameFamily,
} from '../domain';
import { ConflictError, ValidationError } from '../errors';
import { onFirstUse } from '../validation/on-first-use';
import { parseInput } from '../validation/parse';
import { taskDefinitionReference } from '../validation/schemas';
import type { UseCaseContext } from './context';
import { newestFirst } from './deployment-history';
import { type ChooseRevision, deployService, startedDeployment } from './deploys';
import { assertUsable, getTaskDefinition, resolveUsableTaskDefinition } from './task-definitions';

/**
 * A rollback stays within the service's own family (going to another family is a deploy, not a going
 * back): a bare revision number names one of that family's revisions.
 */
export const rollbackTarget = (service: Pick<Service, 'taskDefinition'>, reference: string): string => {
  const { family } = parseRevisionReference(service.taskDefinition);
  if (/^\d+$/.test(reference)) return `${family}:${reference}`;
  if (!sameFamily(reference, service.taskDefinition))
    throw new ValidationError(
      `taskDefinition: a rollback goes back to a revision of the service's own family ${family}, not ${reference}; to change family, deploy it`,
    );
  return reference;
};

export const rollbackSchema = onFirstUse(() =>
  z.strictObject({ taskDefinition: taskDefinitionReference().optional() }),
);

/**
 * POST .../rollback: a new PRIMARY deployment of `taskDefinition`, or by default of the task
 * definition of the newest COMPLETED deployment older than the current PRIMARY (one running another
 * revision: rolling back to what runs now would change nothing).
 */
export const rollbackService = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  body: unknown,
): Promise<Deployment> => {
  const input = parseInput(rollbackSchema(), body ?? {});
  const choose: ChooseRevision = async (service) => {
    if (input.taskDefinition !== undefined) {
      const reference = rollbackTarget(service, input.taskDefinition);
      return revisionReference(await resolveUsableTaskDefinition(context, reference));
    }
    const deployments = newestFirst(service.deployments);
    const primary = deployments.find((deployment) => deployment.status === 'PRIMARY');
    const older = primary ? deployments.slice(deployments.indexOf(primary) + 1) : deployments;
    const target = older.find(
      (deployment) =>
        deployment.rolloutState === 'COMPLETED' && deployment.taskDefinition !== service.taskDefinition,
    );
    if (!target) {
      throw new ConflictError(
        `Service ${serviceName} has no COMPLETED deployment of another task definition before its current PRIMARY to roll back to; give taskDefinition`,
      );
    }
    // Named by the caller as much as a given taskDefinition is (the circuit breaker's own rollback is not
    // an API call, and may use an INACTIVE revision, as ECS's does).
    return revisionReference(
      assertUsable(await getTaskDefinition(context, target.taskDefinition), target.taskDefinition),
    );
  };
  // Exempt from the order of source events: going back is the point of a rollback.
  const result = await deployService(context, cluster, serviceName, choose, {
    at: context.now().toISOString(),
    rollback: true,
  });
  return startedDeployment(result, 'rollback');
};

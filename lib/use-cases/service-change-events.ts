import { parseRevisionReference, type Service, secretLikeEnvironment } from '../domain';
import {
  deploymentStartedEvent,
  desiredCountChangedEvent,
  secretLikeEnvironmentEvent,
} from '../reconcile/plan/event-texts';
import { isoOf } from '../time';
import type { UseCaseContext } from './context';

/**
 * The warning for a revision the service deploys for the first time (none of its deployments ran it yet),
 * if its environment holds values that look like secrets. Best effort: the change is already written.
 */
const secretLikeWarning = async (
  context: UseCaseContext,
  before: Service | undefined,
  serviceName: string,
  taskDefinition: string,
): Promise<string | undefined> => {
  if (before?.deployments.some((deployment) => deployment.taskDefinition === taskDefinition))
    return undefined;
  const { family, revision } = parseRevisionReference(taskDefinition);
  try {
    const found =
      revision === undefined ? undefined : await context.store.getTaskDefinition(family, revision);
    const names = found ? secretLikeEnvironment(found) : [];
    return names.length > 0 ? secretLikeEnvironmentEvent(serviceName, taskDefinition, names) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The service events a user change tells: a deployment that became PRIMARY (with a warning when its revision
 * keeps what looks like secrets in its environment), and a new desired count (by whom: the API caller's
 * principal, or autoscaling).
 */
export const recordChangeEvents = async (
  context: UseCaseContext,
  before: Service | undefined,
  after: Service,
  by: string,
): Promise<void> => {
  const messages: string[] = [];
  if (before && before.desiredCount !== after.desiredCount) {
    messages.push(desiredCountChangedEvent(after.serviceName, before.desiredCount, after.desiredCount, by));
  }
  const known = new Set(before?.deployments.map((deployment) => deployment.id));
  for (const deployment of after.deployments) {
    if (deployment.status === 'PRIMARY' && !known.has(deployment.id)) {
      messages.push(deploymentStartedEvent(after.serviceName, deployment.id, deployment.taskDefinition));
      const warning = await secretLikeWarning(context, before, after.serviceName, deployment.taskDefinition);
      if (warning) messages.push(warning);
    }
  }
  if (messages.length === 0) return;
  const base = Date.parse(after.updatedAt);
  await context.store.addServiceEvents(
    after.cluster,
    after.serviceName,
    messages.map((message, index) => ({
      id: context.newId(),
      createdAt: isoOf(base + index),
      message,
      // The audit trail: who asked, and the request the change's effects carry.
      ...(context.caller?.principal ? { principal: context.caller.principal } : {}),
      ...(context.caller?.correlationId ? { correlationId: context.caller.correlationId } : {}),
    })),
  );
};

import type { Service } from '../domain';
import { deploymentStartedEvent, desiredCountChangedEvent } from '../reconcile/event-texts';
import { isoOf } from '../time';
import type { UseCaseContext } from './context';

/**
 * The service events a user change tells: a deployment that became PRIMARY, and a new desired count
 * (by whom: the API caller's principal, or autoscaling).
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

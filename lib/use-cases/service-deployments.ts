/**
 * A service's deployments as the API makes them: ECS's default deployment configuration and its
 * patches, a new deployment, and the service rolling to it as its PRIMARY.
 */
import {
  type Deployment,
  type DeploymentConfiguration,
  freshDeployment,
  newTrafficShift,
  type Service,
} from '../domain';
import { ValidationError } from '../errors';
import type { DeploymentConfigurationPatch } from '../validation/schemas';
import type { UseCaseContext } from './context';

/** ECS's defaults for a rolling-update service. */
export const DEFAULT_DEPLOYMENT_CONFIGURATION: DeploymentConfiguration = {
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  deploymentCircuitBreaker: { enable: false, rollback: false },
  minReadySeconds: 40,
  progressDeadlineSeconds: 600,
};

export const mergeDeploymentConfiguration = (
  current: DeploymentConfiguration,
  patch: DeploymentConfigurationPatch | undefined,
): DeploymentConfiguration => {
  const merged: DeploymentConfiguration = { ...current };
  if (patch) {
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined) (merged as unknown as Record<string, unknown>)[field] = value;
    }
  }
  if (merged.minimumHealthyPercent > merged.maximumPercent) {
    throw new ValidationError(
      'deploymentConfiguration: minimumHealthyPercent must not be greater than maximumPercent',
    );
  }
  return merged;
};

export const newDeploymentId = (context: UseCaseContext): string =>
  `ecs-svc-${context.newId().replaceAll('-', '')}`;

export const newDeployment = (
  context: UseCaseContext,
  taskDefinition: string,
  desiredCount: number,
  at: string,
): Deployment => {
  // Made by this API request: its time is the deployment's source event (see deploy-order.ts).
  const deployment = {
    ...freshDeployment(newDeploymentId(context), taskDefinition, desiredCount, at),
    sourceEventAt: at,
  };
  const principal = context.caller?.principal;
  return principal ? { ...deployment, principal } : deployment;
};

/** A service keeps every deployment that is not INACTIVE, and this many of its newest INACTIVE ones. */
export const INACTIVE_DEPLOYMENTS_KEPT = 50;

/**
 * The service rolling to `deployment`, which becomes PRIMARY: the PRIMARY before it turns ACTIVE and
 * the reconciler replaces its tasks, as in ECS. The one code path for a new task definition (PATCH),
 * a deploy (message or API) and a rollback. History beyond INACTIVE_DEPLOYMENTS_KEPT is dropped so
 * that frequent deploys cannot grow the service item towards DynamoDB's 400 KB limit.
 */
export const withPrimaryDeployment = (service: Service, deployment: Deployment, at: string): Service => {
  // A rollout that is replaced before it completed ends there, with a final state that says so.
  const previous = service.deployments.map((existing) => {
    if (existing.status !== 'PRIMARY' && existing.rolloutState !== 'IN_PROGRESS') return existing;
    const superseded =
      existing.rolloutState === 'IN_PROGRESS'
        ? {
            rolloutState: 'STOPPED' as const,
            rolloutStateReason: `superseded by deployment ${deployment.id}`,
          }
        : {};
    return {
      ...existing,
      ...(existing.status === 'PRIMARY' ? { status: 'ACTIVE' as const } : {}),
      ...superseded,
      updatedAt: at,
    };
  });
  let inactiveKept = 0;
  const kept = previous.filter(
    (existing) => existing.status !== 'INACTIVE' || inactiveKept++ < INACTIVE_DEPLOYMENTS_KEPT,
  );
  // The strategy as it is now: a change of strategy applies from the next deployment. A rollback that
  // adopts its revision's running tasks goes back at once, as an automatic rollback does: those tasks
  // serve where they are, and a shift of its own would send traffic to the group they are not in.
  const trafficShift = deployment.adoptsTasksOf === undefined ? newTrafficShift(service, at) : undefined;
  const primary = trafficShift ? { ...deployment, trafficShift } : deployment;
  return { ...service, taskDefinition: deployment.taskDefinition, deployments: [primary, ...kept] };
};

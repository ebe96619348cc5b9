/**
 * A person's hand on the lever: POST .../deployments/{id}/continue and .../stop. Each records the
 * request on the deployment (a version-checked write of the service) for the reconciler to carry out,
 * and a service event naming the caller (the audit trail); 409 when the deployment's state does not
 * allow it, 404 for a deployment the service does not have.
 */
import * as z from 'zod';
import {
  type ContinueAction,
  continueRefusal,
  type Deployment,
  type Service,
  type StopType,
  stopRefusal,
} from '../domain';
import { ConflictError, NotFoundError } from '../errors';
import { isoOf } from '../time';
import { onFirstUse } from '../validation/on-first-use';
import { parseInput } from '../validation/parse';
import { requestReconcile, type UseCaseContext } from './context';
import { mutateService, parseIfMatch } from './services';

export const continueSchema = onFirstUse(() =>
  z.strictObject({
    action: z
      .enum(['CONTINUE', 'ROLLBACK'])
      .describe('CONTINUE: the paused deployment moves on; ROLLBACK: it is stopped and rolled back.'),
  }),
);

export const stopSchema = onFirstUse(() =>
  z.strictObject({
    stopType: z
      .enum(['ROLLBACK', 'ABORT'])
      .describe(
        'ECS StopServiceDeployment stopType (default ROLLBACK). ROLLBACK: production traffic returns to the old target group and a rollback deployment takes over, as the circuit breaker does. ABORT: the deployment fails where it is; its tasks and both revisions keep running and the weights stay as they are until the next deployment.',
      )
      .optional(),
  }),
);

const findDeployment = (service: Service, deploymentId: string): Deployment => {
  const deployment = service.deployments.find((candidate) => candidate.id === deploymentId);
  if (!deployment)
    throw new NotFoundError(`Deployment ${deploymentId} not found in service ${service.serviceName}`);
  return deployment;
};

/** Replaces one deployment of the service by `change(deployment)`, version-checked, with an audit event. */
const changeDeployment = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  deploymentId: string,
  ifMatch: string | undefined,
  change: (deployment: Deployment, at: string) => { next: Deployment; event: string } | undefined,
): Promise<Deployment> => {
  let event: string | undefined;
  const service = await mutateService(context, cluster, serviceName, parseIfMatch(ifMatch), (current, at) => {
    const changed = change(findDeployment(current, deploymentId), at);
    event = changed?.event;
    if (changed === undefined) return current;
    return {
      ...current,
      deployments: current.deployments.map((d) => (d.id === deploymentId ? changed.next : d)),
    };
  });
  if (event !== undefined) {
    const principal = context.caller?.principal;
    await context.store.addServiceEvents(cluster, serviceName, [
      {
        id: context.newId(),
        createdAt: isoOf(Date.parse(service.updatedAt)),
        message: `service ${serviceName} deployment ${deploymentId} ${event}${principal ? ` by ${principal}` : ''}.`,
        ...(principal ? { principal } : {}),
        ...(context.caller?.correlationId ? { correlationId: context.caller.correlationId } : {}),
      },
    ]);
    await requestReconcile(context, service, `deployment ${deploymentId} ${event}`);
  }
  return findDeployment(service, deploymentId);
};

const stopped = (deployment: Deployment, stopType: StopType, at: string, principal?: string) => ({
  next: { ...deployment, stopRequested: { stopType, at, ...(principal ? { principal } : {}) } },
  event: stopType === 'ROLLBACK' ? 'stop with rollback requested' : 'stop (ABORT) requested',
});

/** POST .../deployments/{id}/continue: a paused deployment moves on, or is rolled back. */
export const continueDeployment = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  deploymentId: string,
  body: unknown,
  ifMatch?: string,
): Promise<Deployment> => {
  const { action } = parseInput(continueSchema(), body ?? {});
  const principal = context.caller?.principal;
  return changeDeployment(context, cluster, serviceName, deploymentId, ifMatch, (deployment, at) => {
    const refusal = continueRefusal(deployment);
    if (refusal) throw new ConflictError(`Cannot continue: ${refusal}`);
    if ((action as ContinueAction) === 'ROLLBACK') return stopped(deployment, 'ROLLBACK', at, principal);
    const shift = deployment.trafficShift;
    if (shift?.approval === undefined) return undefined;
    const approval = { ...shift.approval, continuedAt: at, ...(principal ? { continuedBy: principal } : {}) };
    return {
      next: { ...deployment, trafficShift: { ...shift, approval } },
      event: `continued at ${shift.stage}`,
    };
  });
};

/** POST .../deployments/{id}/stop (ECS StopServiceDeployment): ROLLBACK (the default) or ABORT. */
export const stopDeployment = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  deploymentId: string,
  body: unknown,
  ifMatch?: string,
): Promise<Deployment> => {
  const stopType: StopType = parseInput(stopSchema(), body ?? {}).stopType ?? 'ROLLBACK';
  const principal = context.caller?.principal;
  return changeDeployment(context, cluster, serviceName, deploymentId, ifMatch, (deployment, at) => {
    const refusal = stopRefusal(deployment, stopType);
    if (refusal) throw new ConflictError(`Cannot stop: ${refusal}`);
    if (deployment.stopRequested) return undefined;
    return stopped(deployment, stopType, at, principal);
  });
};

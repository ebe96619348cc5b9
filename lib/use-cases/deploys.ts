import {
  adoptionSource,
  type ContainerDefinition,
  type Deployment,
  type DeployRequest,
  revisionReference,
  type Service,
  type TaskDefinition,
} from '../domain';
import {
  ConflictError,
  DependencyError,
  NotFoundError,
  ValidationError,
  VersionConflictError,
} from '../errors';
import { DAY_SECONDS, epochSeconds } from '../time';
import { parseInput } from '../validation/parse';
import { requestReconcile, sleepBeforeRetry, type UseCaseContext } from './context';
import { type DeploySpec, deploySpecSchema } from './deploy-messages';
import { type DeploySource, outOfOrderReason } from './deploy-order';
import { type ImageSource, imageAt, imageSource, sameSource } from './images';
import { newDeployment, newDeploymentId, withPrimaryDeployment } from './service-deployments';
import { getService, mutateService } from './service-records';
import { matchesTagPattern } from './tag-pattern';
import {
  assertUsable,
  getTaskDefinition,
  registerTaskDefinition,
  resolveUsableTaskDefinition,
} from './task-definitions';

// ---------------------------------------------------------------------------------------------------
// The deploy itself

/** Chooses the revision a deploy rolls to, from the service as it is now; undefined: nothing to deploy. */
export type ChooseRevision = (service: Service) => Promise<string | undefined>;

export interface DeployResult {
  service: Service;
  deployment: Deployment;
  /** A repeated request: the deployment is the one the first delivery made. */
  duplicate: boolean;
}

/** A deploy not applied: its source event is older than the one behind the PRIMARY (see deploy-order.ts). */
export interface DeploySkipped {
  skipped: string;
}

/** A PENDING request elsewhere gets this long to finish before a duplicate gives up (and is retried). */
const WAIT_FOR_OTHER_WORKER_MS = 10_000;
/** Longer than the deployEvents function's timeout, so a live worker is never overtaken. */
export const DEPLOY_REQUEST_LEASE_MS = 120_000;
/** SQS keeps a message at most 14 days; the record outlives any redelivery. */
const DEPLOY_REQUEST_RETENTION_SECONDS = 15 * DAY_SECONDS;

/** Registers a copy of `base` with new container images; everything else stays as it was. */
const registerCopy = async (
  context: UseCaseContext,
  base: TaskDefinition,
  containerDefinitions: ContainerDefinition[],
): Promise<string> => {
  const registered = await registerTaskDefinition(context, {
    family: base.family,
    cpu: base.cpu,
    memory: base.memory,
    containerDefinitions,
    ...(base.executionRoleArn ? { executionRoleArn: base.executionRoleArn } : {}),
    ...(base.taskRoleArn ? { taskRoleArn: base.taskRoleArn } : {}),
    ...(base.tags && base.tags.length > 0 ? { tags: base.tags } : {}),
  });
  return revisionReference(registered);
};

/** The revision an explicit deploy (message or API) rolls to. */
export const chooseExplicitRevision =
  (context: UseCaseContext, spec: DeploySpec): ChooseRevision =>
  async (service) => {
    const base = spec.taskDefinition
      ? await resolveUsableTaskDefinition(context, spec.taskDefinition)
      : await getTaskDefinition(context, service.taskDefinition);
    // Deploying the service's own revision again needs it ACTIVE; a new image makes a new revision of it.
    if (spec.image === undefined) return revisionReference(assertUsable(base, service.taskDefinition));
    const containers = base.containerDefinitions;
    let target: ContainerDefinition | undefined;
    if (spec.containerName !== undefined) {
      target = containers.find((container) => container.name === spec.containerName);
      if (!target) {
        throw new ValidationError(
          `containerName: task definition ${revisionReference(base)} has no container named ${spec.containerName}`,
        );
      }
    } else if (containers.length === 1) {
      target = containers[0];
    } else {
      throw new ValidationError(
        `containerName: task definition ${revisionReference(base)} has ${containers.length} containers; name the one to give the image`,
      );
    }
    return registerCopy(
      context,
      base,
      containers.map((container) =>
        container === target ? { ...container, image: spec.image! } : container,
      ),
    );
  };

/** Whether a container's image comes from the registry and repository pushed to. */
const fromPushed = (container: ContainerDefinition, push: ImageSource): boolean =>
  sameSource(imageSource(container.image), push);

/** Whether a pushed image should deploy the service, judged on its current task definition. */
export const wantsPush = (service: Service, taskDefinition: TaskDefinition, push: ImagePush): boolean =>
  service.status === 'ACTIVE' &&
  service.autoDeploy !== undefined &&
  push.tag !== undefined &&
  matchesTagPattern(push.tag, service.autoDeploy.tagPattern) &&
  taskDefinition.containerDefinitions.some((container) => fromPushed(container, push));

/** A push to `repository` of `registry` (an ECR registry's host, as imageSource spells it). */
export interface ImagePush extends ImageSource {
  tag?: string;
  digest?: string;
}

/** The revision a pushed image rolls the service to: every container from the pushed repository gets it. */
export const choosePushedRevision =
  (context: UseCaseContext, push: ImagePush): ChooseRevision =>
  async (service) => {
    const current = await getTaskDefinition(context, service.taskDefinition);
    // Judged again on the service as it is now: the index that found it may be a moment behind.
    if (!wantsPush(service, current, push)) return undefined;
    const version =
      service.autoDeploy?.pinDigest && push.digest ? { digest: push.digest } : { tag: push.tag! };
    return registerCopy(
      context,
      current,
      current.containerDefinitions.map((container) =>
        fromPushed(container, push) ? { ...container, image: imageAt(container.image, version) } : container,
      ),
    );
  };

/** Adds the deployment with `deploymentId` as PRIMARY unless it is already there (a retried write). */
const applyDeployment = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  taskDefinition: string,
  deploymentId: string,
  source: DeploySource,
): Promise<{ service: Service; deployment: Deployment } | DeploySkipped> => {
  let skipped: string | undefined;
  const service = await mutateService(context, cluster, serviceName, undefined, (current, at) => {
    skipped = undefined;
    if (current.deployments.some((deployment) => deployment.id === deploymentId)) return current;
    if (current.status !== 'ACTIVE') {
      throw new ConflictError(`Service ${serviceName} is ${current.status} and can no longer be deployed`);
    }
    // Judged again in the write: a newer deploy may have landed since the request was read.
    skipped = outOfOrderReason(current, source);
    if (skipped !== undefined) return current;
    const deployment: Deployment = {
      ...newDeployment(context, taskDefinition, current.desiredCount, at),
      id: deploymentId,
      sourceEventAt: source.at,
    };
    // A rollback keeps the tasks of its revision that still run (adoption.ts).
    const adopted = source.rollback
      ? adoptionSource(current.deployments, taskDefinition, deploymentId)
      : undefined;
    if (adopted !== undefined) deployment.adoptsTasksOf = adopted;
    return withPrimaryDeployment(current, deployment, at);
  });
  if (skipped !== undefined) return { skipped };
  const deployment = service.deployments.find((candidate) => candidate.id === deploymentId);
  if (!deployment) throw new NotFoundError(`Deployment ${deploymentId} is no longer kept by ${serviceName}`);
  return { service, deployment };
};

/** Claims the request, or waits while another worker holds it. Returns the claimed record or a DONE one. */
const claimRequest = async (context: UseCaseContext, fresh: DeployRequest): Promise<DeployRequest> => {
  const deadline = context.now().getTime() + WAIT_FOR_OTHER_WORKER_MS;
  for (let attempt = 0; ; attempt++) {
    const nowMs = context.now().getTime();
    let claim: { claimed: boolean; request: DeployRequest };
    try {
      claim = await context.store.claimDeployRequest(
        { ...fresh, leaseUntil: nowMs + DEPLOY_REQUEST_LEASE_MS },
        nowMs,
      );
    } catch (error) {
      // Raced with a takeover or an expiry: look again.
      if (!(error instanceof VersionConflictError) || attempt >= 10) throw error;
      continue;
    }
    if (claim.claimed || claim.request.status === 'DONE') return claim.request;
    if (nowMs >= deadline) {
      throw new ConflictError(
        `Deploy request ${fresh.requestKey} for service ${fresh.serviceName} is in progress in another worker`,
      );
    }
    await sleepBeforeRetry(Math.min(attempt + 4, 6));
  }
};

/**
 * Deploys one service, once per request key when one is given: the revision `choose` picks (registered
 * at most once), as a new PRIMARY deployment. Returns undefined when `choose` finds nothing to deploy.
 */
export const deployService = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  choose: ChooseRevision,
  source: DeploySource,
  requestKey?: string,
): Promise<DeployResult | DeploySkipped | undefined> => {
  const service = await getService(context, cluster, serviceName);
  const deploymentId = newDeploymentId(context);
  const ensureActive = (current: Service) => {
    if (current.status !== 'ACTIVE') {
      throw new ConflictError(`Service ${serviceName} is ${current.status} and can no longer be deployed`);
    }
    return current;
  };
  const skip = async (skipped: DeploySkipped): Promise<DeploySkipped> => {
    await context.store.addServiceEvents(service.cluster, service.serviceName, [
      { id: context.newId(), createdAt: context.now().toISOString(), message: skipped.skipped },
    ]);
    return skipped;
  };
  if (requestKey === undefined) {
    ensureActive(service);
    const early = outOfOrderReason(service, source);
    if (early !== undefined) return skip({ skipped: early });
    const chosen = await choose(service);
    if (chosen === undefined) return undefined;
    const applied = await applyDeployment(context, cluster, serviceName, chosen, deploymentId, source);
    if ('skipped' in applied) return skip(applied);
    await requestReconcile(context, applied.service, `started deployment ${deploymentId} (${chosen})`);
    return { ...applied, duplicate: false };
  }

  const at = context.now();
  let request = await claimRequest(context, {
    cluster: service.cluster,
    serviceName: service.serviceName,
    requestKey,
    status: 'PENDING',
    owner: context.newId(),
    leaseUntil: 0,
    deploymentId,
    createdAt: at.toISOString(),
    expiresAt: epochSeconds(at.getTime()) + DEPLOY_REQUEST_RETENTION_SECONDS,
  });
  if (request.status === 'DONE') {
    // Nothing deployed the first time: nothing chosen, or skipped as out of order.
    if (request.taskDefinition === undefined) return undefined;
    const current = await getService(context, cluster, serviceName);
    const deployment = current.deployments.find((candidate) => candidate.id === request.deploymentId);
    if (!deployment) return undefined;
    return { service: current, deployment, duplicate: true };
  }
  if (request.taskDefinition === undefined) {
    const current = ensureActive(await getService(context, cluster, serviceName));
    // Checked before a revision is registered for it.
    const early = outOfOrderReason(current, source);
    if (early !== undefined) {
      await context.store.saveDeployRequest({ ...request, status: 'DONE' });
      return skip({ skipped: early });
    }
    const chosen = await choose(current);
    if (chosen === undefined) {
      await context.store.saveDeployRequest({ ...request, status: 'DONE' });
      return undefined;
    }
    request = { ...request, taskDefinition: chosen };
    await context.store.saveDeployRequest(request);
  }
  const applied = await applyDeployment(
    context,
    cluster,
    serviceName,
    request.taskDefinition!,
    request.deploymentId,
    source,
  );
  if ('skipped' in applied) {
    // The registered revision stays unused; a redelivery finds the request DONE and deploys nothing.
    await context.store.saveDeployRequest({ ...request, taskDefinition: undefined, status: 'DONE' });
    return skip(applied);
  }
  await context.store.saveDeployRequest({ ...request, status: 'DONE' });
  await requestReconcile(
    context,
    applied.service,
    `started deployment ${request.deploymentId} (${request.taskDefinition})`,
  );
  return { ...applied, duplicate: false };
};

/** An API deploy's answer: the deployment it started; a skipped deploy is a conflict. */
export const startedDeployment = (
  result: DeployResult | DeploySkipped | undefined,
  what: 'deploy' | 'rollback',
): Deployment => {
  if (!result) throw new DependencyError(`The ${what} chose no revision; try again`);
  if ('skipped' in result) throw new ConflictError(result.skipped);
  return result.deployment;
};

/** POST .../deployments: the same effect as an explicit deploy message, answered with the deployment. */
export const createDeployment = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  body: unknown,
): Promise<Deployment> => {
  const spec = parseInput(deploySpecSchema(), body ?? {});
  const result = await deployService(context, cluster, serviceName, chooseExplicitRevision(context, spec), {
    at: context.now().toISOString(),
  });
  return startedDeployment(result, 'deploy');
};

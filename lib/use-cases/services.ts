import { type Page, revisionReference, type Service, type ServiceEvent, withDesiredCount } from '../domain';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { checkAnalysis } from '../validation/analysis';
import { checkApproval } from '../validation/approval';
import { checkLifecycleHooks } from '../validation/lifecycle-hooks';
import { checkLoadBalancers, sameLoadBalancers } from '../validation/load-balancers';
import { parseInput } from '../validation/parse';
import { parseCluster, parseServiceName } from '../validation/path-params';
import {
  type CreateServiceInput,
  createServiceSchema,
  type UpdateServiceInput,
  updateServiceSchema,
} from '../validation/schemas';
import { mergeSpotFallback, spotFallbackProblem } from '../validation/spot-fallback';
import { checkStrategy } from '../validation/strategies';
import { assertCapacityProviders, requireCluster } from './clusters';
import { requestReconcile, type UseCaseContext } from './context';
import { assertOwnFamily, clampToAutoScaling, registerAutoScaling } from './scaling';
import { recordChangeEvents } from './service-change-events';
import {
  DEFAULT_DEPLOYMENT_CONFIGURATION,
  mergeDeploymentConfiguration,
  newDeployment,
  withPrimaryDeployment,
} from './service-deployments';
import { getService, mutateService, parseIfMatch } from './service-records';
import { getTaskDefinition, resolveUsableTaskDefinition } from './task-definitions';

export { getService, mutateService, parseIfMatch } from './service-records';

/** GET service returns this many of the newest events; the events route pages through the rest. */
export const SERVICE_EVENTS_IN_DESCRIPTION = 100;

export interface ServiceDescription extends Service {
  events: ServiceEvent[];
}

const serviceArn = (context: UseCaseContext, cluster: string, serviceName: string): string =>
  `arn:aws:ecs:${context.config.region}:${context.config.accountId}:service/${cluster}/${serviceName}`;

/** Who a service event names as making a change: the API caller's principal (`local` locally). */
const changedBy = (context: UseCaseContext): string => context.caller?.principal ?? 'the Tugboat API';

export const createService = async (
  context: UseCaseContext,
  cluster: string,
  body: unknown,
): Promise<Service> => {
  const principal = changedBy(context);
  const validCluster = parseCluster(cluster);
  const input: CreateServiceInput = parseInput(createServiceSchema(), body);
  assertCapacityProviders(await requireCluster(context, validCluster), input.capacityProviderStrategy);
  const taskDefinition = await resolveUsableTaskDefinition(context, input.taskDefinition);
  if (input.loadBalancers) checkLoadBalancers(taskDefinition, input.loadBalancers);
  const reference = revisionReference(taskDefinition);
  await assertOwnFamily(context, validCluster, input.serviceName, reference, input.autoScaling);
  const at = context.now().toISOString();
  const desiredCount = clampToAutoScaling(input.desiredCount, input.autoScaling);
  const service: Service = {
    cluster: validCluster,
    serviceName: input.serviceName,
    serviceArn: serviceArn(context, validCluster, input.serviceName),
    status: 'ACTIVE',
    taskDefinition: reference,
    desiredCount,
    runningCount: 0,
    pendingCount: 0,
    ...(input.capacityProviderStrategy
      ? { capacityProviderStrategy: input.capacityProviderStrategy }
      : { launchType: 'FARGATE' as const }),
    networkConfiguration: input.networkConfiguration,
    deploymentConfiguration: mergeDeploymentConfiguration(
      DEFAULT_DEPLOYMENT_CONFIGURATION,
      input.deploymentConfiguration,
    ),
    healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds ?? 0,
    ...(input.loadBalancers?.length ? { loadBalancers: input.loadBalancers } : {}),
    ...(input.autoDeploy ? { autoDeploy: input.autoDeploy } : {}),
    ...(input.autoScaling ? { autoScaling: input.autoScaling } : {}),
    ...(input.spotFallback ? { spotFallback: input.spotFallback } : {}),
    tags: input.tags ?? [],
    deployments: [newDeployment(context, reference, desiredCount, at)],
    version: 1,
    statusVersion: 0,
    createdAt: at,
    updatedAt: at,
  };
  checkStrategy(service.deploymentConfiguration, service.loadBalancers);
  checkAnalysis(service.deploymentConfiguration);
  checkApproval(service.deploymentConfiguration, service.loadBalancers);
  checkLifecycleHooks(service.deploymentConfiguration, { localHooks: context.config.localHooks ?? false });
  await context.store.registerCluster(validCluster);
  try {
    // The scaling registration first: a crash before the service exists leaves an orphan the
    // evaluator removes, never a scaled service it cannot find.
    await registerAutoScaling(context, validCluster, input.serviceName, input.autoScaling);
    await context.store.createService(service);
    await recordChangeEvents(context, undefined, service, principal);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const existing = await context.store.getService(validCluster, input.serviceName);
    if (existing?.status === 'DRAINING') {
      throw new ConflictError(
        `Service ${input.serviceName} in cluster ${validCluster} is still DRAINING; wait until it is INACTIVE, then create it again`,
        error,
      );
    }
    throw error;
  }
  await requestReconcile(context, service, 'service created');
  return service;
};

export const describeService = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
): Promise<ServiceDescription> => {
  // Independent reads run in parallel; a missing service's (empty) event page is simply dropped.
  const [validCluster, validName] = [parseCluster(cluster), parseServiceName(serviceName)];
  const [service, events] = await Promise.all([
    getService(context, validCluster, validName),
    context.store.listServiceEvents(validCluster, validName, { limit: SERVICE_EVENTS_IN_DESCRIPTION }),
  ]);
  return { ...service, events: ownEvents(service, events).items };
};

/**
 * A service created again under an INACTIVE one's name shares its event partition: the events from
 * before its creation are its predecessor's, and are not shown. Pages are newest first, so the first
 * older event ends the list.
 */
const ownEvents = (service: Service, page: Page<ServiceEvent>): Page<ServiceEvent> => {
  const own = page.items.filter((event) => event.createdAt >= service.createdAt);
  return own.length < page.items.length ? { items: own } : page;
};

export const listServices = async (
  context: UseCaseContext,
  cluster: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<Service>> => context.store.listServices(parseCluster(cluster), page);

export const listServiceEvents = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<ServiceEvent>> => {
  const service = await getService(context, cluster, serviceName);
  return ownEvents(
    service,
    await context.store.listServiceEvents(service.cluster, service.serviceName, page),
  );
};

export const updateService = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  body: unknown,
  ifMatch?: string,
): Promise<Service> => {
  const principal = changedBy(context);
  const input: UpdateServiceInput = parseInput(updateServiceSchema(), body);
  const expectedVersion = parseIfMatch(ifMatch);
  const clusterInfo = await requireCluster(context, cluster);
  const target = input.taskDefinition
    ? await resolveUsableTaskDefinition(context, input.taskDefinition)
    : undefined;
  // The containers behind the load balancers must be in the revision the service will run.
  const checkedAgainst =
    target ?? (input.loadBalancers ? await currentTaskDefinition(context, cluster, serviceName) : undefined);
  if (input.autoScaling || target) {
    const current = await context.store.getService(cluster, serviceName);
    if (current)
      await assertOwnFamily(
        context,
        current.cluster,
        current.serviceName,
        target ? revisionReference(target) : current.taskDefinition,
        input.autoScaling === null ? undefined : (input.autoScaling ?? current.autoScaling),
      );
  }
  await registerAutoScaling(context, parseCluster(cluster), parseServiceName(serviceName), input.autoScaling);
  const updated = await mutateService(
    context,
    cluster,
    serviceName,
    expectedVersion,
    (service, at) => {
      if (service.status !== 'ACTIVE') {
        throw new ConflictError(`Service ${serviceName} is ${service.status} and can no longer be updated`);
      }
      // A change that will launch tasks must be launchable; scaling to 0 always stays possible.
      if (input.taskDefinition !== undefined || (input.desiredCount ?? 0) > 0) {
        assertCapacityProviders(clusterInfo, service.capacityProviderStrategy);
      }
      const next: Service = {
        ...service,
        deployments: service.deployments.map((deployment) => ({ ...deployment })),
      };
      if (input.deploymentConfiguration) {
        next.deploymentConfiguration = mergeDeploymentConfiguration(
          service.deploymentConfiguration,
          input.deploymentConfiguration,
        );
      }
      if (input.autoDeploy === null) delete next.autoDeploy;
      else if (input.autoDeploy) next.autoDeploy = input.autoDeploy;
      if (input.autoScaling === null) delete next.autoScaling;
      else if (input.autoScaling) next.autoScaling = input.autoScaling;
      if (input.spotFallback) {
        next.spotFallback = mergeSpotFallback(service.spotFallback, input.spotFallback);
        const problem = spotFallbackProblem(next.spotFallback, service.capacityProviderStrategy);
        if (problem) throw new ValidationError(`spotFallback.enabled: ${problem}`);
      }
      if (input.desiredCount !== undefined) next.desiredCount = input.desiredCount;
      next.desiredCount = clampToAutoScaling(next.desiredCount, next.autoScaling);
      if (input.healthCheckGracePeriodSeconds !== undefined)
        next.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
      // A change of load balancers comes with a new deployment, as in ECS.
      const lbChanged =
        input.loadBalancers !== undefined && !sameLoadBalancers(input.loadBalancers, service.loadBalancers);
      if (checkedAgainst)
        checkLoadBalancers(checkedAgainst, input.loadBalancers ?? service.loadBalancers ?? []);
      if (input.loadBalancers?.length === 0) delete next.loadBalancers;
      else if (input.loadBalancers) next.loadBalancers = input.loadBalancers;
      checkStrategy(next.deploymentConfiguration, next.loadBalancers);
      checkAnalysis(next.deploymentConfiguration);
      checkApproval(next.deploymentConfiguration, next.loadBalancers);
      checkLifecycleHooks(next.deploymentConfiguration, { localHooks: context.config.localHooks ?? false });
      const reference = target ? revisionReference(target) : lbChanged ? service.taskDefinition : undefined;
      const rolled =
        reference && (reference !== service.taskDefinition || lbChanged)
          ? withPrimaryDeployment(next, newDeployment(context, reference, next.desiredCount, at), at)
          : next;
      return withDesiredCount(rolled, rolled.desiredCount, at);
    },
    principal,
  );
  await requestReconcile(context, updated, `service updated (${Object.keys(input).join(', ')})`);
  return updated;
};

const currentTaskDefinition = async (context: UseCaseContext, cluster: string, serviceName: string) => {
  const service = await getService(context, cluster, serviceName);
  // Its own revision, even if deregistered since: the service still runs it.
  return getTaskDefinition(context, service.taskDefinition);
};

/** ECS semantics: the service scales to zero and drains; the reconciler completes it to INACTIVE. */
export const deleteService = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  ifMatch?: string,
): Promise<Service> => {
  const drained = await mutateService(context, cluster, serviceName, parseIfMatch(ifMatch), (service, at) => {
    // As ECS: an INACTIVE service is gone for every change; it only stays readable for a while.
    if (service.status === 'INACTIVE') {
      throw new NotFoundError(`Service ${serviceName} not found in cluster ${cluster} (it is INACTIVE)`);
    }
    if (service.status !== 'ACTIVE') return service;
    return withDesiredCount({ ...service, status: 'DRAINING' }, 0, at);
  });
  await requestReconcile(context, drained, 'service deleted');
  return drained;
};

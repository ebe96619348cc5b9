/**
 * The API side of auto scaling: a service's `autoScaling` on create and PATCH, the count kept in
 * its range, and the sparse index entry (the scaling state) kept in step. A service
 * written without autoScaling (`null` on PATCH) keeps its entry, which records its scale-out alarms: the evaluator
 * (which alone talks to CloudWatch) deletes those alarms on its next pass and then the entry, as for a deleted
 * service.
 */
import { type AutoScaling, parseRevisionReference, type Service } from '../domain';
import { ValidationError } from '../errors';
import type { UseCaseContext } from './context';

/** With auto scaling, the count stays within [minCapacity, maxCapacity]; a PATCH of it is clamped too. */
export const clampToAutoScaling = (count: number, autoScaling: AutoScaling | undefined): number =>
  autoScaling ? Math.min(autoScaling.maxCapacity, Math.max(autoScaling.minCapacity, count)) : count;

const scalingStore = (context: UseCaseContext) => {
  if (!context.scaling) throw new ValidationError('autoScaling: auto scaling is not configured here');
  return context.scaling;
};

/**
 * Before a service is written with autoScaling: its index entry, so the evaluator finds it. Written first,
 * a crash before the service write leaves only an entry the evaluator removes as an orphan.
 */
export const registerAutoScaling = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  autoScaling: AutoScaling | null | undefined,
): Promise<void> => {
  if (autoScaling) await scalingStore(context).registerScaling(cluster, serviceName, context.now().getTime());
};

/**
 * CPU and memory are measured per task definition family in a cluster (Container Insights'
 * `ClusterName` and `TaskDefinitionFamily`): a service scaling on them must be the only user of its
 * family there, or other services' (and one-off tasks') usage would be counted as its own demand.
 */
const perFamilyPolicy = (autoScaling: AutoScaling | undefined): number =>
  autoScaling?.targetTracking.findIndex(
    (policy) => 'predefined' in policy.metric && policy.metric.predefined !== 'ALBRequestCountPerTarget',
  ) ?? -1;

const familiesOf = (service: Service): Set<string> =>
  new Set(
    [service.taskDefinition, ...service.deployments.map((deployment) => deployment.taskDefinition)].map(
      (reference) => parseRevisionReference(reference).family,
    ),
  );

const pooled =
  'CPU and memory are measured per task definition family in a cluster, so their usage would be counted as this service';

/** Scaled services of the cluster (other than `serviceName`) that measure CPU or memory on `family`. */
const familyScalers = async (
  context: UseCaseContext,
  cluster: string,
  family: string,
  serviceName?: string,
): Promise<Service[]> => {
  if (!context.scaling) return [];
  const states = (await context.scaling.listScalingStates()).filter(
    (state) => state.cluster === cluster && state.serviceName !== serviceName,
  );
  if (states.length === 0) return [];
  return (await context.scaling.getServices(states)).filter(
    (service) =>
      service.status !== 'INACTIVE' &&
      perFamilyPolicy(service.autoScaling) >= 0 &&
      familiesOf(service).has(family),
  );
};

/**
 * Refuses a service (created, or PATCHed with autoScaling or a task definition) whose family another
 * service of the cluster shares while either scales on CPU or memory.
 */
export const assertOwnFamily = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  taskDefinition: string,
  autoScaling: AutoScaling | undefined,
): Promise<void> => {
  const family = parseRevisionReference(taskDefinition).family;
  const index = perFamilyPolicy(autoScaling);
  if (index >= 0) {
    let nextToken: string | undefined;
    do {
      const page = await context.store.listServices(cluster, {
        limit: 100,
        ...(nextToken ? { nextToken } : {}),
      });
      const other = page.items.find(
        (service) =>
          service.serviceName !== serviceName &&
          service.status !== 'INACTIVE' &&
          familiesOf(service).has(family),
      );
      if (other)
        throw new ValidationError(
          `autoScaling.targetTracking[${index}].metric: service ${other.serviceName} also runs family ${family} in cluster ${cluster}; ${pooled}'s (give this service a family of its own, or scale on another metric)`,
        );
      nextToken = page.nextToken;
    } while (nextToken);
    return;
  }
  const [scaler] = await familyScalers(context, cluster, family, serviceName);
  if (scaler)
    throw new ValidationError(
      `taskDefinition: service ${scaler.serviceName} scales on CPU or memory of family ${family} in cluster ${cluster}; ${pooled} ${scaler.serviceName}'s (use a family of its own)`,
    );
};

/** Refuses a one-off task of a family whose service scales on CPU or memory in that cluster. */
export const assertNotScalerFamily = async (
  context: UseCaseContext,
  cluster: string,
  taskDefinition: string,
): Promise<void> => {
  const family = parseRevisionReference(taskDefinition).family;
  const [scaler] = await familyScalers(context, cluster, family);
  if (scaler)
    throw new ValidationError(
      `taskDefinition: service ${scaler.serviceName} scales on CPU or memory of family ${family} in cluster ${cluster}; ${pooled} ${scaler.serviceName}'s (run it from a family of its own)`,
    );
};

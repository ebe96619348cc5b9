/**
 * Reading a service and changing it under optimistic locking: what every use case that changes a
 * service shares. Apart from services.ts (create, update, delete and their request schemas) so that a
 * caller that only reads or changes a service (deploys, the deploy events function) does not load
 * the request schemas (cold start, docs/performance.md).
 */
import type { Service } from '../domain';
import { NotFoundError, PreconditionFailedError, ValidationError, VersionConflictError } from '../errors';
import { parseCluster, parseServiceName } from '../validation/path-params';
import { sleepBeforeRetry, type UseCaseContext } from './context';
import { recordChangeEvents } from './service-change-events';

const MAX_UPDATE_ATTEMPTS = 10;

export const getService = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
): Promise<Service> => {
  const service = await context.store.getService(parseCluster(cluster), parseServiceName(serviceName));
  if (!service) throw new NotFoundError(`Service ${serviceName} not found in cluster ${cluster}`);
  return service;
};

/** `"3"`, `W/"3"` or `3` -> 3; `*` -> undefined (any version). */
export const parseIfMatch = (header: string | undefined): number | undefined => {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(trimmed);
  if (!match?.[1]) throw new ValidationError('If-Match: must be the ETag of the service, for example "3"');
  return Number(match[1]);
};

/**
 * Read-modify-write with optimistic locking; a lost race is retried on fresh state. With If-Match
 * the caller's version must still be the stored one (412 otherwise): a reconciler's status write
 * does not change it, a concurrent user change does.
 */
export const mutateService = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  expectedVersion: number | undefined,
  change: (service: Service, at: string) => Promise<Service> | Service,
  by = 'the Tugboat API',
): Promise<Service> => {
  for (let attempt = 0; ; attempt++) {
    const current = await getService(context, cluster, serviceName);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new PreconditionFailedError(
        `Service ${serviceName} is at version ${current.version}, not ${expectedVersion}; read it again and retry`,
      );
    }
    const at = context.now().toISOString();
    const changed = await change(current, at);
    if (changed === current) return current;
    const next: Service = { ...changed, version: current.version + 1, updatedAt: at };
    try {
      await context.store.updateService(next, current);
      await recordChangeEvents(context, current, next, by);
      return next;
    } catch (error) {
      // Lost a race: read again. A change of the version the caller pinned is a 412 at the top.
      if (!(error instanceof VersionConflictError)) throw error;
      if (attempt + 1 >= MAX_UPDATE_ATTEMPTS) throw error;
      await sleepBeforeRetry(attempt);
    }
  }
};

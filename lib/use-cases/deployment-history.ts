/**
 * Deployment history and the plan view: what a service has deployed, and what the reconciler would do
 * now. Read-only.
 */

import type { Deployment, Page } from '../domain';
import { PacingDeadlineError } from '../ecs/pacer';
import { DependencyError, NotFoundError, ValidationError } from '../errors';
import type { PlanResult } from '../reconcile/plan/types';
import { decodePageToken, encodePageToken } from '../store/page-token';
import type { UseCaseContext } from './context';
import { getService } from './services';

export const newestFirst = (deployments: Deployment[]): Deployment[] =>
  [...deployments].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

const decodeAfter = (token: string): string =>
  decodePageToken(token, (parsed) =>
    typeof parsed === 'object' && parsed !== null && 'after' in parsed && typeof parsed.after === 'string'
      ? parsed.after
      : undefined,
  );

/** The service's deployments, newest first, paged by the id of the last one shown. */
export const listDeployments = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<Deployment>> => {
  const all = newestFirst((await getService(context, cluster, serviceName)).deployments);
  let start = 0;
  if (page.nextToken !== undefined) {
    const after = decodeAfter(page.nextToken);
    const index = all.findIndex((deployment) => deployment.id === after);
    // A deployment dropped from the history since: the page would skip or repeat; say so.
    if (index < 0) throw new ValidationError('Invalid nextToken: the deployment it continues from is gone');
    start = index + 1;
  }
  const items = all.slice(start, start + page.limit);
  const last = items[items.length - 1];
  return start + page.limit < all.length && last
    ? { items, nextToken: encodePageToken({ after: last.id }) }
    : { items };
};

export const getDeployment = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  deploymentId: string,
): Promise<Deployment> => {
  const service = await getService(context, cluster, serviceName);
  const deployment = service.deployments.find((candidate) => candidate.id === deploymentId);
  if (!deployment) {
    throw new NotFoundError(`Deployment ${deploymentId} not found in service ${serviceName}`);
  }
  return deployment;
};

export interface ServicePlan extends PlanResult {
  cluster: string;
  serviceName: string;
  /** The service version (ETag) the plan was computed from. */
  version: number;
  computedAt: string;
}

/** GET .../plan: what the reconciler would do now, from the same inputs, executed by nothing. */
export const planService = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
): Promise<ServicePlan> => {
  if (!context.planner) throw new DependencyError('This function has no planner configured');
  const service = await getService(context, cluster, serviceName);
  const computedAt = context.now().toISOString();
  const result = await context.planner.computePlan(service).catch((error: unknown) => {
    // Reading the target groups and rules waits for room in ELB's Describe* budget: a 503, not a 500.
    if (error instanceof PacingDeadlineError)
      throw new DependencyError(
        `no room in ELB's read budget; try again in ${Math.ceil(error.retryInMs / 1000)} s`,
        error,
      );
    throw error;
  });
  return {
    cluster: service.cluster,
    serviceName: service.serviceName,
    version: service.version,
    computedAt,
    ...result,
  };
};

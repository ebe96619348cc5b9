import { waitingReasons, withIsoTimes } from '../reconcile/waiting';
import type { UseCaseContext } from '../use-cases/context';
import { getDeployment, listDeployments, planService } from '../use-cases/deployment-history';
import { createDeployment, rollbackService } from '../use-cases/deploys';
import { getService } from '../use-cases/services';
import { type ApiRequest, jsonResponse, pageFromQuery } from './http';
import type { Route } from './router';

/** The body, or undefined when the request has none (these routes take an optional one). */
const optionalJson = (request: ApiRequest): unknown => (request.hasBody ? request.json() : undefined);

const SERVICE = '/clusters/{cluster}/services/{serviceName}';

/** Deployments of a service, rollback and the dry-run plan. */
export const deployRoutes = (context: UseCaseContext): Route[] => [
  {
    method: 'POST',
    path: `${SERVICE}/deployments`,
    handler: async (request) =>
      jsonResponse(
        202,
        await createDeployment(
          context,
          request.params.cluster!,
          request.params.serviceName!,
          optionalJson(request),
        ),
      ),
  },
  {
    method: 'GET',
    path: `${SERVICE}/deployments`,
    handler: async ({ params, query }) =>
      jsonResponse(
        200,
        await listDeployments(context, params.cluster!, params.serviceName!, pageFromQuery(query)),
      ),
  },
  {
    method: 'GET',
    path: `${SERVICE}/deployments/{deploymentId}`,
    handler: async ({ params }) =>
      jsonResponse(
        200,
        await getDeployment(context, params.cluster!, params.serviceName!, params.deploymentId!),
      ),
  },
  {
    method: 'POST',
    path: `${SERVICE}/rollback`,
    handler: async (request) =>
      jsonResponse(
        202,
        await rollbackService(
          context,
          request.params.cluster!,
          request.params.serviceName!,
          optionalJson(request),
        ),
      ),
  },
  {
    method: 'GET',
    path: `${SERVICE}/plan`,
    handler: async ({ params }) => {
      const plan = await planService(context, params.cluster!, params.serviceName!);
      const { deploymentConfiguration, loadBalancers } = await getService(
        context,
        params.cluster!,
        params.serviceName!,
      );
      return jsonResponse(200, {
        ...withIsoTimes(plan),
        waiting: waitingReasons(plan, deploymentConfiguration, loadBalancers),
      });
    },
  },
];

import { waitingReasons, withIsoTimes } from '../reconcile/plan/waiting';
import type { UseCaseContext } from '../use-cases/context';
import { continueDeployment, stopDeployment } from '../use-cases/deployment-control';
import { getDeployment, listDeployments, planService } from '../use-cases/deployment-history';
import { createDeployment } from '../use-cases/deploys';
import { rollbackService } from '../use-cases/rollback';
import { getService } from '../use-cases/services';
import { type ApiRequest, pageFromQuery } from './http';
import { jsonRoute, type Route } from './router';

/** The body, or undefined when the request has none (these routes take an optional one). */
const optionalJson = (request: ApiRequest): unknown => (request.hasBody ? request.json() : undefined);

const SERVICE = '/clusters/{cluster}/services/{serviceName}';

/** Deployments of a service, rollback and the dry-run plan. */
export const deployRoutes = (context: UseCaseContext): Route[] => {
  /** A POST that starts a new PRIMARY deployment (a deploy, a rollback): 202 with it. */
  const newDeploymentRoute = (path: string, start: typeof createDeployment): Route =>
    jsonRoute(
      'POST',
      path,
      (request) =>
        start(context, request.params.cluster!, request.params.serviceName!, optionalJson(request)),
      202,
    );
  /** A POST that asks something of one deployment (continue, stop): 200 with it. */
  const controlRoute = (verb: string, act: typeof stopDeployment): Route =>
    jsonRoute('POST', `${SERVICE}/deployments/{deploymentId}/${verb}`, (request) =>
      act(
        context,
        request.params.cluster!,
        request.params.serviceName!,
        request.params.deploymentId!,
        optionalJson(request),
        request.headers['if-match'],
      ),
    );
  return [
    newDeploymentRoute(`${SERVICE}/deployments`, createDeployment),
    jsonRoute('GET', `${SERVICE}/deployments`, ({ params, query }) =>
      listDeployments(context, params.cluster!, params.serviceName!, pageFromQuery(query)),
    ),
    jsonRoute('GET', `${SERVICE}/deployments/{deploymentId}`, ({ params }) =>
      getDeployment(context, params.cluster!, params.serviceName!, params.deploymentId!),
    ),
    controlRoute('continue', continueDeployment),
    controlRoute('stop', stopDeployment),
    newDeploymentRoute(`${SERVICE}/rollback`, rollbackService),
    jsonRoute('GET', `${SERVICE}/plan`, async ({ params }) => {
      const plan = await planService(context, params.cluster!, params.serviceName!);
      const { deploymentConfiguration, loadBalancers } = await getService(
        context,
        params.cluster!,
        params.serviceName!,
      );
      return {
        ...withIsoTimes(plan),
        waiting: waitingReasons(plan, deploymentConfiguration, loadBalancers),
      };
    }),
  ];
};

import { type Service, secretLikeEnvironment, type TaskDefinition } from '../domain';
import { listClusters, requireCluster } from '../use-cases/clusters';
import type { UseCaseContext } from '../use-cases/context';
import { listScalingActivities, policyMetricHistory } from '../use-cases/scaling-activities';
import {
  createService,
  deleteService,
  describeService,
  listServiceEvents,
  listServices,
  updateService,
} from '../use-cases/services';
import {
  deregisterTaskDefinition,
  describeTaskDefinition,
  listTaskDefinitionFamilies,
  listTaskDefinitionRevisions,
  registerTaskDefinition,
} from '../use-cases/task-definitions';
import { deployRoutes } from './deploy-routes';
import {
  type ApiRequest,
  type ApiResponse,
  answeredValue,
  jsonResponse,
  pageFromQuery,
  WARNING_HEADER,
} from './http';
import { jobRoutes } from './job-routes';
import { openApiRoutes } from './openapi';
import { documentedAnswers } from './present';
import { jsonRoute, type Route } from './router';
import { taskRoutes } from './task-routes';

/** The ETag is the service's optimistic-locking version; PATCH and DELETE take it back in If-Match. */
const etag = (service: Pick<Service, 'version'>): Record<string, string> => ({
  etag: `"${service.version}"`,
});

/**
 * Every route under `/clusters/{cluster}` first asks whether Tugboat knows the cluster: one 404 with
 * one message for an unknown (or not permitted) cluster, whatever the route.
 */
const inKnownCluster = (context: UseCaseContext, route: Route): Route =>
  route.path.startsWith('/clusters/{cluster}')
    ? {
        ...route,
        handler: async (request) => {
          await requireCluster(context, request.params.cluster!);
          return route.handler(request);
        },
      }
    : route;

/** Every answer shows what the OpenAPI document says it shows, in its order (see present.ts). */
const asDocumented = (route: Route): Route => ({
  ...route,
  handler: async (request) => {
    const response: ApiResponse = await route.handler(request);
    const { present, responseSchema } = await documentedAnswers();
    const schema = responseSchema(route.method, route.path, response.statusCode);
    if (!schema || typeof response.body !== 'string' || response.body === '') return response;
    return { ...response, body: `${JSON.stringify(present(schema, answeredValue(response)))}\n` };
  },
});

/** Names shown in the warning header: printable ASCII only (a header carries nothing else), at most 10. */
const headerNames = (names: string[]) =>
  names
    .slice(0, 10)
    .map((name) => name.replace(/[^\x20-\x7e]/g, '?'))
    .join(', ') + (names.length > 10 ? ` and ${names.length - 10} more` : '');

/**
 * A revision whose environment holds values that look like secrets is registered, with this header saying
 * so (once: the revision never changes); the services that deploy it get a service event too.
 */
const secretLikeWarning = (taskDefinition: TaskDefinition): Record<string, string> => {
  const found = secretLikeEnvironment(taskDefinition);
  if (found.length === 0) return {};
  const where = found.map(
    ({ container, names }) => `${headerNames(names)} (container ${headerNames([container])})`,
  );
  return {
    [WARNING_HEADER]: `environment variables ${where.join('; ')} look like secrets: every reader of this task definition sees their values; put them in secrets (valueFrom a Secrets Manager or SSM Parameter Store ARN)`,
  };
};

/** Every HTTP route: each one parses, calls one use case and maps its result. */
export const apiRoutes = (context: UseCaseContext): Route[] =>
  routeTable(context).map((route) => asDocumented(inKnownCluster(context, route)));

const SERVICES = '/clusters/{cluster}/services';
const SERVICE = `${SERVICES}/{serviceName}`;

/** A route answering the service its use case returns, with the service's ETag. */
const serviceRoute = (
  method: Route['method'],
  path: string,
  serviceOf: (request: ApiRequest) => Promise<{ version: number }>,
  statusCode = 200,
): Route => ({
  method,
  path,
  handler: async (request) => {
    const service = await serviceOf(request);
    return jsonResponse(statusCode, service, etag(service));
  },
});

const routeTable = (context: UseCaseContext): Route[] => [
  jsonRoute('GET', '/clusters', () => listClusters(context)),
  jsonRoute('GET', '/task-definitions', ({ query }) =>
    listTaskDefinitionFamilies(context, pageFromQuery(query)),
  ),
  {
    method: 'POST',
    path: '/task-definitions',
    handler: async (request) => {
      const registered = await registerTaskDefinition(context, request.json());
      return jsonResponse(201, registered, secretLikeWarning(registered));
    },
  },
  jsonRoute('GET', '/task-definitions/{family}', ({ params, query }) =>
    listTaskDefinitionRevisions(context, params.family!, pageFromQuery(query)),
  ),
  jsonRoute('GET', '/task-definitions/{family}/{revision}', ({ params }) =>
    describeTaskDefinition(context, params.family!, params.revision!),
  ),
  jsonRoute('DELETE', '/task-definitions/{family}/{revision}', ({ params }) =>
    deregisterTaskDefinition(context, params.family!, params.revision!),
  ),
  serviceRoute(
    'POST',
    SERVICES,
    async (request) => ({
      ...(await createService(context, request.params.cluster!, request.json())),
      events: [],
    }),
    201,
  ),
  jsonRoute('GET', SERVICES, ({ params, query }) =>
    listServices(context, params.cluster!, pageFromQuery(query)),
  ),
  serviceRoute('GET', SERVICE, ({ params }) =>
    describeService(context, params.cluster!, params.serviceName!),
  ),
  serviceRoute('PATCH', SERVICE, (request) =>
    updateService(
      context,
      request.params.cluster!,
      request.params.serviceName!,
      request.json(),
      request.headers['if-match'],
    ),
  ),
  serviceRoute('DELETE', SERVICE, (request) =>
    deleteService(context, request.params.cluster!, request.params.serviceName!, request.headers['if-match']),
  ),
  jsonRoute('GET', `${SERVICE}/events`, ({ params, query }) =>
    listServiceEvents(context, params.cluster!, params.serviceName!, pageFromQuery(query)),
  ),
  jsonRoute('GET', `${SERVICE}/scaling-activities`, ({ params, query }) =>
    listScalingActivities(context, params.cluster!, params.serviceName!, pageFromQuery(query)),
  ),
  jsonRoute('GET', `${SERVICE}/scaling/metrics`, ({ params, query }) =>
    policyMetricHistory(context, params.cluster!, params.serviceName!, query.hours),
  ),
  ...deployRoutes(context),
  ...taskRoutes(context),
  ...jobRoutes(context),
  ...openApiRoutes(),
];

import type { Service } from '../domain';
import { listClusters, requireCluster } from '../use-cases/clusters';
import type { UseCaseContext } from '../use-cases/context';
import { listScalingActivities } from '../use-cases/scaling';
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
import { type ApiResponse, answeredValue, jsonResponse, pageFromQuery } from './http';
import { openApiRoutes } from './openapi';
import { present, responseSchema } from './present';
import type { Route } from './router';
import { taskRoutes } from './task-routes';

/** The ETag is the service's optimistic-locking version; PATCH and DELETE take it back in If-Match. */
const etag = (service: Service): Record<string, string> => ({ etag: `"${service.version}"` });

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
    const schema = responseSchema(route.method, route.path, response.statusCode);
    if (!schema || typeof response.body !== 'string' || response.body === '') return response;
    return { ...response, body: `${JSON.stringify(present(schema, answeredValue(response)))}\n` };
  },
});

/** Every HTTP route: each one parses, calls one use case and maps its result. */
export const apiRoutes = (context: UseCaseContext): Route[] =>
  routeTable(context).map((route) => asDocumented(inKnownCluster(context, route)));

const routeTable = (context: UseCaseContext): Route[] => [
  {
    method: 'GET',
    path: '/clusters',
    handler: async () => jsonResponse(200, await listClusters(context)),
  },
  {
    method: 'GET',
    path: '/task-definitions',
    handler: async ({ query }) =>
      jsonResponse(200, await listTaskDefinitionFamilies(context, pageFromQuery(query))),
  },
  {
    method: 'POST',
    path: '/task-definitions',
    handler: async (request) => jsonResponse(201, await registerTaskDefinition(context, request.json())),
  },
  {
    method: 'GET',
    path: '/task-definitions/{family}',
    handler: async ({ params, query }) =>
      jsonResponse(200, await listTaskDefinitionRevisions(context, params.family!, pageFromQuery(query))),
  },
  {
    method: 'GET',
    path: '/task-definitions/{family}/{revision}',
    handler: async ({ params }) =>
      jsonResponse(200, await describeTaskDefinition(context, params.family!, params.revision!)),
  },
  {
    method: 'DELETE',
    path: '/task-definitions/{family}/{revision}',
    handler: async ({ params }) =>
      jsonResponse(200, await deregisterTaskDefinition(context, params.family!, params.revision!)),
  },
  {
    method: 'POST',
    path: '/clusters/{cluster}/services',
    handler: async (request) => {
      const service = await createService(context, request.params.cluster!, request.json());
      return jsonResponse(201, { ...service, events: [] }, etag(service));
    },
  },
  {
    method: 'GET',
    path: '/clusters/{cluster}/services',
    handler: async ({ params, query }) =>
      jsonResponse(200, await listServices(context, params.cluster!, pageFromQuery(query))),
  },
  {
    method: 'GET',
    path: '/clusters/{cluster}/services/{serviceName}',
    handler: async ({ params }) => {
      const service = await describeService(context, params.cluster!, params.serviceName!);
      return jsonResponse(200, service, etag(service));
    },
  },
  {
    method: 'PATCH',
    path: '/clusters/{cluster}/services/{serviceName}',
    handler: async (request) => {
      const service = await updateService(
        context,
        request.params.cluster!,
        request.params.serviceName!,
        request.json(),
        request.headers['if-match'],
      );
      return jsonResponse(200, service, etag(service));
    },
  },
  {
    method: 'DELETE',
    path: '/clusters/{cluster}/services/{serviceName}',
    handler: async (request) => {
      const service = await deleteService(
        context,
        request.params.cluster!,
        request.params.serviceName!,
        request.headers['if-match'],
      );
      return jsonResponse(200, service, etag(service));
    },
  },
  {
    method: 'GET',
    path: '/clusters/{cluster}/services/{serviceName}/events',
    handler: async ({ params, query }) =>
      jsonResponse(
        200,
        await listServiceEvents(context, params.cluster!, params.serviceName!, pageFromQuery(query)),
      ),
  },
  {
    method: 'GET',
    path: '/clusters/{cluster}/services/{serviceName}/scaling-activities',
    handler: async ({ params, query }) =>
      jsonResponse(
        200,
        await listScalingActivities(context, params.cluster!, params.serviceName!, pageFromQuery(query)),
      ),
  },
  ...deployRoutes(context),
  ...taskRoutes(context),
  ...openApiRoutes(),
];

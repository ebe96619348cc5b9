import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { callerOf } from '../lib/api/caller';
import { httpErrorMapper, requestIdOf } from '../lib/api/middleware';
import { createRouter } from '../lib/api/router';
import { apiRoutes } from '../lib/api/routes';
import { apiRequestLogFields } from '../lib/log-fields';
import { createApiRuntime } from '../lib/wiring-api';

const runtime = createApiRuntime();
const logger = new Logger({ serviceName: 'tugboat-api' });

export const handler = middy<APIGatewayProxyEventV2, unknown, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(httpErrorMapper(logger))
  .handler(async (event, context) => {
    const requestId = requestIdOf(event, context);
    const caller = callerOf(event, requestId);
    // The routes of this request act for its caller: every change records who made it.
    const route = createRouter(apiRoutes({ ...runtime.useCases, caller }));
    const response = await route(event, requestId);
    const method = event.requestContext.http.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      // The audit log of changes: who, what, and the id their effects carry.
      logger.info('change made', {
        principal: caller.principal,
        statusCode: response.statusCode,
        ...apiRequestLogFields(method, event.rawPath ?? event.requestContext.http.path, requestId),
      });
    }
    return response;
  });

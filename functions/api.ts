import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { callerOf } from '../lib/api/caller';
import { httpErrorMapper, requestIdOf } from '../lib/api/middleware';
import { createRouter } from '../lib/api/router';
import { apiRoutes } from '../lib/api/routes';
import { createRuntime } from '../lib/wiring';

const runtime = createRuntime();
const logger = new Logger({ serviceName: 'tugboat-api' });

export const handler = middy<APIGatewayProxyEventV2, unknown, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(httpErrorMapper(logger))
  .handler((event, context) => {
    const requestId = requestIdOf(event, context);
    // The routes of this request act for its caller: every change records who made it.
    const route = createRouter(apiRoutes({ ...runtime.useCases, caller: callerOf(event, requestId) }));
    return route(event, requestId);
  });

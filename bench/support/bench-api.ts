/** functions/api.ts in the fleet's process: the API routes behind middy, on the fleet's virtual clock. */
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { httpErrorMapper, requestIdOf } from '../../lib/api/middleware';
import { createRouter } from '../../lib/api/router';
import { apiRoutes } from '../../lib/api/routes';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { lambdaContext } from '../../local/lambda-context';

/** Calls the API as an HTTP client would; a non-2xx answer throws. */
export const benchApi = (context: UseCaseContext, now: () => number) => {
  const route = createRouter(apiRoutes(context));
  // functions/api.ts, with the use cases on the virtual clock.
  const apiHandler = middy<APIGatewayProxyEventV2, unknown, Error, Context>()
    .use(httpErrorMapper())
    .handler((event, lambda) => route(event, requestIdOf(event, lambda)));

  const api = async (method: string, path: string, body?: unknown) => {
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'bench',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
        requestId: randomUUID(),
        routeKey: '$default',
        stage: '$default',
        time: new Date(now()).toUTCString(),
        timeEpoch: now(),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      isBase64Encoded: false,
    };
    let result: { statusCode: number; body?: string };
    // A 503 (ECS failing under --ecs-faults) is tried again, as an HTTP client would.
    for (let attempt = 1; ; attempt++) {
      result = (await apiHandler(event, lambdaContext('tugboat-api'))) as {
        statusCode: number;
        body?: string;
      };
      if (result.statusCode !== 503 || attempt >= 10) break;
    }
    if (result.statusCode >= 300) throw new Error(`${method} ${path}: ${result.statusCode} ${result.body}`);
    return result.body ? (JSON.parse(result.body) as unknown) : undefined;
  };

  return api;
};

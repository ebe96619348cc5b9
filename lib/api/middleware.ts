import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { apiRequestLogFields } from '../log-fields';
import { errorToResponse } from './error-mapper';
import type { ApiResponse } from './http';

export const requestIdOf = (event: APIGatewayProxyEventV2, context: Context): string =>
  event.requestContext?.requestId ?? context.awsRequestId;

/** Middy middleware that turns any error into the API's error document. */
export const httpErrorMapper = (
  logger?: Logger,
): MiddlewareObj<APIGatewayProxyEventV2, ApiResponse, Error, Context> => ({
  onError: async (request) => {
    const requestId = requestIdOf(request.event, request.context);
    // The error's log line names what the request was about: cluster, service, task, deployment.
    const about = request.event.requestContext
      ? apiRequestLogFields(
          request.event.requestContext.http.method,
          request.event.rawPath ?? request.event.requestContext.http.path,
          requestId,
        )
      : {};
    logger?.appendKeys(about);
    try {
      request.response = errorToResponse(request.error, requestId, logger);
    } finally {
      logger?.removeKeys(Object.keys(about));
    }
  },
});

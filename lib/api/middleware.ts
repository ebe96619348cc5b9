import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { errorToResponse } from './error-mapper';
import type { ApiResponse } from './http';

export const requestIdOf = (event: APIGatewayProxyEventV2, context: Context): string =>
  event.requestContext?.requestId ?? context.awsRequestId;

/** Middy middleware that turns any error into the API's error document. */
export const httpErrorMapper = (
  logger?: Logger,
): MiddlewareObj<APIGatewayProxyEventV2, ApiResponse, Error, Context> => ({
  onError: async (request) => {
    request.response = errorToResponse(request.error, requestIdOf(request.event, request.context), logger);
  },
});

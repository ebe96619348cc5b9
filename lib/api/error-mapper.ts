import type { Logger } from '@aws-lambda-powertools/logger';
import { isTugboatError, MethodNotAllowedError } from '../errors';
import { type ApiResponse, jsonResponse } from './http';

/**
 * The one HTTP error mapper. Errors under 500 show their message (they are the caller's to fix);
 * anything else is logged with its stack and answered with a generic message and the request id.
 */
export const errorToResponse = (error: unknown, requestId: string, logger?: Logger): ApiResponse => {
  if (isTugboatError(error) && error.statusCode < 500) {
    logger?.info('request rejected', {
      statusCode: error.statusCode,
      code: error.code,
      message: error.message,
    });
    const headers: Record<string, string> = {};
    if (error instanceof MethodNotAllowedError) headers.allow = error.allow.join(', ');
    return jsonResponse(
      error.statusCode,
      {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      },
      headers,
    );
  }
  logger?.error('request failed', error as Error);
  const statusCode = isTugboatError(error) ? error.statusCode : 500;
  const code = isTugboatError(error) ? error.code : 'InternalError';
  return jsonResponse(statusCode, {
    error: {
      code,
      message: `${statusCode === 503 ? 'Service temporarily unavailable' : 'Internal server error'} (request id ${requestId})`,
      details: { requestId },
    },
  });
};

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MethodNotAllowedError, NotFoundError } from '../errors';
import {
  type ApiRequest,
  type ApiResponse,
  assertUnencodedPath,
  hasBody,
  jsonResponse,
  parseJsonBody,
} from './http';

export type RouteHandler = (request: ApiRequest) => Promise<ApiResponse>;

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Segments in braces are parameters: `/clusters/{cluster}/services`. */
  path: string;
  handler: RouteHandler;
}

/** A route answering `statusCode` with what `answer` returns as JSON: most routes, one use case each. */
export const jsonRoute = (
  method: Route['method'],
  path: string,
  answer: (request: ApiRequest) => Promise<unknown>,
  statusCode = 200,
): Route => ({ method, path, handler: async (request) => jsonResponse(statusCode, await answer(request)) });

interface CompiledRoute extends Route {
  segments: string[];
}

const splitPath = (path: string): string[] => path.split('/').filter((segment) => segment !== '');

const matchSegments = (pattern: string[], actual: string[]): Record<string, string> | undefined => {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const value = actual[index]!;
    if (part.startsWith('{') && part.endsWith('}')) params[part.slice(1, -1)] = value;
    else if (part !== value) return undefined;
  }
  return params;
};

/**
 * A small router over the API Gateway v2 event: 404 for an unknown path, 405 (with Allow) for a
 * known path and a wrong method. One Lambda serves every route, behind a catch-all route.
 */
export const createRouter = (routes: Route[]) => {
  const compiled: CompiledRoute[] = routes.map((route) => ({ ...route, segments: splitPath(route.path) }));

  return async (event: APIGatewayProxyEventV2, requestId: string): Promise<ApiResponse> => {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath ?? event.requestContext.http.path;
    const actual = splitPath(path);
    assertUnencodedPath(actual);
    const allowed: string[] = [];
    for (const route of compiled) {
      const params = matchSegments(route.segments, actual);
      if (!params) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        allowed.push(route.method);
        continue;
      }
      let body: { value: unknown } | undefined;
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
      return route.handler({
        method,
        path,
        params,
        query: event.queryStringParameters ?? {},
        headers,
        requestId,
        hasBody: hasBody(event),
        json: () => {
          body ??= { value: parseJsonBody(event) };
          return body.value;
        },
      });
    }
    if (allowed.length > 0) {
      throw new MethodNotAllowedError(
        `Method ${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
        allowed,
      );
    }
    throw new NotFoundError(`No route for ${path}`);
  };
};

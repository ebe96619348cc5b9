/**
 * `tugboat console`'s server on the operator's machine: the console's pages, and the API forwarded to the
 * endpoint, signed (as `kubectl proxy`). The CLI starts it; the local stack serves the pages itself.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient } from '../client/client';
import { ApiError, CliError } from '../client/errors';
import {
  bodyTypeRefusal,
  type ConsoleGuard,
  CSRF_HEADER,
  consoleGuard,
  type Refusal,
  SECURITY_HEADERS,
} from './guard';
import { consoleListener } from './server';

/** An error in the API's shape, for the forwarded (API) paths. */
const refuseJsonError = (response: ServerResponse, status: number, code: string, message: string) =>
  response
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ error: { code, message } }));

const refuseJson = (response: ServerResponse, refusal: Refusal) =>
  refuseJsonError(response, refusal.status, refusal.code, refusal.message);

/**
 * As `kubectl proxy`: API calls to localhost are forwarded to the endpoint, signed; writes only when allowed,
 * and only from the console's own pages (their Origin and CSRF token, a JSON body): a page of another site
 * must not borrow the operator's credentials.
 */
const forward = async (
  api: ApiClient,
  allowWrites: boolean,
  guard: ConsoleGuard,
  request: IncomingMessage,
  response: ServerResponse,
) => {
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    if (!allowWrites) {
      refuseJson(response, {
        status: 403,
        code: 'ReadOnlyConsole',
        message: 'this console is read-only; start it with --allow-writes',
      });
      return;
    }
    const token = request.headers[CSRF_HEADER];
    const refused =
      guard.writeRefusal(request, typeof token === 'string' ? token : undefined) ??
      bodyTypeRefusal(request, 'application/json', true);
    if (refused) {
      refuseJson(response, refused);
      return;
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch (error) {
    refuseJsonError(
      response,
      400,
      'ValidationError',
      `Request body is not valid JSON: ${(error as Error).message}`,
    );
    return;
  }
  try {
    const answer = await api.request(method, request.url ?? '/', {
      ...(body === undefined ? {} : { body }),
      allow: Array.from({ length: 200 }, (_, i) => 400 + i),
    });
    response.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    response.end(
      answer.body === undefined
        ? undefined
        : typeof answer.body === 'string'
          ? answer.body
          : JSON.stringify(answer.body),
    );
  } catch (error) {
    refuseJsonError(
      response,
      error instanceof ApiError ? error.status : 502,
      'ProxyError',
      (error as Error).message,
    );
  }
};

export interface ConsoleServerOptions {
  api: ApiClient;
  allowWrites: boolean;
  clusters: string[];
  port: number;
  /** The interface to listen on (127.0.0.1 unless the operator says otherwise). */
  host: string;
  /** Other names it may be reached under (a proxy in front of it): `name` or `name:port`. */
  allowedHosts?: string[];
}

/** `tugboat console`'s server: the pages under /console/, the rest forwarded to the API. */
export const startConsoleServer = async (options: ConsoleServerOptions) => {
  const { api, allowWrites } = options;
  const guard = consoleGuard({
    listenHost: options.host,
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
  });
  const pages = consoleListener({ api, allowWrites, clusters: options.clusters, guard });
  const server = createServer(async (request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    // Whatever the path: a page that rebinds its own name to this address reads and sends nothing.
    const refusedHost = guard.hostRefusal(request);
    if (refusedHost) {
      refuseJson(response, refusedHost);
      return;
    }
    if (request.url === '/' || request.url === '') {
      response.writeHead(302, { location: '/console/' }).end();
      return;
    }
    if (!(await pages(request, response))) await forward(api, allowWrites, guard, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new CliError(`cannot listen on ${options.host}:${options.port}: ${error.message}`)),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errorToResponse } from '../lib/api/error-mapper';
import { MAX_BODY_BYTES } from '../lib/api/http';
import { PayloadTooLargeError } from '../lib/errors';
import { lambdaContext } from './lambda-context';

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** API Gateway HTTP APIs accept payloads up to 10 MB; larger requests never reach Lambda. */
const API_GATEWAY_MAX_PAYLOAD = 10 * 1024 * 1024;

const readBody = (request: IncomingMessage): Promise<Buffer | 'too-large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= API_GATEWAY_MAX_PAYLOAD) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > API_GATEWAY_MAX_PAYLOAD ? 'too-large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** Builds the API Gateway HTTP API (payload format 2.0) event that Lambda would receive. */
export const toHttpApiEvent = (
  request: IncomingMessage,
  body: Buffer,
  stage = '$default',
): APIGatewayProxyEventV2 => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie')
      headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const contentType = headers['content-type'] ?? '';
  const isText = body.byteLength === 0 || /json|text|xml|urlencoded/.test(contentType) || contentType === '';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage,
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.byteLength > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.byteLength > 0 && !isText,
  };
};

/**
 * Serves a Lambda handler the way API Gateway's HTTP API does, so `npm start` and the end-to-end
 * tests run exactly the code Lambda runs.
 */
export const startHttpApi = async (options: {
  handler: HttpApiHandler;
  port: number;
  host?: string;
  functionName?: string;
  /** Answers some requests itself before the API sees them (the console under /console/); false passes. */
  intercept?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
}): Promise<{ url: string; server: Server; close(): Promise<void> }> => {
  const server = createServer(async (request, response) => {
    try {
      if (options.intercept && (await options.intercept(request, response))) return;
      const body = await readBody(request);
      if (body === 'too-large') {
        // API Gateway refuses these before Lambda, with a bare {"message"} of its own; locally the
        // answer has the API's documented error shape, as every other refused body does.
        const refused = errorToResponse(
          new PayloadTooLargeError(
            `Request body is larger than ${API_GATEWAY_MAX_PAYLOAD} bytes; the limit is ${MAX_BODY_BYTES} bytes (256 KB)`,
          ),
          randomUUID(),
        );
        response.writeHead(refused.statusCode, refused.headers as Record<string, string>).end(refused.body);
        return;
      }
      const event = toHttpApiEvent(request, body);
      const result = (await options.handler(event, lambdaContext(options.functionName ?? 'api'))) as
        | APIGatewayProxyStructuredResultV2
        | undefined;
      const statusCode = result?.statusCode ?? 200;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(result?.headers ?? {})) headers[name] = String(value);
      headers['apigw-requestid'] = event.requestContext.requestId;
      const payload = result?.body
        ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8')
        : undefined;
      response.writeHead(statusCode, headers);
      response.end(request.method === 'HEAD' ? undefined : payload);
    } catch (error) {
      // API Gateway answers a Lambda crash with this generic 500 and never shows the error.
      console.error('handler crashed', error);
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end('{"message":"Internal Server Error"}');
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

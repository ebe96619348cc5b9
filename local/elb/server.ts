/**
 * Elastic Load Balancing v2's wire protocol over node:http: the AWS query protocol (a form-encoded POST with
 * `Action=...&Version=2015-12-01`), XML results in the 2015-12-01 namespace with ResponseMetadata/RequestId,
 * and XML errors (`<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`) with the status the
 * service model gives each code, which the SDK and the AWS CLI map to their typed errors.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOn, readRequestBody } from '../http-server';
import { createLocalElb, type LocalElb, type LocalElbOptions } from './engine';
import { ElbServiceError } from './errors';
import { errorDocument, parseQuery, resultDocument } from './query';

const apiVersion = '2015-12-01';
const maxBodyBytes = 1024 * 1024;

export interface LocalElbServerOptions extends LocalElbOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Use this endpoint instead of creating one from the options. */
  elb?: LocalElb;
}

export interface LocalElbServer {
  url: string;
  port: number;
  elb: LocalElb;
  close(): Promise<void>;
}

const send = (response: ServerResponse, status: number, body: string, requestId: string) => {
  response.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  response.end(body);
};

/**
 * POST /__local/traffic `{ listenerArn, requestsPerSecond, path?, host?, method?, headers? }`: the local
 * control surface (not an AWS API) that sets a listener's traffic (traffic.ts); JSON in and out.
 */
const localTraffic = async (
  elb: LocalElb,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
) => {
  const answer = (status: number, body: unknown) => {
    const text = `${JSON.stringify(body)}\n`;
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': requestId,
    });
    response.end(text);
  };
  if (request.method !== 'POST')
    return answer(405, { error: { code: 'MethodNotAllowed', message: 'POST only' } });
  try {
    const body = (
      await readRequestBody(
        request,
        maxBodyBytes,
        () => new ElbServiceError('ValidationError', 'Request body too large.', 413),
      )
    ).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ElbServiceError('ValidationError', 'The body must be JSON');
    }
    answer(200, elb.traffic.set(parsed));
  } catch (error) {
    if (!(error instanceof ElbServiceError)) throw error;
    answer(error.code === 'ListenerNotFound' ? 404 : error.statusCode, {
      error: { code: error.code, message: error.message },
    });
  }
};

export const startLocalElbServer = async (options: LocalElbServerOptions = {}): Promise<LocalElbServer> => {
  const elb = options.elb ?? createLocalElb(options);

  const server = createServer(async (request, response) => {
    const requestId = randomUUID();
    if (request.url === '/__local/traffic') {
      await localTraffic(elb, request, response, requestId);
      return;
    }
    try {
      const body = (
        await readRequestBody(
          request,
          maxBodyBytes,
          () => new ElbServiceError('ValidationError', 'Request body too large.', 413),
        )
      ).toString('utf8');
      const search = new URL(request.url ?? '/', 'http://localhost').search.slice(1);
      const input = parseQuery(request.method === 'POST' ? body : search);
      const { Action: action, Version: version, ...members } = input;
      if (typeof action !== 'string' || action === '')
        throw new ElbServiceError('MissingAction', 'The request must contain the parameter Action.');
      if (version !== apiVersion)
        throw new ElbServiceError(
          'NoSuchVersion',
          `The requested version (${String(version ?? '')}) of service AmazonElasticLoadBalancingV2 does not exist.`,
        );
      send(response, 200, resultDocument(action, elb.serve(action, members), requestId), requestId);
    } catch (error) {
      const failure =
        error instanceof ElbServiceError
          ? error
          : new ElbServiceError(
              'InternalFailure',
              'The request processing has failed because of an unknown error.',
              500,
            );
      if (!(error instanceof ElbServiceError)) console.error('local ELB: internal error', error);
      send(
        response,
        failure.statusCode,
        errorDocument({ type: failure.type, code: failure.code, message: failure.message }, requestId),
        requestId,
      );
    }
  });
  const listening = await listenOn(server, options.port ?? 4200, options.host ?? '127.0.0.1');

  return {
    url: listening.url,
    port: listening.port,
    elb,
    async close() {
      await listening.closeServer();
    },
  };
};

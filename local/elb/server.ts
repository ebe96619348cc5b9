/**
 * Elastic Load Balancing v2's wire protocol over node:http: the AWS query protocol (a form-encoded POST with
 * `Action=...&Version=2015-12-01`), XML results in the 2015-12-01 namespace with ResponseMetadata/RequestId,
 * and XML errors (`<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`) with the status the
 * service model gives each code, which the SDK and the AWS CLI map to their typed errors.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
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

export const startLocalElbServer = async (options: LocalElbServerOptions = {}): Promise<LocalElbServer> => {
  const elb = options.elb ?? createLocalElb(options);

  const server = createServer(async (request, response) => {
    const requestId = randomUUID();
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
      send(response, 200, resultDocument(action, elb.handle(action, members), requestId), requestId);
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

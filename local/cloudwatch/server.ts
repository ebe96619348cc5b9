/**
 * CloudWatch's wire protocol over node:http, as the installed `@aws-sdk/client-cloudwatch` and botocore
 * speak it: both pick AWS JSON 1.0 from the model's protocols (smithy-rpc-v2-cbor, json, query), so a call
 * is POST / with `X-Amz-Target: GraniteServiceVersion20100801.<Action>` and
 * `Content-Type: application/x-amz-json-1.0` (PutMetricData bodies may come gzip-compressed). Errors are
 * `{"__type", "message"}` with `x-amzn-query-error: <Code>;Sender`, as the awsQueryCompatible model asks.
 */
import { createServer, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { listenOn, readRequestBody } from '../http-server';
import { createLocalCloudWatch, type LocalCloudWatch, type LocalCloudWatchOptions } from './engine';
import { CloudWatchServiceError, internalFault, unknownOperation } from './errors';
import { isObject, type Json } from './input';
import { queryErrorXml, queryResponseXml, queryToJson } from './query-protocol';

const targetPrefix = 'GraniteServiceVersion20100801.';
/** PutMetricData takes up to 1 MB a request (CloudWatch service quotas); a little slack for the envelope. */
const maxBodyBytes = 1024 * 1024 + 64 * 1024;

export interface LocalCloudWatchServerOptions extends LocalCloudWatchOptions {
  /** 0 picks a free port (default 4300). */
  port?: number;
  host?: string;
  cloudWatch?: LocalCloudWatch;
}

export interface LocalCloudWatchServer {
  url: string;
  port: number;
  cloudWatch: LocalCloudWatch;
  close(): Promise<void>;
}

const serializationError = (message: string, statusCode = 400) =>
  new CloudWatchServiceError('SerializationException', 'SerializationException', message, statusCode);

const send = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
    ...headers,
  });
  response.end(text);
};

const requestId = () => crypto.randomUUID();

const sendXml = (response: ServerResponse, status: number, text: string) => {
  response.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId(),
  });
  response.end(text);
};

const sendError = (response: ServerResponse, error: CloudWatchServiceError) =>
  send(
    response,
    error.statusCode,
    { __type: `com.amazonaws.cloudwatch#${error.shape}`, message: error.message },
    { 'x-amzn-query-error': `${error.code};${error.fault}` },
  );

const parseJson = (body: Buffer, encoding: string | undefined): Json => {
  let text: string;
  try {
    text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');
  } catch {
    throw serializationError('The request body could not be decompressed.');
  }
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) return parsed;
  } catch {
    // reported below
  }
  throw serializationError('Start of structure or map found where not expected.');
};

export const startLocalCloudWatchServer = async (
  options: LocalCloudWatchServerOptions = {},
): Promise<LocalCloudWatchServer> => {
  const cloudWatch = options.cloudWatch ?? createLocalCloudWatch(options);
  const server = createServer(async (request, response) => {
    const contentType = request.headers['content-type'] ?? '';
    const isQuery = contentType.startsWith('application/x-www-form-urlencoded');
    let action = '';
    try {
      const body = await readRequestBody(
        request,
        maxBodyBytes,
        () =>
          new CloudWatchServiceError(
            'RequestEntityTooLarge',
            'RequestEntityTooLarge',
            'Request size exceeded 1048576 bytes',
            413,
          ),
      );
      if (isQuery && request.method === 'POST') {
        const query = queryToJson(body.toString('utf8'));
        action = query.action;
        const output = cloudWatch.handle(action, query.input);
        sendXml(response, 200, queryResponseXml(action, output, requestId()));
        return;
      }
      const target = request.headers['x-amz-target'];
      if (request.method !== 'POST' || typeof target !== 'string' || !target.startsWith(targetPrefix)) {
        throw unknownOperation(typeof target === 'string' ? target : '');
      }
      if (!contentType.startsWith('application/x-amz-json-1.0'))
        throw serializationError(
          `Unsupported content type ${contentType || '(none)'}; expected application/x-amz-json-1.0.`,
          415,
        );
      const encoding = request.headers['content-encoding'];
      const output = cloudWatch.handle(target.slice(targetPrefix.length), parseJson(body, encoding));
      send(response, 200, output);
    } catch (caught) {
      let error = caught;
      if (!(error instanceof CloudWatchServiceError)) {
        console.error('local CloudWatch: internal error', error);
        error = internalFault();
      }
      if (isQuery)
        sendXml(
          response,
          (error as CloudWatchServiceError).statusCode,
          queryErrorXml(error as CloudWatchServiceError, requestId()),
        );
      else sendError(response, error as CloudWatchServiceError);
    }
  });
  const listening = await listenOn(server, options.port ?? 4300, options.host ?? '127.0.0.1');
  return {
    url: listening.url,
    port: listening.port,
    cloudWatch,
    async close() {
      await listening.closeServer();
    },
  };
};

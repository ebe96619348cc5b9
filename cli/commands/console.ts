import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { consoleListener } from '../../console/server';
import { type ApiClient, apiClient, endpointFrom } from '../client';
import { examples, exitWith } from '../context';
import { ApiError, CliError } from '../errors';
import { colours as c } from '../render';

/** As `kubectl proxy`: API calls to localhost are forwarded to the endpoint, signed; writes only when allowed. */
const forward = async (
  api: ApiClient,
  allowWrites: boolean,
  request: IncomingMessage,
  response: ServerResponse,
) => {
  const method = request.method ?? 'GET';
  if (!allowWrites && method !== 'GET' && method !== 'HEAD') {
    response.writeHead(403, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: {
          code: 'ReadOnlyConsole',
          message: 'this console is read-only; start it with --allow-writes',
        },
      }),
    );
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const answer = await api.request(method, request.url ?? '/', {
      ...(text ? { body: JSON.parse(text) } : {}),
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
    const status = error instanceof ApiError ? error.status : 502;
    response
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'ProxyError', message: (error as Error).message } }));
  }
};

export const registerConsole = (program: Command) => {
  const command = program
    .command('console')
    .description(
      'serve the web console on localhost, reading the API at --endpoint (requests signed for https)',
    )
    .option('--port <port>', 'local port', '8080')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--clusters <names>', 'comma-separated clusters to list', 'default')
    .option('--allow-writes', 'allow rollbacks from the console (read-only otherwise)')
    .action(
      exitWith(async (options, cmd: Command) => {
        const endpoint = endpointFrom(cmd.optsWithGlobals().endpoint);
        const api = apiClient(endpoint);
        const allowWrites = Boolean(options.allowWrites);
        const pages = consoleListener({ api, allowWrites, clusters: String(options.clusters).split(',') });
        const server = createServer(async (request, response) => {
          if (request.url === '/' || request.url === '') {
            response.writeHead(302, { location: '/console/' }).end();
            return;
          }
          if (!(await pages(request, response))) await forward(api, allowWrites, request, response);
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', (error) =>
            reject(new CliError(`cannot listen on ${options.host}:${options.port}: ${error.message}`)),
          );
          server.listen(Number(options.port), options.host, () => resolve());
        });
        const { port } = server.address() as AddressInfo;
        console.log(
          `Tugboat console for ${endpoint} at ${c.bold(`http://${options.host}:${port}/console/`)} (${allowWrites ? 'read-write' : 'read-only'}); Ctrl+C to stop`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => server.close(() => resolve());
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        return 0;
      }),
    );
  examples(
    command,
    'tugboat console',
    'TUGBOAT_ENDPOINT=https://abc123.execute-api.eu-west-1.amazonaws.com tugboat console --port 8080 --allow-writes',
  );
};

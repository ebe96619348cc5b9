import type { Command } from 'commander';
import { apiClient, endpointFrom } from '../../client/client';
import { startConsoleServer } from '../../console/standalone';
import { examples, exitWith } from '../context';
import { colours as c } from '../render';

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
    .option(
      '--allowed-host <names>',
      'comma-separated other Host names it answers to (name or name:port), for a proxy in front of it; 127.0.0.1 and localhost always',
    )
    .action(
      exitWith(async (options, cmd: Command) => {
        const endpoint = endpointFrom(cmd.optsWithGlobals().endpoint);
        const api = apiClient(endpoint);
        const allowWrites = Boolean(options.allowWrites);
        const allowedHosts = options.allowedHost ? String(options.allowedHost).split(',') : undefined;
        const { port, close } = await startConsoleServer({
          api,
          allowWrites,
          clusters: String(options.clusters).split(','),
          port: Number(options.port),
          host: options.host,
          ...(allowedHosts ? { allowedHosts } : {}),
        });
        console.log(
          `Tugboat console for ${endpoint} at ${c.bold(`http://${options.host}:${port}/console/`)} (${allowWrites ? 'read-write' : 'read-only'}); Ctrl+C to stop`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => void close().then(resolve);
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

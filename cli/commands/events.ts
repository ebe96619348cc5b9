import type { Command } from 'commander';
import type { Page, ServiceEvent } from '../../client/api-types';
import { servicePath } from '../../client/client';
import { EXIT } from '../../client/errors';
import { listAll } from '../../client/queries';
import { apiFor, clusterOption, examples, exitWith, outputOption, wantsJson } from '../context';
import { colours as c, printJson, time } from '../render';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const registerEvents = (program: Command) => {
  const command = program
    .command('events')
    .description("a service's events, oldest first; --follow prints new ones as they arrive")
    .argument('<service>', 'the service')
    .option(...clusterOption)
    .option('--limit <n>', 'how many of the newest events', '50')
    .option('--follow', 'keep printing new events until interrupted')
    .option(...outputOption)
    .action(
      exitWith(async (serviceName: string, options, cmd: Command) => {
        const api = apiFor(cmd);
        const json = wantsJson(options);
        const path = `${servicePath(options.cluster, serviceName)}/events`;
        const show = (event: ServiceEvent) =>
          json
            ? console.log(JSON.stringify(event))
            : console.log(`${c.dim(time(event.createdAt))} ${event.message}`);
        const latest = await listAll<ServiceEvent>(api, `${path}?maxResults=100`, Number(options.limit));
        if (json && !options.follow) {
          // Oldest first, as the text lists them (the API pages newest first).
          printJson([...latest].reverse());
          return EXIT.ok;
        }
        const seen = new Set<string>();
        let newest = '';
        const showNew = (events: ServiceEvent[]) => {
          // Only events at or after the newest shown: older ones beyond --limit were left out on purpose.
          for (const event of events.filter((e) => !seen.has(e.id) && e.createdAt >= newest).reverse()) {
            seen.add(event.id);
            if (event.createdAt > newest) newest = event.createdAt;
            show(event);
          }
        };
        showNew(latest);
        while (options.follow) {
          await sleep(1000);
          showNew((await api.get<Page<ServiceEvent>>(`${path}?maxResults=100`)).body.items);
        }
        return EXIT.ok;
      }),
    );
  examples(
    command,
    'tugboat events web',
    'tugboat events web --follow',
    "tugboat events web --output json | jq -r '.[].message'",
  );
};

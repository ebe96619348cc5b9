import type { Command } from 'commander';
import { createLogUpdate } from 'log-update';
import type {
  Service,
  ServiceDescription,
  TaskDefinition,
  TaskDescription,
  TaskRecord,
} from '../../client/api-types';
import { type ApiClient, servicePath } from '../../client/client';
import { CliError, EXIT } from '../../client/errors';
import { listAll } from '../../client/queries';
import { parseRevisionReference, revisionReference } from '../../lib/domain';
import { apiFor, clusterOption, examples, exitWith, timeoutOption } from '../context';
import { colours as c, time } from '../render';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** As ecspresso does: a one-off task borrows the network of a service that runs its family (or any service). */
const borrowedNetwork = async (api: ApiClient, cluster: string, family: string) => {
  const services = await listAll<Service>(api, `/clusters/${encodeURIComponent(cluster)}/services`);
  const chosen =
    services.find(
      (s) => parseRevisionReference(String(s.taskDefinition)).family === family && s.status === 'ACTIVE',
    ) ?? services.find((s) => s.status === 'ACTIVE');
  if (!chosen)
    throw new CliError(
      `give --subnets: no service in cluster ${cluster} to borrow a network configuration from`,
    );
  const { body } = await api.get<ServiceDescription>(servicePath(cluster, chosen.serviceName));
  return body.networkConfiguration;
};

/** `--service`: the revision the service runs now (not the family's latest) and the service's network. */
const serviceRevision = async (api: ApiClient, cluster: string, serviceName: string) => {
  const { body } = await api.get<ServiceDescription>(servicePath(cluster, serviceName));
  return {
    reference: String(body.taskDefinition),
    why: `the current revision of service ${serviceName}`,
    networkConfiguration: body.networkConfiguration,
  };
};

export const registerRun = (program: Command) => {
  const command = program
    .command('run')
    .description(
      "run a one-off task; with --wait, follow it and exit with its essential container's exit code",
    )
    .argument('[family]', 'task definition: family (its latest ACTIVE revision) or family:revision')
    .option('--service <name>', "run the service's current revision, in its network (instead of a family)")
    .option(...clusterOption)
    .option('--subnets <ids>', 'comma-separated subnets (default: those of a service running the family)')
    .option('--security-groups <ids>', 'comma-separated security groups')
    .option('--command <args...>', 'override the essential container command')
    .option('--started-by <name>', 'startedBy tag (prefixed tugboat-)')
    .option('--wait', 'follow the task until it stops')
    .addOption(timeoutOption())
    .action(
      exitWith(async (family: string | undefined, options, cmd: Command) => {
        if (Boolean(family) === Boolean(options.service))
          throw new CliError('give a family (or family:revision), or --service <name>, not both');
        const api = apiFor(cmd);
        const chosen = options.service
          ? await serviceRevision(api, options.cluster, options.service)
          : {
              reference: String(family),
              why: family?.includes(':')
                ? 'as named'
                : `the latest ACTIVE revision of ${family}; --service <name> runs a service's current one`,
              networkConfiguration: undefined,
            };
        const networkConfiguration = options.subnets
          ? {
              awsvpcConfiguration: {
                subnets: String(options.subnets).split(','),
                ...(options.securityGroups
                  ? { securityGroups: String(options.securityGroups).split(',') }
                  : {}),
              },
            }
          : (chosen.networkConfiguration ??
            (await borrowedNetwork(api, options.cluster, parseRevisionReference(chosen.reference).family)));
        const [name, revision] = chosen.reference.split(':');
        const { body: definition } = await api.get<TaskDefinition>(
          // The user's text as typed: the API names a revision that does not parse.
          `/task-definitions/${encodeURIComponent(name ?? '')}/${encodeURIComponent(revision ?? 'latest')}`,
        );
        console.log(`running ${c.bold(revisionReference(definition))} (${chosen.why})`);
        const essential = definition.containerDefinitions.find((container) => container.essential !== false);
        if (!essential) throw new CliError(`${revisionReference(definition)} has no essential container`);
        const { body } = await api.post<{ tasks: TaskRecord[]; failures?: unknown[] }>(
          `/clusters/${encodeURIComponent(options.cluster)}/tasks`,
          {
            taskDefinition: revisionReference(definition),
            count: 1,
            networkConfiguration,
            ...(options.startedBy ? { startedBy: options.startedBy } : {}),
            ...(options.command
              ? { overrides: { containerOverrides: [{ name: essential.name, command: options.command }] } }
              : {}),
          },
        );
        if (body.failures?.length)
          throw new CliError(`run failed: ${JSON.stringify(body.failures)}`, EXIT.failed);
        const task = body.tasks[0];
        if (!task) throw new CliError('the API launched no task', EXIT.failed);
        console.log(`task ${c.bold(task.taskId)} of ${revisionReference(definition)} ${task.lastStatus}`);
        if (!options.wait) return EXIT.ok;

        const live = Boolean(process.stdout.isTTY) && (process.stdout.columns ?? 0) > 0;
        const frame = live ? createLogUpdate(process.stdout) : undefined;
        const deadline = Date.now() + options.timeout;
        let last = '';
        for (;;) {
          const { body: current } = await api.get<TaskDescription>(
            `/clusters/${encodeURIComponent(options.cluster)}/tasks/${task.taskId}`,
          );
          const line = `${time(new Date().toISOString())} task ${current.taskId} ${current.lastStatus}${current.healthStatus && current.healthStatus !== 'UNKNOWN' ? ` ${current.healthStatus}` : ''}`;
          if (line.slice(9) !== last) {
            last = line.slice(9);
            if (frame) frame(line);
            else console.log(line);
          }
          if (current.lastStatus === 'STOPPED') {
            frame?.done();
            const container = current.containers?.find((x) => x.name === essential.name);
            const exitCode = container?.exitCode;
            const why = `${current.stopCode ?? ''} ${current.stoppedReason ?? ''}`.trim();
            if (typeof exitCode === 'number') {
              console.log(`${essential.name} exited with code ${exitCode}${why ? ` (${why})` : ''}`);
              return exitCode;
            }
            console.error(c.red(`task stopped without an exit code: ${why}`));
            return EXIT.failed;
          }
          if (Date.now() >= deadline) {
            frame?.done();
            console.error(c.red(`timed out waiting for task ${task.taskId} (still ${current.lastStatus})`));
            return EXIT.timeout;
          }
          await sleep(1000);
        }
      }),
    );
  examples(
    command,
    'tugboat run migrate --wait',
    'tugboat run --service web --command ./migrate --wait',
    'tugboat run web:3 --subnets subnet-0123456789abcdef0 --command ./migrate --up --wait',
  );
};

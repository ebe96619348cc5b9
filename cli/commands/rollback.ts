import type { Command } from 'commander';
import type { Deployment, ServiceDescription } from '../../client/api-types';
import { servicePath } from '../../client/client';
import { CliError } from '../../client/errors';
import { parseRevisionReference, sameFamily } from '../../lib/domain';
import { apiFor, examples, exitWith, followRollout, withRolloutOptions } from '../context';
import { colours as c } from '../render';

/**
 * `--to` as the API takes it: a bare number is a revision of the service's own family; a revision of
 * another family is refused before anything changes (going to another family is a deploy).
 */
export const rollbackReference = (current: string, to: string): string => {
  const { family } = parseRevisionReference(current);
  if (/^\d+$/.test(to)) return `${family}:${to}`;
  if (!/^[A-Za-z0-9_-]{1,255}(:[1-9]\d{0,8})?$/.test(to))
    throw new CliError(`--to must be a revision number or ${family}:<revision>, got "${to}"`);
  if (!sameFamily(to, current))
    throw new CliError(
      `--to ${to}: a rollback goes back to a revision of the service's own family ${family} (e.g. --to ${family}:1 or --to 1); to run another family, deploy it`,
    );
  return to;
};

export const registerRollback = (program: Command) => {
  const command = withRolloutOptions(
    program
      .command('rollback')
      .description("roll a service back to its last COMPLETED deployment's revision, or to --to")
      .argument('<service>', 'the service')
      .option('--to <revision>', 'the task definition to go back to (family:revision, or a revision number)'),
  ).action(
    exitWith(async (serviceName: string, options, cmd: Command) => {
      const api = apiFor(cmd);
      let to: string | undefined = options.to;
      if (to) {
        const { body: service } = await api.get<ServiceDescription>(
          servicePath(options.cluster, serviceName),
        );
        to = rollbackReference(String(service.taskDefinition), to);
      }
      const { body: deployment } = await api.post<Deployment>(
        `${servicePath(options.cluster, serviceName)}/rollback`,
        to ? { taskDefinition: to } : {},
      );
      console.log(`rollback deployment ${c.bold(deployment.id)} to ${deployment.taskDefinition} started`);
      return followRollout(api, options, serviceName, deployment.id);
    }),
  );
  examples(command, 'tugboat rollback web --wait', 'tugboat rollback web --to web:3');
};

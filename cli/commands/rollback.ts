import type { Command } from 'commander';
import type { Deployment, ServiceDescription } from '../../client/api-types';
import { servicePath } from '../../client/client';
import { parseRevisionReference } from '../../lib/domain';
import { apiFor, examples, exitWith, followRollout, withRolloutOptions } from '../context';
import { colours as c } from '../render';

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
      if (to && /^\d+$/.test(to)) {
        const { body: service } = await api.get<ServiceDescription>(
          servicePath(options.cluster, serviceName),
        );
        to = `${parseRevisionReference(String(service.taskDefinition)).family}:${to}`;
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

import type { Command } from 'commander';
import { parseRevisionReference } from '../../lib/domain';
import type { Deployment, ServiceDescription } from '../api-types';
import { servicePath } from '../client';
import { apiFor, clusterOption, examples, exitWith, timeoutMs, timeoutOption } from '../context';
import { EXIT } from '../errors';
import { colours as c } from '../render';
import { watchDeployment } from '../watch';

export const registerRollback = (program: Command) => {
  const command = program
    .command('rollback')
    .description("roll a service back to its last COMPLETED deployment's revision, or to --to")
    .argument('<service>', 'the service')
    .option('--to <revision>', 'the task definition to go back to (family:revision, or a revision number)')
    .option(...clusterOption)
    .option('--wait', 'follow the rollout until it completes (exit 0) or fails (exit 1)')
    .option(...timeoutOption)
    .action(
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
        if (!options.wait) return EXIT.ok;
        return watchDeployment(api, {
          cluster: options.cluster,
          serviceName,
          deploymentId: deployment.id,
          timeoutMs: timeoutMs(options),
        });
      }),
    );
  examples(command, 'tugboat rollback web --wait', 'tugboat rollback web --to web:3');
};

import type { Command } from 'commander';
import type { ServiceDescription } from '../../client/api-types';
import { servicePath } from '../../client/client';
import { CliError, EXIT } from '../../client/errors';
import { apiFor, clusterOption, examples, exitWith, timeoutOption } from '../context';
import { watchDeployment } from '../watch';

export const registerWatch = (program: Command) => {
  const command = program
    .command('watch')
    .description(
      "follow a deployment (default: the service's PRIMARY) as --wait does: exit 0 COMPLETED, 1 FAILED, 2 --timeout",
    )
    .argument('<service>', 'the service')
    .argument('[deployment]', 'the deployment id (ecs-svc-...)')
    .option(...clusterOption)
    .addOption(timeoutOption())
    .action(
      exitWith(async (serviceName: string, deploymentId: string | undefined, options, cmd: Command) => {
        const api = apiFor(cmd);
        let id = deploymentId;
        if (!id) {
          const { body: service } = await api.get<ServiceDescription>(
            servicePath(options.cluster, serviceName),
          );
          id = service.deployments.find((d) => d.status === 'PRIMARY')?.id;
          if (!id) throw new CliError(`service ${serviceName} has no PRIMARY deployment`, EXIT.failed);
        }
        return watchDeployment(api, {
          cluster: options.cluster,
          serviceName,
          deploymentId: id,
          timeoutMs: options.timeout,
        });
      }),
    );
  examples(command, 'tugboat watch web', 'tugboat watch web ecs-svc-0123456789abcdef --timeout 10m');
};

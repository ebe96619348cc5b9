import type { Command } from 'commander';
import type { ServiceDescription } from '../../client/api-types';
import { servicePath } from '../../client/client';
import { CliError, EXIT } from '../../client/errors';
import { apiFor, clusterOption, examples, exitWith } from '../context';

export const registerScale = (program: Command) => {
  const command = program
    .command('scale')
    .description("set a service's desired count")
    .argument('<service>', 'the service')
    .argument('<count>', 'the desired count (0-5000)')
    .option(...clusterOption)
    .action(
      exitWith(async (serviceName: string, count: string, options, cmd: Command) => {
        if (/^-\d+$/.test(count.trim())) throw new CliError(`the count must be 0 or more, got ${count}`);
        if (!/^\d+$/.test(count))
          throw new CliError(`the count must be a whole number, 0 or more, got "${count}"`);
        const { body: service } = await apiFor(cmd).patch<ServiceDescription>(
          servicePath(options.cluster, serviceName),
          {
            desiredCount: Number(count),
          },
        );
        console.log(
          `${service.serviceName}: desired count ${service.desiredCount} (running ${service.runningCount})`,
        );
        return EXIT.ok;
      }),
    );
  examples(command, 'tugboat scale web 5', 'tugboat scale worker 0 --cluster batch');
};

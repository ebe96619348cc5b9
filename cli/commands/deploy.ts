import type { Command } from 'commander';
import type { Deployment } from '../../client/api-types';
import { servicePath } from '../../client/client';
import { apiFor, examples, exitWith, followRollout, withRolloutOptions } from '../context';
import { colours as c } from '../render';

export const registerDeploy = (program: Command) => {
  const command = withRolloutOptions(
    program
      .command('deploy')
      .description('deploy a new image (a new revision of the current task definition) to a service')
      .argument('<service>', 'the service')
      .requiredOption('--image <image>', 'the image to run')
      .option('--container <name>', 'the container that gets the image (needed when there are several)'),
  ).action(
    exitWith(async (serviceName: string, options, cmd: Command) => {
      const api = apiFor(cmd);
      const { body: deployment } = await api.post<Deployment>(
        `${servicePath(options.cluster, serviceName)}/deployments`,
        {
          image: options.image,
          ...(options.container ? { containerName: options.container } : {}),
        },
      );
      console.log(
        `deployment ${c.bold(deployment.id)} of ${deployment.taskDefinition} started (${options.image})`,
      );
      return followRollout(api, options, serviceName, deployment.id);
    }),
  );
  examples(
    command,
    'tugboat deploy web --image nginx:1.28 --wait',
    'tugboat deploy web --image registry.example.com/shop:v2 --container app --cluster prod --wait --timeout 10m',
  );
};

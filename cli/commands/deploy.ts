import type { Command } from 'commander';
import type { Deployment } from '../api-types';
import { servicePath } from '../client';
import { apiFor, clusterOption, examples, exitWith, timeoutMs, timeoutOption } from '../context';
import { EXIT } from '../errors';
import { colours as c } from '../render';
import { watchDeployment } from '../watch';

export const registerDeploy = (program: Command) => {
  const command = program
    .command('deploy')
    .description('deploy a new image (a new revision of the current task definition) to a service')
    .argument('<service>', 'the service')
    .requiredOption('--image <image>', 'the image to run')
    .option('--container <name>', 'the container that gets the image (needed when there are several)')
    .option(...clusterOption)
    .option('--wait', 'follow the rollout until it completes (exit 0) or fails (exit 1)')
    .option(...timeoutOption)
    .action(
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
        if (!options.wait) return EXIT.ok;
        return watchDeployment(api, {
          cluster: options.cluster,
          serviceName,
          deploymentId: deployment.id,
          timeoutMs: timeoutMs(options),
        });
      }),
    );
  examples(
    command,
    'tugboat deploy web --image nginx:1.28 --wait',
    'tugboat deploy web --image registry.example.com/shop:v2 --container app --cluster prod --wait --timeout 10m',
  );
};

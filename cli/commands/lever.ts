/**
 * A person's hand on the lever: `tugboat promote` continues the service's deployment paused by its
 * approval; `tugboat abort` stops the deployment in progress with a rollback (or, with --no-rollback,
 * where it is: ECS's ABORT).
 */
import type { Command } from 'commander';
import type { Deployment, ServiceDescription } from '../../client/api-types';
import { type ApiClient, servicePath } from '../../client/client';
import { CliError } from '../../client/errors';
import { apiFor, examples, exitWith, followRollout, withRolloutOptions } from '../context';
import { colours as c } from '../render';

/** The PRIMARY deployment in progress, which both commands act on. */
const inProgress = async (api: ApiClient, cluster: string, serviceName: string): Promise<Deployment> => {
  const { body: service } = await api.get<ServiceDescription>(servicePath(cluster, serviceName));
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  if (primary === undefined || primary.rolloutState !== 'IN_PROGRESS')
    throw new CliError(
      `service ${serviceName} has no deployment in progress${primary ? ` (its PRIMARY ${primary.id} is ${primary.rolloutState})` : ''}`,
    );
  return primary;
};

export const registerLever = (program: Command) => {
  const promote = withRolloutOptions(
    program
      .command('promote')
      .description('continue the deployment in progress that waits for approval at its stage')
      .argument('<service>', 'the service'),
  ).action(
    exitWith(async (serviceName: string, options, cmd: Command) => {
      const api = apiFor(cmd);
      const { id } = await inProgress(api, options.cluster, serviceName);
      const { body: deployment } = await api.post<Deployment>(
        `${servicePath(options.cluster, serviceName)}/deployments/${encodeURIComponent(id)}/continue`,
        { action: 'CONTINUE' },
      );
      const stage = deployment.trafficShift?.stage ?? 'its stage';
      console.log(`deployment ${c.bold(id)} of ${deployment.taskDefinition} continued at ${stage}`);
      return followRollout(api, options, serviceName, id);
    }),
  );
  examples(promote, 'tugboat promote web', 'tugboat promote web --wait');

  const abort = withRolloutOptions(
    program
      .command('abort')
      .description('stop the deployment in progress and roll it back (--no-rollback: stop it where it is)')
      .argument('<service>', 'the service')
      .option('--no-rollback', "ECS's ABORT: fail it where it is, tasks and traffic weights as they are"),
  ).action(
    exitWith(async (serviceName: string, options, cmd: Command) => {
      const api = apiFor(cmd);
      const { id } = await inProgress(api, options.cluster, serviceName);
      const stopType = options.rollback === false ? 'ABORT' : 'ROLLBACK';
      const { body: deployment } = await api.post<Deployment>(
        `${servicePath(options.cluster, serviceName)}/deployments/${encodeURIComponent(id)}/stop`,
        { stopType },
      );
      console.log(
        `deployment ${c.bold(id)} of ${deployment.taskDefinition} stopping (${stopType === 'ROLLBACK' ? 'rolling back' : 'where it is'})`,
      );
      return followRollout(api, options, serviceName, id);
    }),
  );
  examples(abort, 'tugboat abort web --wait', 'tugboat abort web --no-rollback');
};

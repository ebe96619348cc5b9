import type { Command } from 'commander';
import type { Action, ServicePlan } from '../../client/api-types';
import { servicePath } from '../../client/client';
import { EXIT } from '../../client/errors';
import { apiFor, clusterOption, examples, exitWith, outputOption, wantsJson } from '../context';
import { colours as c, printJson } from '../render';

/** One plan action as a line: what the reconciler would do, and why. */
export const actionLine = (action: Action): string => {
  const what =
    action.type === 'launch'
      ? `launch ${action.count} x ${action.taskDefinition}`
      : action.type === 'stop'
        ? `stop ${String(action.taskArn).split('/').pop()}`
        : action.type === 'rollback'
          ? `roll back to ${action.taskDefinition}`
          : action.type === 'fail-deployment'
            ? `fail deployment ${action.deploymentId}`
            : action.type;
  return `${c.bold(what)}: ${action.reason}`;
};

export const registerPlan = (program: Command) => {
  const command = program
    .command('plan')
    .description('what the reconciler would do to a service right now, and why (changes nothing)')
    .argument('<service>', 'the service')
    .option(...clusterOption)
    .option(...outputOption)
    .action(
      exitWith(async (serviceName: string, options, cmd: Command) => {
        const { body: plan } = await apiFor(cmd).get<ServicePlan>(
          `${servicePath(options.cluster, serviceName)}/plan`,
        );
        if (wantsJson(options)) {
          printJson(plan);
          return EXIT.ok;
        }
        console.log(
          `${c.bold(plan.serviceName)}: ${plan.serviceStatus}, ${plan.taskDefinition}, running ${plan.runningCount} pending ${plan.pendingCount}`,
        );
        if (plan.actions.length === 0) console.log('  nothing to do');
        for (const action of plan.actions) console.log(`  ${actionLine(action)}`);
        for (const event of plan.events ?? []) console.log(`  ${c.dim(`event: ${event}`)}`);
        return EXIT.ok;
      }),
    );
  examples(command, 'tugboat plan web', 'tugboat plan web --output json | jq .actions');
};

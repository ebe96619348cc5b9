import type { Command } from 'commander';
import type { Service, ServiceDescription, TaskRecord } from '../../client/api-types';
import { type ApiClient, servicePath } from '../../client/client';
import { EXIT } from '../../client/errors';
import { imagesOf, listAll, targetsOf } from '../../client/queries';
import { apiFor, clusterOption, examples, exitWith, outputOption, wantsJson } from '../context';
import { analysisLine, colours as c, deploymentLine, printJson, rolloutColour, table, time } from '../render';

/** Each target group of the service with its targets and their health, as the API answers them. */
const targetLines = async (api: ApiClient, cluster: string, service: ServiceDescription) => {
  const groups = [...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn))];
  if (groups.length === 0) return [c.dim('none (this service is not registered with a target group)')];
  const query = new URLSearchParams({ serviceName: service.serviceName, desiredStatus: 'RUNNING' });
  const tasks = await listAll<TaskRecord>(api, `/clusters/${encodeURIComponent(cluster)}/tasks?${query}`);
  const targets = await targetsOf(api, cluster, tasks);
  return groups.flatMap((arn) => {
    const mine = targets.filter((t) => t.targetGroupArn === arn);
    const name = arn.split(':targetgroup/')[1]?.split('/')[0] ?? arn;
    return [
      `target group ${c.bold(name)} ${c.dim(arn)}`,
      ...(mine.length === 0
        ? [`  ${c.dim('no targets registered')}`]
        : mine.map(
            (t) =>
              `  ${`${t.id}:${t.port}`.padEnd(21)} ${healthColour(t.state.padEnd(9))} task ${t.taskId}${t.reason ? `  ${c.dim([t.reason, t.description].filter(Boolean).join(': '))}` : ''}`,
          )),
    ];
  });
};

const healthColour = (state: string) =>
  state === 'healthy' ? c.green(state) : state === 'unhealthy' ? c.red(state) : c.yellow(state);

const primaryOf = (service: Service) => service.deployments?.find((d) => d.status === 'PRIMARY');

export const registerStatus = (program: Command) => {
  const command = program
    .command('status')
    .description("the cluster's services as a table, or one service with its deployments and last events")
    .argument('[service]', 'one service')
    .option(...clusterOption)
    .option(...outputOption)
    .action(
      exitWith(async (serviceName: string | undefined, options, cmd: Command) => {
        const api = apiFor(cmd);
        const json = wantsJson(options);
        if (!serviceName) {
          const services = await listAll<Service>(
            api,
            `/clusters/${encodeURIComponent(options.cluster)}/services`,
          );
          const images = await imagesOf(
            api,
            services.map((s) => s.taskDefinition),
          );
          if (json) {
            printJson(services.map((s) => ({ ...s, image: images.get(s.taskDefinition) })));
            return EXIT.ok;
          }
          if (services.length === 0) {
            console.log(`no services in cluster ${options.cluster}`);
            return EXIT.ok;
          }
          console.log(
            table([
              ['SERVICE', 'STATUS', 'DESIRED', 'RUNNING', 'PENDING', 'ROLLOUT', 'TASK DEFINITION', 'IMAGE'],
              ...services.map((s) => [
                s.serviceName,
                s.status,
                String(s.desiredCount),
                String(s.runningCount),
                String(s.pendingCount),
                rolloutColour(primaryOf(s)?.rolloutState),
                s.taskDefinition,
                images.get(s.taskDefinition) ?? '-',
              ]),
            ]),
          );
          return EXIT.ok;
        }
        const { body: service } = await api.get<ServiceDescription>(
          servicePath(options.cluster, serviceName),
        );
        const images = await imagesOf(api, [service.taskDefinition]);
        if (json) {
          printJson({ ...service, image: images.get(service.taskDefinition) });
          return EXIT.ok;
        }
        console.log(`${c.bold(service.serviceName)} (${service.cluster})  ${service.status}`);
        console.log(
          `  task definition  ${service.taskDefinition}  ${c.dim(images.get(service.taskDefinition) ?? '')}`,
        );
        console.log(
          `  tasks            desired ${service.desiredCount}  running ${service.runningCount}  pending ${service.pendingCount}`,
        );
        console.log(`\n${c.bold('Deployments')}`);
        const inactive = service.deployments.filter((d) => d.status === 'INACTIVE');
        const shown = [
          ...service.deployments.filter((d) => d.status !== 'INACTIVE'),
          ...inactive.slice(0, 3),
        ];
        for (const d of shown) {
          console.log(`  ${d.id}  ${deploymentLine(d)}`);
          if (d.rolloutStateReason) console.log(`    ${c.dim(d.rolloutStateReason)}`);
          const lastInterval = d.analysis?.intervals.at(-1);
          if (lastInterval)
            console.log(`    last ${analysisLine(lastInterval, service.deploymentConfiguration.analysis)}`);
        }
        console.log(`\n${c.bold('Targets')}`);
        for (const line of await targetLines(api, options.cluster, service)) console.log(`  ${line}`);
        console.log(`\n${c.bold('Last events')}`);
        for (const event of (service.events ?? []).slice(0, 10))
          console.log(`  ${c.dim(time(event.createdAt))} ${event.message}`);
        return EXIT.ok;
      }),
    );
  examples(
    command,
    'tugboat status',
    'tugboat status web --cluster prod',
    'tugboat status web --output json | jq .deployments',
  );
};

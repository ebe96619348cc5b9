import type { Command } from 'commander';
import type { TaskRecord } from '../../client/api-types';
import { EXIT } from '../../client/errors';
import { listAll } from '../../client/queries';
import { apiFor, clusterOption, examples, exitWith, outputOption, wantsJson } from '../context';
import { printJson, table, time } from '../render';

export const registerTasks = (program: Command) => {
  const command = program
    .command('tasks')
    .description("a service's tasks (or the one-off tasks, with -), with their state and timing")
    .argument('<service>', 'the service, or - for tasks no service claims')
    .option(...clusterOption)
    .option('--status <status>', 'RUNNING, PENDING or STOPPED')
    .option(...outputOption)
    .action(
      exitWith(async (serviceName: string, options, cmd: Command) => {
        const api = apiFor(cmd);
        const json = wantsJson(options);
        const query = new URLSearchParams({
          serviceName,
          ...(options.status ? { desiredStatus: options.status } : {}),
        });
        const listed = await listAll<TaskRecord>(
          api,
          `/clusters/${encodeURIComponent(options.cluster)}/tasks?${query}`,
        );
        // Unfinished tasks first, then the newest.
        const tasks = listed.sort(
          (a, b) =>
            Number(a.lastStatus === 'STOPPED') - Number(b.lastStatus === 'STOPPED') ||
            String(b.createdAt).localeCompare(String(a.createdAt)),
        );
        if (json) {
          printJson(tasks);
          return EXIT.ok;
        }
        if (tasks.length === 0) {
          console.log(`no tasks for ${serviceName} in cluster ${options.cluster}`);
          return EXIT.ok;
        }
        console.log(
          table([
            [
              'TASK',
              'STATUS',
              'DESIRED',
              'HEALTH',
              'DEPLOYMENT',
              'TASK DEFINITION',
              'CREATED',
              'STARTED',
              'STOPPED',
              'REASON',
            ],
            ...tasks.map((t) => [
              t.taskId,
              t.lastStatus,
              t.desiredStatus,
              t.healthStatus,
              t.deploymentId ?? '-',
              t.taskDefinition ?? '-',
              time(t.createdAt),
              t.startedAt ? time(t.startedAt) : '-',
              t.stoppedAt ? time(t.stoppedAt) : '-',
              t.stoppedReason ?? '',
            ]),
          ]),
        );
        return EXIT.ok;
      }),
    );
  examples(command, 'tugboat tasks web', 'tugboat tasks web --status STOPPED --output json');
};

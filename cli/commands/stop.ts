import type { Command } from 'commander';
import type { TaskDescription } from '../../client/api-types';
import { EXIT } from '../../client/errors';
import { apiFor, clusterOption, examples, exitWith } from '../context';
import { colours as c } from '../render';

export const registerStop = (program: Command) => {
  const command = program
    .command('stop')
    .description("stop a task (a one-off task, or one of a service's: the service then replaces it)")
    .argument('<taskId>', 'the task id (32 hex characters, as `tugboat tasks` lists it)')
    .option(...clusterOption)
    .option('--reason <text>', 'the stop reason ECS records', 'Task stopped by user')
    .action(
      exitWith(async (taskId: string, options, cmd: Command) => {
        const { body: task } = await apiFor(cmd).delete<TaskDescription>(
          `/clusters/${encodeURIComponent(options.cluster)}/tasks/${encodeURIComponent(taskId)}?${new URLSearchParams({ reason: options.reason })}`,
        );
        console.log(
          `task ${c.bold(task.taskId)} of ${task.taskDefinition} ${task.lastStatus} (desired ${task.desiredStatus}): ${task.stoppedReason ?? options.reason}`,
        );
        return EXIT.ok;
      }),
    );
  examples(command, 'tugboat stop 0123456789abcdef0123456789abcdef', 'tugboat tasks - --status RUNNING');
};

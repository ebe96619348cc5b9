import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { DEFAULT_ENDPOINT } from '../client/client';
import { CliError, EXIT } from '../client/errors';
import { registerApply } from './commands/apply';
import { registerConsole } from './commands/console';
import { registerDeploy } from './commands/deploy';
import { registerEvents } from './commands/events';
import { registerJobs } from './commands/jobs';
import { registerLever } from './commands/lever';
import { registerPlan } from './commands/plan';
import { registerRollback } from './commands/rollback';
import { registerRun } from './commands/run';
import { registerScale } from './commands/scale';
import { registerStatus } from './commands/status';
import { registerStop } from './commands/stop';
import { registerTasks } from './commands/tasks';
import { registerWatch } from './commands/watch';
import { colours as c } from './render';

/** Builds the `tugboat` program; each verb lives in its own file under cli/commands/. */
export const buildProgram = () => {
  const program = new Command('tugboat')
    .description('Drive Tugboat, the serverless control plane for ECS/Fargate, and follow rollouts live')
    .option(
      '--endpoint <url>',
      `Tugboat API (env TUGBOAT_ENDPOINT, default ${DEFAULT_ENDPOINT}); https endpoints are signed with SigV4`,
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `
Exit codes: 0 done (deployment COMPLETED), 1 deployment FAILED, 2 --timeout, 3 usage or API error,
130 Ctrl+C while waiting (the deployment goes on).

Examples:
  $ tugboat apply -f web.yaml --wait
  $ tugboat deploy web --image nginx:1.28 --wait
  $ tugboat status
`,
  );
  for (const register of [
    registerApply,
    registerDeploy,
    registerRollback,
    registerLever,
    registerWatch,
    registerStatus,
    registerEvents,
    registerTasks,
    registerPlan,
    registerScale,
    registerRun,
    registerStop,
    registerJobs,
    registerConsole,
  ])
    register(program);
  // Subcommands too (job run, job suspend): every error comes back as an exit code.
  const all = program.commands.flatMap((command) => [command, ...command.commands]);
  for (const command of all) {
    command.exitOverride().showHelpAfterError('(add --help for usage)');
    mandatoryAfterUnknown(command);
  }
  return program;
};

const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

/**
 * Commander checks required options before unknown ones, so `deploy web --imgae x` would say "--image not
 * specified" instead of suggesting `--image`: the required options are checked after the unknown ones.
 */
const mandatoryAfterUnknown = (command: Command) => {
  const required = command.options.filter((option) => option.mandatory);
  for (const option of required) option.mandatory = false;
  if (required.length === 0) return;
  command.hook('preAction', (self) => {
    for (const option of required) {
      if (self.getOptionValue(option.attributeName()) === undefined)
        self.error(`error: required option '${option.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
        });
    }
  });
};

/** Runs the CLI and returns its exit code. */
export const main = async (argv: string[]): Promise<number> => {
  const program = buildProgram();
  process.exitCode = EXIT.ok;
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${c.red('error:')} ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`${c.red('error:')} ${(error as Error).message ?? error}\n`);
    return EXIT.usage;
  }
};

import { type Command, InvalidArgumentError, Option } from 'commander';
import { type ApiClient, apiClient, endpointFrom } from '../client/client';
import { EXIT } from '../client/errors';
import { parseDuration, watchDeployment } from './watch';

/** The API client for a command, from the global `--endpoint` (or TUGBOAT_ENDPOINT). */
export const apiFor = (command: Command) => apiClient(endpointFrom(command.optsWithGlobals().endpoint));

export const clusterOption = ['--cluster <name>', 'the cluster', 'default'] as const;
export const outputOption = ['--output <format>', 'text or json', 'text'] as const;

/** An option's value parsed while the command line is (before any request), so a bad one writes nothing. */
const parsedWith =
  <T>(parse: (text: string) => T) =>
  (text: string): T => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };

/** `--timeout <duration>`, parsed to milliseconds. */
export const timeoutOption = () =>
  new Option('--timeout <duration>', 'give up waiting after this long (exit 2)')
    .default(parseDuration('15m'), '15m')
    .argParser(parsedWith(parseDuration));

export const rolloutWaitOption = [
  '--wait',
  'follow the rollout until it completes (exit 0) or fails (exit 1)',
] as const;

/** `--cluster`, `--wait` and `--timeout`, the options of a command that starts a rollout. */
export const withRolloutOptions = (command: Command): Command =>
  command
    .option(...clusterOption)
    .option(...rolloutWaitOption)
    .addOption(timeoutOption());

/** The options of a command that started a rollout: `--cluster`, `--wait` and `--timeout`. */
export interface RolloutOptions {
  cluster: string;
  wait?: boolean;
  /** Milliseconds (see timeoutOption). */
  timeout: number;
}

/** A started rollout's exit code: at once without `--wait`, else its verdict (see watchDeployment). */
export const followRollout = (
  api: ApiClient,
  options: RolloutOptions,
  serviceName: string,
  deploymentId: string,
): Promise<number> =>
  options.wait
    ? watchDeployment(api, {
        cluster: options.cluster,
        serviceName,
        deploymentId,
        timeoutMs: options.timeout,
      })
    : Promise.resolve(EXIT.ok);

export const wantsJson = (options: { output?: string }): boolean => {
  if (options.output !== undefined && options.output !== 'text' && options.output !== 'json')
    throw new Error(`--output must be text or json, got "${options.output}"`);
  return options.output === 'json';
};

/** Examples appended to a command's --help. */
export const examples = (command: Command, ...lines: string[]) =>
  command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`);

/** An action whose result is the process's exit code (a watched rollout's verdict). */
export const exitWith =
  <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
  async (...args: A): Promise<void> => {
    process.exitCode = await action(...args);
  };

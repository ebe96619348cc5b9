/**
 * The deployed functions' settings, read from serverless.yml so the benchmarks run what is deployed:
 * each function's timeout (the provider's default where it sets none) and reserved concurrency.
 * serverless.yml uses CloudFormation tags (!Ref, !Sub) that a plain YAML parser refuses, and only these
 * two keys are needed, so the `functions:` block is read line by line.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface DeployedFunction {
  timeoutMs: number;
  reservedConcurrency?: number;
}

export const deployedFunctions = (
  file = resolve(import.meta.dirname, '../../serverless.yml'),
): Record<string, DeployedFunction> => {
  const lines = readFileSync(file, 'utf8').split('\n');
  let providerTimeout = 6; // the Serverless Framework's default
  let section = '';
  let current: string | undefined;
  const found: Record<string, { timeout?: number; reservedConcurrency?: number }> = {};
  for (const line of lines) {
    const top = /^([A-Za-z]+):/.exec(line);
    if (top) {
      section = top[1]!;
      current = undefined;
      continue;
    }
    if (section === 'provider') {
      const timeout = /^ {2}timeout:\s*(\d+)/.exec(line);
      if (timeout) providerTimeout = Number(timeout[1]);
    } else if (section === 'functions') {
      const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
      if (name) {
        current = name[1]!;
        found[current] = {};
        continue;
      }
      const setting = /^ {4}(timeout|reservedConcurrency):\s*(\d+)/.exec(line);
      if (current && setting) {
        found[current]![setting[1] as 'timeout' | 'reservedConcurrency'] = Number(setting[2]);
      }
    }
  }
  return Object.fromEntries(
    Object.entries(found).map(([name, settings]) => [
      name,
      {
        timeoutMs: (settings.timeout ?? providerTimeout) * 1000,
        ...(settings.reservedConcurrency === undefined
          ? {}
          : { reservedConcurrency: settings.reservedConcurrency }),
      },
    ]),
  );
};

/** A deployed function's settings, or an error naming it when serverless.yml has no such function. */
export const deployedFunction = (name: string): DeployedFunction => {
  const settings = deployedFunctions()[name];
  if (!settings) throw new Error(`serverless.yml has no function ${name}`);
  return settings;
};

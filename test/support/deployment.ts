import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';

/** A YAML file of the deployment; CloudFormation's short-form tags (`!Ref X`) are read as their argument. */
export const readDeploymentYaml = (file: string) =>
  loadYaml(
    readFileSync(resolve(import.meta.dirname, '../..', file), 'utf8').replace(
      /!(?:GetAtt|Ref|Sub|Join)\b/g,
      ' ',
    ),
  ) as Record<string, any>;

/** A value that is wholly `${self:custom.<name>}`, as the framework resolves it; anything else as it is. */
export const resolveCustom = (value: unknown, custom: Record<string, unknown>): unknown => {
  const name = typeof value === 'string' ? /^\$\{self:custom\.(\w+)\}$/.exec(value)?.[1] : undefined;
  return name === undefined ? value : custom[name];
};

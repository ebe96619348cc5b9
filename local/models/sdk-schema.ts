/**
 * The structures the installed AWS SDK packages compile in (`dist-es/schemas/schemas_0.js`): each
 * structure's (or union's) members and required members. The SDK's schemas carry no enums, lengths,
 * ranges or patterns, so the models come from botocore; the SDK is newer, so its required members win
 * (scripts/service-models.ts) and the conformance test checks the two agree.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServiceName } from './model';

export const sdkPackages: Record<ServiceName, string> = {
  ecs: '@aws-sdk/client-ecs',
  elbv2: '@aws-sdk/client-elastic-load-balancing-v2',
  cloudwatch: '@aws-sdk/client-cloudwatch',
};

export interface SdkStructure {
  members: string[];
  required: string[];
}

/** `export var X$ = [3 (structure) or 4 (union), n0, _X, traits, [members], [schemas], requiredCount]`. */
export const sdkStructures = (service: ServiceName): Map<string, SdkStructure> => {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve(`${sdkPackages[service]}/package.json`));
  const text = readFileSync(join(root, 'dist-es/schemas/schemas_0.js'), 'utf8');
  const names = new Map<string, string>();
  for (const [, name, value] of text.matchAll(/^const (_\w+) = "([^"]*)";$/gm)) names.set(name!, value!);
  const structures = new Map<string, SdkStructure>();
  for (const [, shape, list, rest] of text.matchAll(
    /^export var \w+\$ = \[[34], \w+, (_\w+),\n\s+[^\n]*,\n\s+\[([^\]\n]*)\],\n([^\n]*)\n\];/gm,
  )) {
    const members = list!
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean)
      .map((name) => names.get(name) ?? name);
    const required = Number(/\], (\d+)$/.exec(rest!.trim())?.[1] ?? 0);
    structures.set(names.get(shape!) ?? shape!, { members, required: members.slice(0, required) });
  }
  return structures;
};

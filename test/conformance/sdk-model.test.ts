/**
 * The vendored models (local/models/*.json, botocore's) agree with the schemas the installed AWS SDK
 * packages compile in: for every operation an endpoint implements, every structure its input and output
 * reach requires the members the SDK requires, and has no member the SDK lacks. An SDK upgrade that
 * changes either fails this until scripts/service-models.ts is run again.
 */
import { describe, expect, it } from 'vitest';
import { supportedActions as cloudWatchActions } from '../../local/cloudwatch';
import { supportedActions as ecsActions } from '../../local/ecs';
import { supportedActions as elbActions } from '../../local/elb';
import { type ServiceName, serviceModel } from '../../local/models/model';
import { sdkPackages, sdkStructures } from '../../local/models/sdk-schema';

const services: [ServiceName, readonly string[]][] = [
  ['ecs', ecsActions],
  ['elbv2', elbActions],
  ['cloudwatch', cloudWatchActions],
];

const sorted = (list: string[]) => [...list].sort();

describe.each(services)('the %s model', (service, operations) => {
  it(`requires what ${sdkPackages[service]} requires and has no member it lacks, for every implemented operation`, () => {
    const model = serviceModel(service);
    const sdk = sdkStructures(service);
    expect(sdk.size, 'structures read from the SDK schema').toBeGreaterThan(50);
    const seen = new Set<string>();
    const differences: string[] = [];
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const shape = model.shapes[name]!;
      if (shape.type === 'list') visit(shape.member!.shape);
      if (shape.type === 'map') visit(shape.value!.shape);
      if (shape.type !== 'structure') return;
      const compiled = sdk.get(name);
      if (!compiled) {
        differences.push(`${name}: not in the SDK`);
        return;
      }
      const extra = Object.keys(shape.members ?? {}).filter((member) => !compiled.members.includes(member));
      if (extra.length > 0) differences.push(`${name}: ${extra} not in the SDK`);
      if (sorted(shape.required ?? []).join() !== sorted(compiled.required).join())
        differences.push(
          `${name}: requires ${sorted(shape.required ?? [])}, the SDK ${sorted(compiled.required)}`,
        );
      for (const ref of Object.values(shape.members ?? {})) visit(ref.shape);
    };
    for (const operation of operations) {
      const { input, output } = model.operations[operation] ?? {};
      if (input) visit(input.shape);
      if (output) visit(output.shape);
    }
    expect(seen.size).toBeGreaterThan(operations.length);
    expect(differences).toEqual([]);
  });
});

/**
 * `npx tsx scripts/service-models.ts`: writes local/models/<service>.json, the AWS service models the local
 * ECS, ELB and CloudWatch endpoints validate against and the conformance test (test/conformance/) holds them
 * to. They come from botocore's data (the AWS CLI's, found through `python3 -c 'import botocore'`, or the
 * folder given as the first argument), with the documentation stripped: operations and shapes with every
 * constraint (required, enum, min, max, pattern) and the wire names (locationName, flattened). Where the
 * installed SDK's compiled schema (newer than any botocore) requires other members, the SDK's list wins;
 * members only the SDK has are listed, since botocore's data gives no constraints for them.
 * Run it after upgrading the AWS CLI or the SDK (`pip download botocore` gives the newest data), and commit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type ServiceModel, type ServiceName, serviceModelFolders } from '../local/models/model';
import { sdkStructures } from '../local/models/sdk-schema';

const botocoreData = (): string => {
  const given = process.argv[2];
  if (given) return given;
  const folder = execFileSync(
    'python3',
    ['-c', 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))'],
    { encoding: 'utf8' },
  ).trim();
  return folder;
};

const readModel = (folder: string): unknown => {
  const plain = join(folder, 'service-2.json');
  try {
    return JSON.parse(readFileSync(plain, 'utf8'));
  } catch {
    return JSON.parse(gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8'));
  }
};

const dropped = new Set(['documentation', 'documentationUrl', 'examples', 'deprecatedMessage']);
const strip = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !dropped.has(key))
        .map(([key, item]) => [key, strip(item)]),
    );
  return value;
};

const data = botocoreData();
for (const [service, folder] of Object.entries(serviceModelFolders) as [ServiceName, string][]) {
  const model = strip(readModel(join(data, folder))) as ServiceModel;
  const sdk = sdkStructures(service);
  const onlyInSdk: string[] = [];
  for (const [name, shape] of Object.entries(model.shapes)) {
    const compiled = sdk.get(name);
    if (shape.type !== 'structure' || shape.exception || !compiled) continue;
    const required = compiled.required.filter((member) => shape.members?.[member]);
    if (required.length > 0) shape.required = required;
    else delete shape.required;
    for (const member of compiled.members) if (!shape.members?.[member]) onlyInSdk.push(`${name}.${member}`);
  }
  if (onlyInSdk.length > 0) console.log(`${service}: only in the SDK: ${onlyInSdk.join(', ')}`);
  const file = fileURLToPath(new URL(`../local/models/${service}.json`, import.meta.url));
  writeFileSync(file, `${JSON.stringify(model)}\n`);
  console.log(`wrote ${file} from ${join(data, folder)}`);
}

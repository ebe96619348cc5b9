/**
 * `npx tsx scripts/service-models.ts`: writes local/models/<service>.json, the AWS service models the local
 * ECS, ELB and CloudWatch endpoints validate against and the conformance test (test/conformance/) holds them
 * to. They come from botocore's data (the AWS CLI's, found through `python3 -c 'import botocore'`, or the
 * folder given as the first argument), with the documentation stripped: operations and shapes with every
 * constraint (required, enum, min, max, pattern) and the wire names (locationName, flattened).
 * Run it after upgrading the AWS CLI or the SDK, and commit the files.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type ServiceName, serviceModelFolders } from '../local/models/model';

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
  const model = strip(readModel(join(data, folder)));
  const file = fileURLToPath(new URL(`../local/models/${service}.json`, import.meta.url));
  writeFileSync(file, `${JSON.stringify(model)}\n`);
  console.log(`wrote ${file} from ${join(data, folder)}`);
}

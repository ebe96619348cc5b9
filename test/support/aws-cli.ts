import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestContext } from 'vitest';

const run = promisify(execFile);

/**
 * The AWS CLI against a local endpoint (`aws --endpoint-url <url> --output json <service> ...`), its JSON
 * answer parsed; undefined, with the test skipped, where the aws command is not installed.
 */
export const awsCli = async (context: TestContext, endpointUrl: string, service: string) => {
  const found = await run('aws', ['--version']).then(
    () => true,
    () => false,
  );
  if (!found) {
    context.skip('the aws command is not installed; skipping the AWS CLI conformance test');
    return undefined;
  }
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_PAGER: '',
  };
  return async (...args: string[]) => {
    const { stdout } = await run(
      'aws',
      ['--endpoint-url', endpointUrl, '--output', 'json', service, ...args],
      {
        env,
      },
    );
    return JSON.parse(stdout || '{}') as Record<string, any>;
  };
};

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { tugboat } from '../support/cli';
import { useTestStack } from '../support/stack';

const dir = mkdtempSync(join(tmpdir(), 'tugboat-jobs-cli-'));
const cli = (...args: string[]) => tugboat(local.stack.apiUrl, args);

const local = useTestStack({ timing: 'fast', ecs: { crashAfterMs: 200 } });

/** A job file: the task definition it runs (its family's latest revision at each run) and the job. */
const jobFile = (jobName: string, image: string, job: Record<string, unknown> = {}) => {
  const path = join(dir, `${jobName}.yaml`);
  writeFileSync(
    path,
    dump({
      taskDefinition: {
        family: jobName,
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image }],
      },
      job: {
        jobName,
        schedule: 'cron(30 2 * * ? *)',
        timezone: 'Europe/Paris',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        ...job,
      },
    }),
  );
  return path;
};

describe('scheduled jobs through the tugboat CLI (the real bin)', { timeout: 180_000 }, () => {
  it('applies a job file, and applying it again changes nothing', async () => {
    const file = jobFile('nightly', 'report:exit0');
    const first = await cli('apply', '-f', file);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('registered nightly:1');
    expect(first.stdout).toContain('created job nightly');
    const again = await cli('apply', '-f', file);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes: job nightly is up to date.');
    const changed = await cli(
      'apply',
      '-f',
      jobFile('nightly', 'report:exit0', { concurrencyPolicy: 'Forbid' }),
    );
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/concurrencyPolicy: Forbid/);
    expect(changed.stdout).toContain('updated job nightly (version 2)');
  });

  it('lists jobs with their next run, runs one now and exits with its exit code', async () => {
    expect((await cli('apply', '-f', jobFile('broken', 'report:exit3'))).code).toBe(0);
    const listed = await cli('jobs');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/nightly\s+cron\(30 2 \* \* \? \*\)\s+Europe\/Paris\s+nightly\s+Forbid/);

    const ok = await cli('job', 'run', 'nightly', '--wait', '--timeout', '60s');
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/run SUCCEEDED/);
    expect(ok.code).toBe(0);
    const failed = await cli('job', 'run', 'broken', '--wait', '--timeout', '60s');
    expect(failed.stdout).toMatch(/run FAILED \(exit code 3/);
    expect(failed.code).toBe(3);

    const shown = await cli('job', 'broken');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('the last 1 finished run failed');
    expect(shown.stdout).toMatch(/MANUAL\s+FAILED\s+3\s+[0-9a-f]{32}/);
  });

  it('suspends and resumes a job', async () => {
    const suspended = await cli('job', 'suspend', 'nightly');
    expect(suspended.code).toBe(0);
    expect(suspended.stdout).toContain('job nightly suspended');
    expect((await cli('jobs')).stdout).toMatch(/nightly.*suspended/);
    const resumed = await cli('job', 'resume', 'nightly');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/job nightly resumed; next run/);
    const missing = await cli('job', 'suspend', 'nope');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('Job nope not found in cluster default');
  });
});

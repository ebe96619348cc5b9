/**
 * The docs' shell walkthroughs run as written, against a local stack: each `sh` block below is taken out
 * of its page, its addresses pointed at this stack's ports and `npx tugboat` at the bin, and run with bash.
 * The CLI talks to this stack through TUGBOAT_ENDPOINT. Commands that follow forever (`--follow`, `watch`) run for a few seconds.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack';

const root = resolve(import.meta.dirname, '../..');
// Tasks that crash 300 ms after they start, as the walkthroughs' crashing images do on the local stack.
const local = useTestStack({
  timing: 'realistic',
  ecs: { crashAfterMs: 300 },
  visibilityTimeoutSeconds: 2,
  reconcileIntervalMs: 1000,
});

/** The `sh` blocks of a page's section (from its heading to the next heading outside a code block). */
const shellBlocks = (page: string, heading: string): string[] => {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`${page} has no heading "${heading}"`);
  const blocks: string[] = [];
  let block: string[] | undefined;
  let fenced = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('```')) {
      fenced = !fenced;
      if (fenced && line === '```sh') block = [];
      else if (!fenced && block) {
        blocks.push(block.join('\n'));
        block = undefined;
      }
    } else if (fenced) block?.push(line);
    else if (/^#{1,6} /.test(line)) break;
  }
  return blocks;
};

/** A block as it runs here: this stack's ports, the bin, and the endless commands cut short. */
const localised = (block: string) =>
  block
    .replaceAll('http://127.0.0.1:3000', local.stack.apiUrl)
    .replaceAll('http://127.0.0.1:4100', local.stack.ecsUrl)
    .replaceAll('http://127.0.0.1:4300', local.stack.cloudWatchUrl)
    .replaceAll('npx tugboat', `node ${join(root, 'bin/tugboat.mjs')}`)
    .split('\n')
    .map((line) => (/--follow|^watch /.test(line) ? `{ timeout 5 ${line}\n} || true` : line))
    .join('\n');

const bash = (script: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      'bash',
      ['-c', script],
      {
        cwd,
        timeout: 300_000,
        maxBuffer: 16 << 20,
        env: { ...process.env, NO_COLOR: '1', TUGBOAT_ENDPOINT: local.stack.apiUrl },
      },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });

describe('the docs walkthroughs run as written', { timeout: 600_000 }, () => {
  it('docs/cli.md: the walkthrough with the CLI', async () => {
    const [block] = shellBlocks('docs/cli.md', '## Walkthrough with the CLI');
    expect(block).toContain('npx tugboat apply -f demo.yaml');
    // As typed in a terminal (no `set -e`: step 4 exits 1 on purpose), so each step is checked by its output.
    const result = await bash(localised(String(block)), mkdtempSync(join(tmpdir(), 'docs-cli-')));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('created service demo');
    expect(result.stdout).toContain('No changes');
    expect(result.stdout).toMatch(/COMPLETED: demo:2 runs 3\/3/);
    expect(result.stdout).toMatch(/^demo \(default\) +ACTIVE/m);
    // Step 4: the crashing image fails and the CLI exits 1, as the comment says.
    expect(result.stdout).toContain('exit 1');
    expect(result.stderr).toMatch(/FAILED: ECS deployment circuit breaker/);
    expect(result.stderr).not.toMatch(/^error:/m);
  });

  it('docs/scheduled-jobs.md: the walkthrough with npm start', async () => {
    const [block] = shellBlocks('docs/scheduled-jobs.md', '## Walkthrough with npm start');
    expect(block).toContain('npx tugboat job run nightly-report --wait');
    const result = await bash(
      `set -e\n${localised(String(block))}`,
      mkdtempSync(join(tmpdir(), 'docs-jobs-')),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"jobName":"nightly-report"');
    expect(result.stdout).toMatch(/run SUCCEEDED/);
    expect(result.stdout).toMatch(/nightly-report\s+cron\(30 2 \* \* \? \*\)\s+Europe\/Paris/);
    expect(result.stdout).toContain('job nightly-report suspended');
    expect(result.stdout).toMatch(/job nightly-report resumed; next run/);
  });

  it('docs/local-cloudwatch.md: reading it with the AWS CLI names the local family', async () => {
    const [block] = shellBlocks('docs/local-cloudwatch.md', '## Reading it with the AWS CLI');
    // The walkthrough above ran the service demo, whose ECS family is the installation's own.
    expect(block).toContain('"Value":"tugboat-local-demo"');
    const result = await bash(`set -e\n${localised(String(block))}`, mkdtempSync(join(tmpdir(), 'docs-cw-')));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.slice(0, result.stdout.lastIndexOf('}') + 1))).toHaveProperty(
      'MetricDataResults',
    );
  });
});

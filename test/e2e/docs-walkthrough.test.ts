/**
 * The docs' shell blocks run as written, against one local stack: every `sh` block of the pages below is
 * taken out of its page (a block that cannot run here, such as `npm start` itself, carries
 * `<!-- docs-test: skip (why) -->` on the line before it), its addresses pointed at this stack's ports and
 * `npx tugboat` at the bin, and a page's blocks run in order in one bash (they share its variables).
 * A command that fails (its exit status, a pipeline's included, and curl on an HTTP error) fails the test,
 * but for those the docs show failing: a command whose documented answer (the `# ...` line after it) is an
 * `{"error": ...}`, and `cmd || echo "exit $?"`. Commands that follow forever (`--follow`, `watch`) run once
 * or for a few seconds.
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

const SKIP = /^<!-- docs-test: skip \(.+\) -->$/;

interface Block {
  /** page:line of its fence. */
  where: string;
  text: string;
  skipped: boolean;
}

/** Every `sh` block of a page, in order, each marked when the line before its fence says to skip it. */
const shellBlocks = (page: string): Block[] => {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  let block: Block | undefined;
  let fenced = false;
  for (const [index, line] of lines.entries()) {
    if (!line.startsWith('```')) {
      if (fenced && block) block.text += `${block.text === '' ? '' : '\n'}${line}`;
      continue;
    }
    fenced = !fenced;
    if (fenced && line === '```sh')
      block = { where: `${page}:${index + 1}`, text: '', skipped: SKIP.test(lines[index - 1] ?? '') };
    else if (!fenced && block) {
      blocks.push(block);
      block = undefined;
    }
  }
  return blocks;
};

/** A block as it runs here: this stack's ports, the bin, the endless commands cut short. */
const localised = (block: string) => {
  // One pass: replacing the ports one after the other would rewrite a free port that begins with a
  // later one (an API on 41003 became the ECS URL followed by "3", a port curl refused).
  const urls: Record<string, string> = {
    '3000': local.stack.apiUrl,
    '4100': local.stack.ecsUrl,
    '4200': local.stack.elbUrl,
    '4300': local.stack.cloudWatchUrl,
  };
  const lines = block
    .replace(/http:\/\/127\.0\.0\.1:(3000|4100|4200|4300)(?!\d)/g, (url, port: string) => urls[port] ?? url)
    .replaceAll('npx tugboat', `node ${join(root, 'bin/tugboat.mjs')}`)
    .split('\n');
  return lines
    .map((line, i) => {
      if (/--follow/.test(line)) return `{ timeout 5 ${line}\n} || true`;
      // `watch -n N "command"` shows the command's answer every N seconds: here, once.
      if (/^watch -n \d+ /.test(line)) return line.replace(/^watch -n \d+ /, 'eval ');
      // A request the docs show answering an error is expected to fail.
      if (/^# \{"error":/.test(lines[i + 1] ?? '')) return `${line} || true`;
      return line;
    })
    .join('\n');
};

/**
 * A page's runnable blocks as one bash script: pipefail, curl failing on an HTTP error, and an ERR trap
 * that names each failing command (not on `a || b`: what the docs show failing on purpose).
 */
const script = (blocks: Block[]) =>
  [
    'set -E -o pipefail',
    'curl() { command curl --fail-with-body "$@"; }',
    `trap 'echo "docs-test failed ($?) in $DOCS_BLOCK: $BASH_COMMAND" >&2' ERR`,
    ...blocks
      .filter((block) => !block.skipped)
      .flatMap((block) => [`DOCS_BLOCK='${block.where}'`, localised(block.text)]),
  ].join('\n');

const bash = (text: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      'bash',
      ['-c', text],
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

/** Runs a page's blocks; every command of every unmarked block must succeed. */
const runPage = async (page: string, expectedBlocks: number) => {
  const blocks = shellBlocks(page);
  expect(blocks.filter((block) => !block.skipped).length, `${page}: runnable sh blocks`).toBe(expectedBlocks);
  const result = await bash(script(blocks), mkdtempSync(join(tmpdir(), 'docs-')));
  const failures = result.stderr.split('\n').filter((line) => line.startsWith('docs-test failed'));
  expect(failures, result.stderr).toEqual([]);
  return result;
};

const PAGES = [
  'README.md',
  'docs/cli.md',
  'docs/local-cloudwatch.md',
  'docs/local-elb.md',
  'docs/local-elb-traffic.md',
  'docs/spot-fallback.md',
  'docs/auto-scaling.md',
  'docs/scheduled-jobs.md',
];

describe('the docs walkthroughs run as written', { timeout: 600_000 }, () => {
  it('skips only blocks marked with a reason, and the README’s walkthroughs use names of their own', () => {
    for (const page of PAGES)
      for (const line of readFileSync(join(root, page), 'utf8').split('\n'))
        if (line.includes('docs-test:')) expect(line, page).toMatch(SKIP);
    // The README's auto scaling walkthrough and the CLI walkthrough create services of their own.
    const created = (page: string) =>
      [
        ...shellBlocks(page)
          .map((b) => b.text)
          .join('\n')
          .matchAll(/"serviceName": "([^"]+)"|serviceName: (\S+)/g),
      ].map((match) => match[1] ?? match[2]);
    const readme = created('README.md');
    const cli = created('docs/cli.md');
    expect(readme).toEqual(['hello', 'busy', 'spotty']);
    expect(cli).toEqual(['demo']);
  });

  it('README.md: the five-minute walkthrough, auto scaling and Spot fallback', async () => {
    const result = await runPage('README.md', 8);
    expect(result.stdout).toContain('{"family":"hello","revision":1,"status":"ACTIVE"}');
    expect(result.stdout).toContain(
      '{"taskDefinition":"hello:2","status":"PRIMARY","rolloutState":"IN_PROGRESS"}',
    );
    expect(result.stdout).toMatch(/hello:3 FAILED: ECS deployment circuit breaker/);
    expect(result.stdout).toContain('{"desiredCount":5}');
    expect(result.stdout).toMatch(/\{"error":\{"code":"PreconditionFailed"/);
    expect(result.stdout).toContain('{"status":"DRAINING","desiredCount":0}');
    expect(result.stdout).toContain('"maxOnDemandPercent":100}');
  });

  it('docs/cli.md: the walkthrough with the CLI', async () => {
    const result = await runPage('docs/cli.md', 1);
    expect(result.stdout).toContain('created service demo');
    expect(result.stdout).toContain('No changes');
    expect(result.stdout).toMatch(/COMPLETED: demo:2 runs 3\/3/);
    expect(result.stdout).toMatch(/^demo \(default\) +ACTIVE/m);
    // Step 4: the crashing image fails and the CLI exits 1, as the comment says.
    expect(result.stdout).toContain('exit 1');
    expect(result.stderr).toMatch(/FAILED: ECS deployment circuit breaker/);
    expect(result.stderr).not.toMatch(/^error:/m);
  });

  it('docs/local-cloudwatch.md: alarms, load and reading it with the AWS CLI name the local family', async () => {
    // The CLI walkthrough above ran the service demo, whose ECS family is the installation's own.
    expect(shellBlocks('docs/local-cloudwatch.md').at(-1)?.text).toContain('"Value":"tugboat-local-demo"');
    const result = await runPage('docs/local-cloudwatch.md', 3);
    expect(result.stdout).toContain('"family":"tugboat-local-demo"');
    expect(result.stdout).toContain('MetricDataResults');
  });

  it('docs/local-elb.md: a target group with the AWS CLI', async () => {
    const result = await runPage('docs/local-elb.md', 2);
    expect(result.stdout).toContain('TargetHealthDescriptions');
    // The weighted rule as the second block sets it.
    expect(result.stdout).toMatch(/"Weight": 90[\s\S]*"Weight": 10/);
  });

  it('docs/local-elb-traffic.md: traffic on npm start’s production listener', async () => {
    const result = await runPage('docs/local-elb-traffic.md', 1);
    expect(result.stdout).toContain('"requestsPerSecond":100');
    expect(result.stdout).toMatch(/default-web\/[^"]*","weight":100/);
  });

  it('docs/spot-fallback.md: the walkthrough against npm start', async () => {
    const result = await runPage('docs/spot-fallback.md', 2);
    expect(result.stdout).toContain('"FARGATE_SPOT"');
  });

  it('docs/auto-scaling.md: its examples are JSON and text, no commands', () => {
    expect(shellBlocks('docs/auto-scaling.md')).toEqual([]);
  });

  it('docs/scheduled-jobs.md: the walkthrough with npm start', async () => {
    const result = await runPage('docs/scheduled-jobs.md', 1);
    expect(result.stdout).toContain('"jobName":"nightly-report"');
    expect(result.stdout).toMatch(/run SUCCEEDED/);
    expect(result.stdout).toMatch(/nightly-report\s+cron\(30 2 \* \* \? \*\)\s+Europe\/Paris/);
    expect(result.stdout).toContain('job nightly-report suspended');
    expect(result.stdout).toMatch(/job nightly-report resumed; next run/);
  });
});

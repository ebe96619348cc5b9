import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { tugboat } from '../support/cli';
import { useTestStack } from '../support/stack';

const dir = mkdtempSync(join(tmpdir(), 'tugboat-cli-'));

const serviceFile = (
  serviceName: string,
  image: string,
  deploymentConfiguration: Record<string, unknown>,
) => {
  const path = join(dir, `${serviceName}.yaml`);
  writeFileSync(
    path,
    dump({
      taskDefinition: {
        family: serviceName,
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 80 }] }],
      },
      service: {
        serviceName,
        desiredCount: 2,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        deploymentConfiguration,
      },
    }),
  );
  return path;
};

const cli = (...args: string[]) => tugboat(local.stack.apiUrl, args);
const ESC = String.fromCharCode(27);

process.env.TUGBOAT_BACKOFF_BASE_MS = '300';
const local = useTestStack({
  timing: 'realistic',
  ecs: { crashAfterMs: 300 },
  visibilityTimeoutSeconds: 2,
  reconcileIntervalMs: 1000,
});

// Each test spawns the bin several times; on a loaded 2-core machine that outgrows the default 30 s.
describe('the tugboat CLI against the local stack (the real bin, no TTY)', { timeout: 180_000 }, () => {
  it('applies a file, and applying it again changes nothing and says so', async () => {
    const file = serviceFile('web', 'nginx:1.27', {
      minReadySeconds: 1,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    const first = await cli('apply', '-f', file, '--wait', '--timeout', '60s');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('registered web:1');
    expect(first.stdout).toContain('created service web on web:1');
    expect(first.stdout).toMatch(/COMPLETED: web:1 runs 2\/2/);

    const second = await cli('apply', '-f', file);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('No changes: task definition web:1 and service web are up to date.');
    expect((await local.api.get('/task-definitions/web')).body.items).toHaveLength(1);
  });

  it('deploy --wait to a good image exits 0, printing one line per change and no colour codes', async () => {
    const result = await cli('deploy', 'web', '--image', 'nginx:1.28', '--wait', '--timeout', '60s');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(ESC);
    const progress = result.stdout
      .split('\n')
      .filter((line) => /^\d\d:\d\d:\d\d deployment \S+ PRIMARY +web:2 /.test(line));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(new Set(progress.map((line) => line.slice(9))).size).toBe(progress.length); // each line is a change
    expect(result.stdout).toMatch(/event service web deployment \S+ completed\./);
    expect(result.stdout).toMatch(/COMPLETED: web:2 runs 2\/2/);
  });

  it("deploy --wait to a crashing image exits 1 and prints the circuit breaker's reason", async () => {
    const result = await cli('deploy', 'web', '--image', 'nginx:crash', '--wait', '--timeout', '90s');
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(
      /FAILED: ECS deployment circuit breaker: \d+ tasks failed to launch or become healthy/,
    );
    expect(result.stderr).toContain('rolling back to web:2');
  });

  it('deploy --wait gives up with exit 2 at --timeout', async () => {
    const file = serviceFile('slow', 'nginx:1.27', { minReadySeconds: 60 });
    expect((await cli('apply', '-f', file)).code).toBe(0);
    const result = await cli('deploy', 'slow', '--image', 'nginx:1.28', '--wait', '--timeout', '2s');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/timed out after 2 s waiting for deployment/);
  });

  it('read commands take --output json', async () => {
    const all = JSON.parse((await cli('status', '--output', 'json')).stdout);
    expect(all.map((s: { serviceName: string }) => s.serviceName).sort()).toEqual(['slow', 'web']);
    const web = JSON.parse((await cli('status', 'web', '--output', 'json')).stdout);
    expect(web).toMatchObject({ serviceName: 'web', cluster: 'default' });
    expect(JSON.parse((await cli('tasks', 'web', '--output', 'json')).stdout).length).toBeGreaterThan(0);
    expect(JSON.parse((await cli('events', 'web', '--output', 'json')).stdout)[0]).toHaveProperty('message');
    expect(JSON.parse((await cli('plan', 'web', '--output', 'json')).stdout)).toHaveProperty('actions');
  });

  it('status prints the services as a table', async () => {
    const result = await cli('status');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^SERVICE +STATUS +DESIRED +RUNNING +PENDING +ROLLOUT +TASK DEFINITION +IMAGE/,
    );
    expect(result.stdout).toMatch(/\nweb +ACTIVE +2 /);
  });

  it('exits 3 with the API error message on an API error, and on a usage error', async () => {
    const missing = await cli('status', 'nope');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('404 Service nope not found in cluster default');
    const usage = await cli('deploy', 'web');
    expect(usage.code).toBe(3);
    expect(usage.stderr).toContain("required option '--image <image>' not specified");
    const bad = await cli('scale', 'web', '99999');
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/desiredCount/);
  });

  it("run --wait follows a one-off task and exits with its essential container's exit code", async () => {
    const register = await local.api.post('/task-definitions', {
      family: 'job',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'job', image: 'busybox:crash' }],
    });
    expect(register.status).toBe(201);
    const result = await cli('run', 'job', '--wait', '--timeout', '60s');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/task [0-9a-f]{32} STOPPED/);
    expect(result.stdout).toContain('job exited with code 1');
  });
});

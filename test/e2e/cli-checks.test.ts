/**
 * The CLI checks before it acts, against the local stack through the real bin: rollback stays in the
 * service's family (the API says 400 naming taskDefinition), `apply -f` is declarative, one-off tasks
 * (`run --service`, `exit<N>` images, `stop`), and `status` shows target groups with their targets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { registerTaskDefinition } from '../support/api';
import { tugboat } from '../support/cli';
import { createIpTargetGroup } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

// Tasks that crash 300 ms after they start, for the exit<N> images and the rollback refused.
const local = useTestStack({
  timing: 'realistic',
  ecs: { crashAfterMs: 300 },
  visibilityTimeoutSeconds: 2,
  reconcileIntervalMs: 1000,
});
const dir = mkdtempSync(join(tmpdir(), 'tugboat-cli-checks-'));
const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };

const file = (name: string, service: Record<string, unknown>, image = 'nginx:1.27') => {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    dump({
      taskDefinition: {
        family: String(service.serviceName),
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }] }],
      },
      service: { networkConfiguration: network, ...service },
    }),
  );
  return path;
};

const cli = (...args: string[]) => tugboat(local.stack.apiUrl, args);

describe('the CLI checks before it acts', { timeout: 240_000 }, () => {
  it('rollback to another family: the CLI exits 3 and the API answers 400 naming taskDefinition', async () => {
    expect((await cli('apply', '-f', file('web', { serviceName: 'web', desiredCount: 1 }))).code).toBe(0);
    expect((await cli('apply', '-f', file('hello', { serviceName: 'hello', desiredCount: 1 }))).code).toBe(0);
    const refused = await cli('rollback', 'web', '--to', 'hello:1');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/own family web/);
    const response = await local.api.post('/clusters/default/services/web/rollback', {
      taskDefinition: 'hello:1',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/^taskDefinition: /);
    const service = (await local.api.get('/clusters/default/services/web')).body;
    expect(service.taskDefinition).toBe('web:1');
    expect(service.deployments).toHaveLength(1);
  });

  it('apply -f is declarative: a field the file no longer has is reset, and the diff shows it', async () => {
    const autoScaling = { minCapacity: 1, maxCapacity: 3 };
    const scaled = file('scaled', {
      serviceName: 'scaled',
      desiredCount: 2,
      autoScaling,
      autoDeploy: { tagPattern: 'v*' },
    });
    expect((await cli('apply', '-f', scaled)).code).toBe(0);
    expect((await local.api.get('/clusters/default/services/scaled')).body.autoScaling).toMatchObject(
      autoScaling,
    );

    // While auto scaling is on, the file's desiredCount is ignored, with a note.
    const other = file('scaled', {
      serviceName: 'scaled',
      desiredCount: 3,
      autoScaling,
      autoDeploy: { tagPattern: 'v*' },
    });
    const ignored = await cli('apply', '-f', other);
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(ignored.stdout).toContain('No changes');
    expect(ignored.stdout).toMatch(/desiredCount 3 in the file is ignored while auto scaling is on/);
    expect((await local.api.get('/clusters/default/services/scaled')).body.desiredCount).toBe(2);

    const plain = file('scaled', { serviceName: 'scaled', desiredCount: 2 });
    const dry = await cli('apply', '-f', plain, '--dry-run');
    expect(dry.stdout).toMatch(/^- autoScaling:/m);
    expect(dry.stdout).toMatch(/^- autoDeploy:/m);
    expect(dry.stdout).toMatch(/^\+ autoScaling: null/m);
    const reset = await cli('apply', '-f', plain);
    expect(reset.code, reset.stderr).toBe(0);
    const after = (await local.api.get('/clusters/default/services/scaled')).body;
    expect(after.autoScaling).toBeUndefined();
    expect(after.autoDeploy).toBeUndefined();
    expect((await cli('apply', '-f', plain)).stdout).toContain('No changes');
  });

  it('apply -f resets omitted sub-fields and load balancers to their defaults, shown in the diff first', async () => {
    const targetGroupArn = await createIpTargetGroup(local.elb, { Name: 'declared-tg' }, 1);
    const full = file('declared', {
      serviceName: 'declared',
      desiredCount: 1,
      loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
      deploymentConfiguration: {
        minReadySeconds: 0,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 3,
        targetTracking: [
          {
            name: 'cpu',
            metric: { predefined: 'CPUUtilization' },
            targetValue: 50,
            scaleInCooldownSeconds: 600,
          },
        ],
      },
    });
    const created = await cli('apply', '-f', full);
    expect(created.code, created.stderr).toBe(0);
    expect((await cli('apply', '-f', full)).stdout).toContain('No changes');

    // The same service, the load balancer, the rollout settings and the policy's cooldown left out.
    const trimmed = file('declared', {
      serviceName: 'declared',
      desiredCount: 1,
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 3,
        targetTracking: [{ name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 50 }],
      },
    });
    const dry = await cli('apply', '-f', trimmed, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^- loadBalancers:$/m);
    expect(dry.stdout).toMatch(/^\+ loadBalancers: \[\]$/m);
    expect(dry.stdout).toMatch(/^-\s+minReadySeconds: 0$/m);
    expect(dry.stdout).toMatch(/^\+\s+minReadySeconds: 40$/m);
    expect(dry.stdout).toMatch(/^-\s+scaleInCooldownSeconds: 600$/m);
    expect(dry.stdout).toMatch(/^\+\s+scaleInCooldownSeconds: 300$/m);
    expect(dry.stdout).toMatch(/^-\s+enable: true$/m);
    expect(dry.stdout).toContain('dry run: nothing changed');
    expect((await local.api.get('/clusters/default/services/declared')).body.loadBalancers).toHaveLength(1);

    const applied = await cli('apply', '-f', trimmed);
    expect(applied.code, applied.stderr).toBe(0);
    const after = (await local.api.get('/clusters/default/services/declared')).body;
    expect(after.loadBalancers).toBeUndefined();
    expect(after.deploymentConfiguration).toMatchObject({
      minReadySeconds: 40,
      deploymentCircuitBreaker: { enable: false, rollback: false },
    });
    expect(after.autoScaling.targetTracking[0].scaleInCooldownSeconds).toBe(300);
    expect((await cli('apply', '-f', trimmed)).stdout).toContain('No changes');
  });

  it("run --service runs the service's current revision; an exit<N> image exits N", async () => {
    // web:2 is registered (the family's latest ACTIVE revision) but the service still runs web:1.
    expect(await registerTaskDefinition(local.api, 'web', 'busybox:exit3')).toBe('web:2');
    const byService = await cli('run', '--service', 'web');
    expect(byService.code, byService.stderr).toBe(0);
    expect(byService.stdout.split('\n')[0]).toBe('running web:1 (the current revision of service web)');

    const byFamily = await cli('run', 'web', '--wait', '--timeout', '60s');
    expect(byFamily.stdout.split('\n')[0]).toMatch(/^running web:2 \(the latest ACTIVE revision of web/);
    expect(byFamily.code, byFamily.stderr).toBe(3);
    expect(byFamily.stdout).toContain('app exited with code 3');
  });

  it('stop <taskId> stops a task', async () => {
    const started = await cli('run', '--service', 'web');
    const taskId = /task ([0-9a-f]{32})/.exec(started.stdout)?.[1];
    expect(taskId).toBeDefined();
    const stopped = await cli('stop', String(taskId));
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain(`task ${taskId}`);
    expect(stopped.stdout).toMatch(/desired STOPPED/);
    expect((await cli('stop', 'f'.repeat(32))).code).toBe(3);
  });

  it('status shows each target group with its targets and their health', async () => {
    const targetGroupArn = await createIpTargetGroup(local.elb, { Name: 'front-tg' }, 1);
    const created = await cli(
      'apply',
      '-f',
      file('front', {
        serviceName: 'front',
        desiredCount: 2,
        loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
        deploymentConfiguration: { minReadySeconds: 0 },
      }),
      '--wait',
      '--timeout',
      '90s',
    );
    expect(created.code, created.stderr).toBe(0);
    const status = await eventually(
      'two healthy targets in status',
      async () => {
        const result = await cli('status', 'front');
        return (result.stdout.match(/ healthy +task [0-9a-f]{32}/g) ?? []).length === 2 ? result : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(status.stdout).toContain('target group front-tg');
    expect(status.stdout).not.toContain('none (this service');
    const web = await cli('status', 'web');
    expect(web.stdout).toContain('none (this service is not registered with a target group)');
  });
});

import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { expect, it } from 'vitest';
import { registerTaskDefinition } from '../support/api';
import { image, isLive, runningOf, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'realistic' });

const register = (containerImage: string) => registerTaskDefinition(local.api, 'floor', containerImage);

interface Sample {
  atMs: number;
  /** From ECS: RUNNING and not being stopped. */
  running: number;
  /** RUNNING + PENDING, from ECS. */
  live: number;
  /** The service's runningCount, as the API reports it. */
  apiRunning: number;
}

// The healthy floor during a rolling deploy, as reproduced against `npm start`: a deploy while a replacement task is RUNNING
// but inside minReadySeconds used to stop two of the three old tasks at once.
it('a deploy while a replaced task is not yet ready keeps 3 RUNNING at every 400 ms sample', async () => {
  const first = await register('nginx:1');
  const created = await local.api.post('/clusters/default/services', {
    serviceName: 'floor',
    taskDefinition: first,
    desiredCount: 3,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, minReadySeconds: 3 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await local.stack.runScheduler();
  const tasks = await runningOf(local.ecs, 'floor', 'nginx:1', 3);
  await eventually('the first deployment COMPLETED', async () => {
    const { body } = await local.api.get('/clusters/default/services/floor');
    return body.deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
  });

  await local.ecs.send(
    new StopTaskCommand({ cluster: 'default', task: tasks[0]!.taskArn, reason: 'by hand' }),
  );
  const replacement = await eventually(
    'the replacement RUNNING',
    async () => {
      const [ecsTasks, { body }] = await Promise.all([
        serviceTasks(local.ecs, 'floor'),
        local.api.get('/clusters/default/services/floor'),
      ]);
      const live = ecsTasks.filter(isLive);
      const fresh = live.find((t) => !tasks.some((old) => old.taskArn === t.taskArn));
      // Seen by ECS and by Tugboat's last pass alike, so every sample below starts from 3.
      const seen =
        live.length === 3 && live.every((t) => t.lastStatus === 'RUNNING') && body.runningCount === 3;
      return seen ? fresh : undefined;
    },
    { intervalMs: 50 },
  );
  const second = await register('nginx:2');
  const patched = await local.api.patch('/clusters/default/services/floor', { taskDefinition: second });
  expect(patched.status).toBe(200);
  // The scenario needs the replacement still inside minReadySeconds when the deploy starts.
  expect(Date.now() - (replacement?.startedAt?.getTime() ?? 0)).toBeLessThan(3_000);

  const samples: Sample[] = [];
  const started = Date.now();
  // A sample every 400 ms on a fixed cadence, whatever one sample takes, until the rollout is done.
  for (let tick = 1; ; tick++) {
    const [ecsTasks, { body }] = await Promise.all([
      serviceTasks(local.ecs, 'floor'),
      local.api.get('/clusters/default/services/floor'),
    ]);
    const live = ecsTasks.filter(isLive);
    samples.push({
      atMs: Date.now() - started,
      running: live.filter((t) => t.lastStatus === 'RUNNING').length,
      live: live.length,
      apiRunning: body.runningCount,
    });
    const done =
      live.length === 3 &&
      live.every((t) => t.lastStatus === 'RUNNING' && image(t) === 'nginx:2') &&
      body.deployments[0].rolloutState === 'COMPLETED';
    if (done) break;
    if (Date.now() - started > 40_000) throw new Error(`no rollout in 40 s: ${JSON.stringify(samples)}`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + tick * 400 - Date.now())));
  }
  const trace = JSON.stringify(samples);
  expect(samples.length, trace).toBeGreaterThan(5);
  for (const sample of samples) {
    expect(sample.running, trace).toBeGreaterThanOrEqual(3);
    expect(sample.apiRunning, trace).toBeGreaterThanOrEqual(3);
    expect(sample.live, trace).toBeLessThanOrEqual(6);
  }
}, 60_000);

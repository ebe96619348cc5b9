/**
 * The Spot fallback end to end, through the HTTP API and the local ECS endpoint's switches: a service of 4 tasks on
 * FARGATE_SPOT with spotFallback loses Spot capacity and all its tasks; within fallbackAfterSeconds + 30 s
 * it runs 4 on FARGATE; once Spot is back it returns to FARGATE_SPOT after returnAfterSeconds, never
 * with fewer than 4 RUNNING at any sample. A deploy during the outage completes on FARGATE, and
 * PATCH spotFallback.enabled false moves the FARGATE tasks back at once.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { expect, it } from 'vitest';
import { webTaskDefinition } from '../support/api';
import { isLive, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'realistic' });

const FALLBACK_AFTER_SECONDS = 5;
const RETURN_AFTER_SECONDS = 20;

const endpointControl = async (path: string, body: unknown) => {
  const response = await fetch(`${local.stack.ecsUrl}/__local/${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Record<string, any>;
};

const running = (tasks: Task[]) => tasks.filter((t) => isLive(t) && t.lastStatus === 'RUNNING');
const onProvider = (tasks: Task[], provider: string) =>
  tasks.filter((t) => t.capacityProviderName === provider);

it('4 Spot tasks: capacity lost and all interrupted -> 4 RUNNING on FARGATE; capacity back -> 4 on FARGATE_SPOT, never fewer than 4 RUNNING', async () => {
  expect((await local.api.post('/task-definitions', webTaskDefinition('spotty'))).status).toBe(201);
  const created = await local.api.post('/clusters/default/services', {
    serviceName: 'spotty',
    taskDefinition: 'spotty',
    desiredCount: 4,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    spotFallback: {
      enabled: true,
      fallbackAfterSeconds: FALLBACK_AFTER_SECONDS,
      returnAfterSeconds: RETURN_AFTER_SECONDS,
    },
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, minReadySeconds: 1 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.spotFallback).toEqual({
    enabled: true,
    fallbackAfterSeconds: FALLBACK_AFTER_SECONDS,
    returnAfterSeconds: RETURN_AFTER_SECONDS,
    maxOnDemandPercent: 100,
  });
  await local.stack.runScheduler();
  const spotTasks = await eventually('4 RUNNING on FARGATE_SPOT', async () => {
    const live = (await serviceTasks(local.ecs, 'spotty')).filter(isLive);
    return running(live).length === 4 && onProvider(live, 'FARGATE_SPOT').length === 4 ? live : undefined;
  });

  // Spot capacity goes, and every Spot task with it.
  await endpointControl('spot-capacity', { available: false });
  const lostAt = Date.now();
  const interrupted = await endpointControl('spot-interruption', {
    cluster: 'default',
    tasks: spotTasks.map((t) => t.taskArn),
  });
  expect(interrupted.interrupted).toHaveLength(4);
  await eventually(
    '4 RUNNING on FARGATE',
    async () => {
      const live = (await serviceTasks(local.ecs, 'spotty')).filter(isLive);
      return running(live).length === 4 && onProvider(live, 'FARGATE').length === 4 ? true : undefined;
    },
    { timeoutMs: (FALLBACK_AFTER_SECONDS + 30) * 1000 },
  );
  expect(Date.now() - lostAt).toBeLessThan((FALLBACK_AFTER_SECONDS + 30) * 1000);
  const fallen = await eventually('GET service shows the fallback and 4 tasks on FARGATE', async () => {
    const { body } = await local.api.get('/clusters/default/services/spotty');
    const primary = body.deployments[0];
    return primary.spotFallback?.active && primary.tasksByCapacityProvider?.FARGATE === 4 ? body : undefined;
  });
  const status = fallen.deployments[0].spotFallback;
  expect(Object.keys(status).sort()).toEqual(['active', 'reason', 'since']);
  expect(status.reason).toMatch(/FARGATE_SPOT failed/);
  expect(fallen.deployments[0].tasksByCapacityProvider).toEqual({ FARGATE: 4, FARGATE_SPOT: 0 });
  const messages = (fallen.events as { message: string }[]).map((e) => e.message).join('\n');
  expect(messages).toMatch(/launching its missing FARGATE_SPOT tasks on FARGATE/);
  expect(messages).toMatch(/Capacity is unavailable at this time/);
  // Capacity refusals on Spot are no failed launches.
  expect(fallen.deployments[0].failedTasks).toBe(0);

  // Spot is back: after returnAfterSeconds the service moves back, sampled all along.
  await endpointControl('spot-capacity', { available: true });
  const backAt = Date.now();
  const samples: { atMs: number; running: number; spot: number; onDemand: number }[] = [];
  for (let tick = 1; ; tick++) {
    const live = (await serviceTasks(local.ecs, 'spotty')).filter(isLive);
    const up = running(live);
    samples.push({
      atMs: Date.now() - backAt,
      running: up.length,
      spot: onProvider(up, 'FARGATE_SPOT').length,
      onDemand: onProvider(up, 'FARGATE').length,
    });
    if (live.length === 4 && onProvider(up, 'FARGATE_SPOT').length === 4) break;
    if (Date.now() - backAt > (RETURN_AFTER_SECONDS + 40) * 1000) {
      throw new Error(`not back on Spot: ${JSON.stringify(samples)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, backAt + tick * 300 - Date.now())));
  }
  const trace = JSON.stringify(samples);
  for (const sample of samples) expect(sample.running, trace).toBeGreaterThanOrEqual(4);
  // Not before returnAfterSeconds (counted from the last Spot failure, before capacity came back).
  expect(samples.find((s) => s.spot > 0)?.atMs ?? 0, trace).toBeGreaterThan(
    (RETURN_AFTER_SECONDS - 8) * 1000,
  );

  const back = await eventually('GET service shows the service back on Spot', async () => {
    const { body } = await local.api.get('/clusters/default/services/spotty');
    const primary = body.deployments[0];
    const said = (body.events as { message: string }[]).some((e) =>
      /is back on FARGATE_SPOT/.test(e.message),
    );
    return primary.spotFallback?.active === false &&
      primary.tasksByCapacityProvider?.FARGATE_SPOT === 4 &&
      said
      ? body
      : undefined;
  });
  expect(back.deployments[0].spotFallback.reason).toMatch(/back on FARGATE_SPOT/);
  expect(back.deployments[0].tasksByCapacityProvider).toEqual({ FARGATE: 0, FARGATE_SPOT: 4 });
  const backMessages = (back.events as { message: string }[]).map((e) => e.message).join('\n');
  // No Spot launch since the last refusal: the return began with a probe, and said so.
  expect(backMessages).toMatch(/is trying FARGATE_SPOT again with one task \(a probe\)/);
  expect(backMessages).not.toMatch(/no Spot failure for/);
}, 120_000);

it('on its fallback, Spot still out: a deploy completes on FARGATE; then PATCH enabled false moves it back to FARGATE_SPOT', async () => {
  const path = '/clusters/default/services/switched';
  expect((await local.api.post('/task-definitions', webTaskDefinition('switched'))).status).toBe(201);
  const created = await local.api.post('/clusters/default/services', {
    serviceName: 'switched',
    taskDefinition: 'switched',
    desiredCount: 2,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    // The return is far off: only the PATCH below brings the tasks back.
    spotFallback: { enabled: true, fallbackAfterSeconds: FALLBACK_AFTER_SECONDS, returnAfterSeconds: 3600 },
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, minReadySeconds: 1 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await local.stack.runScheduler();
  const liveOf = async () => (await serviceTasks(local.ecs, 'switched')).filter(isLive);
  const spotTasks = await eventually('2 RUNNING on FARGATE_SPOT', async () => {
    const live = await liveOf();
    return running(live).length === 2 && onProvider(live, 'FARGATE_SPOT').length === 2 ? live : undefined;
  });
  await endpointControl('spot-capacity', { available: false });
  await endpointControl('spot-interruption', { cluster: 'default', tasks: spotTasks.map((t) => t.taskArn) });
  await eventually(
    '2 RUNNING on FARGATE',
    async () => {
      const live = await liveOf();
      return running(live).length === 2 && onProvider(live, 'FARGATE').length === 2 ? true : undefined;
    },
    { timeoutMs: (FALLBACK_AFTER_SECONDS + 30) * 1000 },
  );

  // A new revision while Spot is still out: its tasks take the fallback allowance too.
  const revision = await local.api.post('/task-definitions', webTaskDefinition('switched', 'nginx:1.28'));
  expect(revision.status).toBe(201);
  const deploy = await local.api.patch(path, { taskDefinition: 'switched:2' });
  expect(deploy.status, JSON.stringify(deploy.body)).toBe(200);
  const deployed = await eventually(
    'the deploy COMPLETED on FARGATE',
    async () => {
      const { body } = await local.api.get(path);
      const primary = body.deployments[0];
      return primary.taskDefinition === 'switched:2' && primary.rolloutState !== 'IN_PROGRESS'
        ? body
        : undefined;
    },
    { timeoutMs: 30_000 },
  );
  expect(deployed.deployments[0]).toMatchObject({ rolloutState: 'COMPLETED', failedTasks: 0 });
  expect(deployed.deployments[0].tasksByCapacityProvider).toEqual({ FARGATE: 2, FARGATE_SPOT: 0 });
  expect(deployed.deployments[0].spotFallback.active).toBe(true);

  // Spot is back, and the fallback is turned off: back to FARGATE_SPOT now, not in an hour.
  await endpointControl('spot-capacity', { available: true });
  expect((await local.api.patch(path, { spotFallback: { enabled: false } })).status).toBe(200);
  const samples: number[] = [];
  const back = await eventually(
    '2 on FARGATE_SPOT, the fallback off',
    async () => {
      const live = await liveOf();
      samples.push(running(live).length);
      const { body } = await local.api.get(path);
      // The event comes from the pass after the one that sees the tasks back: wait for it too.
      const announced = (body.events as { message: string }[]).some((e) =>
        /is back on FARGATE_SPOT/.test(e.message),
      );
      return body.deployments[0].spotFallback?.active === false &&
        live.length === 2 &&
        onProvider(running(live), 'FARGATE_SPOT').length === 2 &&
        announced
        ? body
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  expect(Math.min(...samples), JSON.stringify(samples)).toBeGreaterThanOrEqual(2);
  const messages = (back.events as { message: string }[]).map((e) => e.message).join('\n');
  expect(messages).toMatch(/no longer falls back to FARGATE: spotFallback is disabled/);
  expect(messages).toMatch(/is back on FARGATE_SPOT/);
}, 120_000);

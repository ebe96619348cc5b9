/**
 * The crash-loop back-off: crash loops through the whole stack, on a schedule, with ECS taking its time to
 * stop a task (2 s from the container's exit to STOPPED) — the timing under which a task that crashed
 * 1 s after RUNNING used to look as if it had been up for minReadySeconds (2 s), so the breaker never
 * counted it, and a task that had passed minReadySeconds 0 died without any back-off.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { afterAll, describe, expect, it } from 'vitest';
import { registerTaskDefinition } from '../support/api';
import { image, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const BACKOFF_BASE_MS = 1000;

process.env.TUGBOAT_BACKOFF_BASE_MS = String(BACKOFF_BASE_MS);
// Slow on purpose: a crash loop's starts, crashes and stops are watched one by one.
const local = useTestStack({
  ecs: { startMs: 800, stopMs: 2000, crashAfterMs: 1000, throttle: 'off' },
  reconcileIntervalMs: 2000,
  visibilityTimeoutSeconds: 2,
});
afterAll(() => {
  delete process.env.TUGBOAT_BACKOFF_BASE_MS;
});

const register = (family: string, containerImage: string) =>
  registerTaskDefinition(local.api, family, containerImage);

const createService = async (name: string, taskDefinition: string, desiredCount: number, config: object) => {
  const response = await local.api.post('/clusters/default/services', {
    serviceName: name,
    taskDefinition,
    desiredCount,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: config,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
};

const getService = async (name: string) => (await local.api.get(`/clusters/default/services/${name}`)).body;

const completed = (name: string) =>
  eventually(
    `${name} COMPLETED`,
    async () => ((await getService(name)).deployments[0].rolloutState === 'COMPLETED' ? true : undefined),
    { timeoutMs: 30_000 },
  );

const crashLaunches = async (name: string): Promise<Task[]> =>
  (await serviceTasks(local.ecs, name)).filter((task) => image(task) === 'web:crash');

describe('a crash-looping deployment (local ECS stops a task in 2 s)', () => {
  it('with minReadySeconds 2 and a crash 1 s after RUNNING, trips the breaker at its threshold and rolls back', async () => {
    const good = await register('loop2', 'web:good');
    await createService('loop2', good, 2, {
      minReadySeconds: 2,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    await completed('loop2');
    const deployed = await local.api.post('/clusters/default/services/loop2/deployments', {
      image: 'web:crash',
    });
    expect(deployed.status, JSON.stringify(deployed.body)).toBeLessThan(300);
    const service = await eventually(
      'the crash deployment FAILED and rolled back',
      async () => {
        const body = await getService('loop2');
        const failed = body.deployments.find((d: { rolloutState: string }) => d.rolloutState === 'FAILED');
        return failed && body.deployments[0].taskDefinition === good ? { body, failed } : undefined;
      },
      { timeoutMs: 40_000 },
    );
    // Two tasks die together, so the count goes 2, 4: the first pass at or past the threshold trips it.
    expect(service.failed.failedTasks).toBeGreaterThanOrEqual(3);
    expect(service.failed.failedTasks).toBeLessThanOrEqual(4);
    expect(service.failed.rolloutStateReason).toMatch(/circuit breaker: [34] tasks failed .*\(threshold 3\)/);
    // The threshold (3) and the tasks already in flight when it tripped: never a launch per pass for ever.
    expect((await crashLaunches('loop2')).length).toBeLessThanOrEqual(4);
    await completed('loop2');
  }, 90_000);

  it('with minReadySeconds 0 and no breaker, relaunches its dying tasks no faster than the back-off', async () => {
    const good = await register('loop0', 'web:good');
    await createService('loop0', good, 3, {
      minReadySeconds: 0,
      deploymentCircuitBreaker: { enable: false, rollback: false },
    });
    await completed('loop0');
    const crash = await register('loop0', 'web:crash');
    const patched = await local.api.patch('/clusters/default/services/loop0', { taskDefinition: crash });
    expect(patched.status).toBe(200);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const launches = await crashLaunches('loop0');
    const elapsedS = (Date.now() - started) / 1000;
    // 3 at the deploy; then rounds of at most 3 after 1, 2, 4, 8 s of back-off (base 1 s) and 3 s of
    // start and crash each: at most 5 rounds in 20 s. Without back-off it was a round per 2 s pass.
    expect(launches.length, `${launches.length} launches in ${elapsedS} s`).toBeLessThanOrEqual(15);
    const { events } = await getService('loop0');
    expect(
      events.some((event: { message: string }) =>
        /is backing off after \d+ tasks in a row stopped on their own/.test(event.message),
      ),
    ).toBe(true);
  }, 60_000);
});

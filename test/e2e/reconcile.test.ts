import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { postService, registerTaskDefinition } from '../support/api';
import { image, isLive, runningOf, serviceTasks } from '../support/ecs';
import { expectEmptyDeadLetterQueues } from '../support/queues';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

process.env.TUGBOAT_BACKOFF_BASE_MS = '300';
const local = useTestStack({ timing: 'realistic', ecs: { crashAfterMs: 300 }, visibilityTimeoutSeconds: 2 });

const HEALTH_CHECK = { healthCheck: { command: ['CMD-SHELL', 'true'], interval: 5, startPeriod: 1 } };
const register = (family: string, containerImage: string, healthCheck = false) =>
  registerTaskDefinition(local.api, family, containerImage, healthCheck ? HEALTH_CHECK : {});

const createService = (
  serviceName: string,
  taskDefinition: string,
  desiredCount: number,
  extra: object = {},
) =>
  postService(local.api, serviceName, taskDefinition, desiredCount, {
    tags: [{ key: 'team', value: 'payments' }],
    ...extra,
  });

const getService = async (serviceName: string) =>
  (await local.api.get(`/clusters/default/services/${serviceName}`)).body;

/** The schedule is off in these tests: everything below happens through task events and wake-ups. */
describe('reconciliation end to end (DynamoDB Local, fauxqs, local ECS)', () => {
  it('brings a new service to 3 RUNNING tasks tagged and grouped for the service', async () => {
    const taskDefinition = await register('hello', 'nginx:1.27');
    await createService('hello', taskDefinition, 3);
    await local.stack.runScheduler();
    const tasks = await runningOf(local.ecs, 'hello', 'nginx:1.27', 3);
    for (const task of tasks) {
      expect(task.group).toBe('service:hello');
      expect(task.startedBy).toMatch(/^tugboat-local_[0-9a-f]{12}-/);
      expect(task.launchType).toBe('FARGATE');
    }
    await eventually('steady state, and its event', async () => {
      const body = await getService('hello');
      const steady = body.runningCount === 3 && body.deployments[0].rolloutState === 'COMPLETED';
      const messages = body.events.map((event: { message: string }) => event.message);
      return steady && messages.includes('service hello has reached a steady state.') ? true : undefined;
    });
  });

  it('replaces a stopped task from its event, without waiting for the schedule', async () => {
    const before = await runningOf(local.ecs, 'hello', 'nginx:1.27', 3);
    const victim = before[0]!.taskArn!;
    await local.ecs.send(new StopTaskCommand({ cluster: 'default', task: victim, reason: 'chaos' }));
    const after = await runningOf(local.ecs, 'hello', 'nginx:1.27', 3, 10_000);
    expect(after.map((task) => task.taskArn)).not.toContain(victim);
  });

  it('rolls a deployment forward within maximumPercent and minimumHealthyPercent at every sample', async () => {
    const first = await register('roll', 'nginx:1');
    await createService('roll', first, 4, {
      // minReadySeconds 1 holds each batch a second, so the sampling below sees the rollout midway even
      // when a busy machine makes each sample slow.
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150, minReadySeconds: 1 },
    });
    await local.stack.runScheduler();
    await runningOf(local.ecs, 'roll', 'nginx:1', 4);
    const steadyEvents = async () =>
      (await getService('roll')).events
        .map((event: { message: string }) => event.message)
        .filter((message: string) => message === 'service roll has reached a steady state.').length;
    await eventually('the first steady state', async () => ((await steadyEvents()) === 1 ? true : undefined));
    const second = await register('roll', 'nginx:2');
    expect(
      (await local.api.patch('/clusters/default/services/roll', { taskDefinition: second })).status,
    ).toBe(200);
    const cap = Math.floor((4 * 150) / 100);
    const floor = Math.ceil((4 * 50) / 100);
    let midway = 0;
    await eventually(
      'the rollout to nginx:2',
      async () => {
        const live = (await serviceTasks(local.ecs, 'roll')).filter(isLive);
        const running = live.filter((task) => task.lastStatus === 'RUNNING');
        if (new Set(live.map(image)).size > 1) midway++;
        expect(live.length, 'RUNNING + PENDING tasks').toBeLessThanOrEqual(cap);
        expect(running.length, 'healthy tasks').toBeGreaterThanOrEqual(floor);
        const done =
          live.length === 4 && running.length === 4 && live.every((task) => image(task) === 'nginx:2');
        return done ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // The bounds were checked while both revisions ran, not only before and after.
    expect(midway).toBeGreaterThan(0);
    const service = await eventually('rollout COMPLETED', async () => {
      const body = await getService('roll');
      return body.deployments[0].rolloutState === 'COMPLETED' ? body : undefined;
    });
    expect(service.deployments[0].taskDefinition).toBe(second);
    // The second steady state is recorded too, not taken for a repeat of the first one's event.
    await eventually('the steady-state event of the new deployment', async () =>
      (await steadyEvents()) === 2 ? true : undefined,
    );
  }, 60_000);

  it('fails a crashing deployment by its circuit breaker and rolls back to the old revision', async () => {
    const good = await register('crashy', 'nginx:good');
    // A task must stay RUNNING 2 s to count as healthy; a :crash task exits 0.3 s after it starts.
    await createService('crashy', good, 3, {
      deploymentConfiguration: {
        minReadySeconds: 2,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
    await local.stack.runScheduler();
    await runningOf(local.ecs, 'crashy', 'nginx:good', 3);
    await eventually('first deployment COMPLETED', async () =>
      (await getService('crashy')).deployments[0].rolloutState === 'COMPLETED' ? true : undefined,
    );
    const bad = await register('crashy', 'nginx:crash');
    await local.api.patch('/clusters/default/services/crashy', { taskDefinition: bad });
    const service = await eventually(
      'rollback',
      async () => {
        const body = await getService('crashy');
        const failed = body.deployments.find(
          (deployment: { taskDefinition: string }) => deployment.taskDefinition === bad,
        );
        return failed?.rolloutState === 'FAILED' && body.taskDefinition === good ? body : undefined;
      },
      { timeoutMs: 45_000 },
    );
    expect(service.deployments[0]).toMatchObject({ status: 'PRIMARY', taskDefinition: good });
    // Events are written just after the state they describe.
    await eventually('the rollback event', async () => {
      const { events } = await getService('crashy');
      return events.some((event: { message: string }) =>
        /rolling back to task definition/.test(event.message),
      )
        ? true
        : undefined;
    });
    await runningOf(local.ecs, 'crashy', 'nginx:good', 3, 45_000);
  }, 90_000);

  it('replaces UNHEALTHY tasks and never completes an :unhealthy deployment', async () => {
    const healthy = await register('sickly', 'nginx:ok', true);
    await createService('sickly', healthy, 2, {
      deploymentConfiguration: {
        minReadySeconds: 0,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
    await local.stack.runScheduler();
    await runningOf(local.ecs, 'sickly', 'nginx:ok', 2);
    await eventually('first deployment COMPLETED', async () =>
      (await getService('sickly')).deployments[0].rolloutState === 'COMPLETED' ? true : undefined,
    );
    const sick = await register('sickly', 'nginx:unhealthy', true);
    await local.api.patch('/clusters/default/services/sickly', { taskDefinition: sick });
    const service = await eventually(
      'the unhealthy deployment to fail',
      async () => {
        const body = await getService('sickly');
        const deployment = body.deployments.find(
          (d: { taskDefinition: string }) => d.taskDefinition === sick,
        );
        return deployment?.rolloutState === 'FAILED' ? body : undefined;
      },
      { timeoutMs: 45_000 },
    );
    expect(
      service.taskDefinition,
      JSON.stringify({ deployments: service.deployments, events: service.events }),
    ).toBe(healthy);
    // The healthy tasks kept serving throughout (minimumHealthyPercent 100): never fewer than 2.
    await runningOf(local.ecs, 'sickly', 'nginx:ok', 2, 45_000);
    const stoppedSick = (await serviceTasks(local.ecs, 'sickly')).filter(
      (task) => image(task) === 'nginx:unhealthy' && task.lastStatus === 'STOPPED',
    );
    expect(stoppedSick.length).toBeGreaterThan(0);
  }, 90_000);

  it('drains a deleted service to INACTIVE with no task left', async () => {
    const taskDefinition = await register('bye', 'nginx:bye');
    await createService('bye', taskDefinition, 2);
    await local.stack.runScheduler();
    await runningOf(local.ecs, 'bye', 'nginx:bye', 2);
    expect((await local.api.delete('/clusters/default/services/bye')).body.status).toBe('DRAINING');
    await local.stack.runScheduler();
    await eventually('INACTIVE', async () =>
      (await getService('bye')).status === 'INACTIVE' ? true : undefined,
    );
    expect((await serviceTasks(local.ecs, 'bye')).filter(isLive)).toHaveLength(0);
  });

  it('lost no message: the dead-letter queues are empty', async () => {
    await expectEmptyDeadLetterQueues(local.stack);
  });
});

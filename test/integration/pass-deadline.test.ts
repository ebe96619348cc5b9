import { describe, expect, it } from 'vitest';
import { createEcsClientForGateway, createEcsGateway } from '../../lib/ecs/gateway';
import { createLaunchPacer, type Pacer, PacingDeadlineError } from '../../lib/ecs/pacer';
import { registerTaskDefinition } from '../support/api';
import { isLive, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

describe('a pass with a deadline (no reconcile worker: the test drives every pass)', () => {
  const local = useTestStack({ timing: 'fast', workerConcurrency: 0 });

  /** A clock that moves only when the pacer sleeps: the deadline is met by launch room alone. */
  const frozenClock = () => {
    let now = Date.now();
    return {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
  };
  /** A reconciler whose gateway launches through `launchPacer`, on `clock`. */
  const pacedReconciler = (
    launchPacer: Pacer,
    clock: { now: () => number; sleep?: (ms: number) => Promise<void> },
    leaseMs?: number,
  ) =>
    local.reconciler({
      ecsFor: (cluster) =>
        createEcsGateway({
          client: createEcsClientForGateway(),
          cluster,
          launchPacer,
          now: clock.now,
          ...(clock.sleep ? { sleep: clock.sleep } : {}),
        }),
      now: clock.now,
      ...(leaseMs === undefined ? {} : { leaseMs }),
    });
  const reconciler = (clock: { now: () => number; sleep: (ms: number) => Promise<void> }) =>
    // One process's launch budget at Fargate's published rate (100 burst, 20 per second).
    pacedReconciler(createLaunchPacer(clock), clock, 5_000);
  const realClock = {
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  };

  it('commits only what it can launch before the deadline, confirms each launch, and asks for a follow-up', async () => {
    await local.api.post('/task-definitions', {
      family: 'big',
      cpu: 256,
      memory: 512,
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
    });
    const created = await local.api.post('/clusters/default/services', {
      serviceName: 'big',
      taskDefinition: 'big',
      desiredCount: 200,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    expect(created.status).toBe(201);

    // 2 s at 20 launches a second after a burst of 100: at most 140 tasks fit.
    const clock = frozenClock();
    const outcome = await reconciler(clock).reconcile('default', 'big', undefined, {
      deadline: clock.now() + 2_000,
    });
    expect(outcome.status).toBe('reconciled');
    if (outcome.status !== 'reconciled') return;
    expect(outcome.launched).toBe(140);
    expect(outcome.wakeInMs).toBe(0);
    expect(await serviceTasks(local.ecs, 'big')).toHaveLength(outcome.launched);
    // Every launch it committed was made and confirmed.
    const stored = await local.store.getService('default', 'big');
    expect(stored?.inflightLaunches).toBeUndefined();

    // Follow-up passes converge to exactly 200: nothing launched twice.
    await eventually(
      '200 RUNNING',
      async () => {
        await reconciler(realClock).reconcile('default', 'big');
        const live = (await serviceTasks(local.ecs, 'big')).filter(isLive);
        return live.length === 200 && live.every((task) => task.lastStatus === 'RUNNING') ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    expect(await serviceTasks(local.ecs, 'big')).toHaveLength(200);
  }, 120_000);

  it('confirms each launch as ECS answers it: a pass cut off mid-way leaves only the unmade ones committed', async () => {
    await local.api.post('/clusters/default/services', {
      serviceName: 'cut',
      taskDefinition: 'big',
      desiredCount: 50,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    let runTasks = 0;
    const killed = local.reconciler({
      leaseMs: 1_000,
      afterExternalCall: (call) => {
        if (call === 'ecs:RunTask' && ++runTasks === 3) throw new Error('killed at the timeout');
      },
    });
    await expect(killed.reconcile('default', 'cut')).rejects.toThrow('killed');
    // Two launches were confirmed; the third was made but not confirmed, the other two never made.
    const stored = await local.store.getService('default', 'cut');
    expect(stored?.inflightLaunches).toHaveLength(3);
    expect(await serviceTasks(local.ecs, 'cut')).toHaveLength(30);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await reconciler(realClock).reconcile('default', 'cut');
    expect(await serviceTasks(local.ecs, 'cut')).toHaveLength(50);
  }, 60_000);

  it('gives its message back with a delay when launch room would come after the deadline, dropping what it never made', async () => {
    await local.api.post('/clusters/default/services', {
      serviceName: 'late',
      taskDefinition: 'big',
      desiredCount: 50,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    // Room for two RunTask calls; the third would have to wait 3 s, past the deadline.
    let reservations = 0;
    const launchPacer: Pacer = {
      reserve: async (_count, deadline) => {
        if (++reservations > 2 && deadline !== undefined) throw new PacingDeadlineError(3_000);
      },
      charge: async () => undefined,
      exhausted: () => undefined,
    };
    const pass = pacedReconciler(launchPacer, { now: Date.now });
    const outcome = await pass.reconcile('default', 'late', undefined, { deadline: Date.now() + 60_000 });
    expect(outcome).toMatchObject({ status: 'reconciled', launched: 20, wakeInMs: 3_000 });
    expect(await serviceTasks(local.ecs, 'late')).toHaveLength(20);
    // The three calls it never made are not left for the next pass to replay.
    expect((await local.store.getService('default', 'late'))?.inflightLaunches).toBeUndefined();
  }, 60_000);

  // 1,000 services of new families launching at once each retried a throttled registration every second.
  it('gives its message back with a delay when registration room would come after the deadline, launching nothing', async () => {
    const family = await registerTaskDefinition(local.api, 'unregistered', 'nginx:1.27');
    await local.api.post('/clusters/default/services', {
      serviceName: 'fresh',
      taskDefinition: family,
      desiredCount: 2,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    const deadlines: Array<number | undefined> = [];
    const registrationPacer: Pacer = {
      reserve: async (_count, deadline) => {
        deadlines.push(deadline);
        if (deadline !== undefined) throw new PacingDeadlineError(4_000);
      },
      charge: async () => undefined,
      exhausted: () => undefined,
    };
    const pass = local.reconciler({
      ecsFor: (cluster) =>
        createEcsGateway({ client: createEcsClientForGateway(), cluster, registrationPacer }),
    });
    const outcome = await pass.reconcile('default', 'fresh', undefined, { deadline: Date.now() + 60_000 });
    expect(outcome).toMatchObject({ status: 'reconciled', launched: 0, wakeInMs: 4_000 });
    expect(deadlines).toHaveLength(1);
    expect(await serviceTasks(local.ecs, 'fresh')).toHaveLength(0);
    const stored = await local.store.getService('default', 'fresh');
    expect(stored?.inflightLaunches).toBeUndefined();
    expect(stored?.deployments[0]?.rolloutState).toBe('IN_PROGRESS');
    const revision = await local.store.getTaskDefinition('unregistered', 1);
    expect(revision?.ecsTaskDefinitionArn).toBeUndefined();
  }, 60_000);

  it('a rollout whose launches wait on the launch rate for longer than progressDeadlineSeconds does not fail', async () => {
    await local.api.post('/clusters/default/services', {
      serviceName: 'patient',
      taskDefinition: 'big',
      desiredCount: 2,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { progressDeadlineSeconds: 600 },
    });
    // The account's launch budget is spent by other services until `held` ends.
    let held = true;
    const launchPacer: Pacer = {
      reserve: async (_count, deadline) => {
        if (held && deadline !== undefined) throw new PacingDeadlineError(30_000);
      },
      charge: async () => undefined,
      exhausted: () => undefined,
    };
    let now = Date.now();
    const pass = pacedReconciler(launchPacer, { now: () => now });
    const primary = async () => (await local.store.getService('default', 'patient'))?.deployments[0];

    const first = await pass.reconcile('default', 'patient', undefined, { deadline: now + 60_000 });
    expect(first).toMatchObject({ status: 'reconciled', launched: 0, wakeInMs: 30_000 });
    // The wait is Tugboat's: the deployment's progress clock is not running.
    expect(await primary()).toMatchObject({ rolloutState: 'IN_PROGRESS' });
    expect((await primary())?.lastProgressAt).toBeUndefined();

    // Still held back 700 s later (more than the deadline): still in progress, nothing launched.
    now += 700_000;
    const second = await pass.reconcile('default', 'patient', undefined, { deadline: now + 60_000 });
    expect(second).toMatchObject({ status: 'reconciled', launched: 0 });
    expect(await primary()).toMatchObject({ rolloutState: 'IN_PROGRESS' });

    // Room at last: the launches are made, and the clock runs from this pass.
    now += 700_000;
    held = false;
    const third = await pass.reconcile('default', 'patient', undefined, { deadline: now + 60_000 });
    expect(third).toMatchObject({ status: 'reconciled', launched: 2 });
    expect(await primary()).toMatchObject({
      rolloutState: 'IN_PROGRESS',
      lastProgressAt: new Date(now).toISOString(),
    });
    expect(await serviceTasks(local.ecs, 'patient')).toHaveLength(2);
  }, 60_000);

  // A thousand services' clean-ups at once retried thousands of throttled StopTasks after random back-offs.
  it('gives its message back with a delay when stop room would come after the deadline, stopping what it could', async () => {
    await local.api.post('/clusters/default/services', {
      serviceName: 'shrink',
      taskDefinition: 'big',
      desiredCount: 3,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    await local.reconciler().reconcile('default', 'shrink');
    const running = async () =>
      (await serviceTasks(local.ecs, 'shrink')).filter((task) => task.desiredStatus === 'RUNNING');
    expect(await running()).toHaveLength(3);
    const scaled = await local.api.patch('/clusters/default/services/shrink', { desiredCount: 0 });
    expect(scaled.status).toBe(200);

    // Room for one StopTask; the next would have to wait 2 s more than the pass may.
    let reservations = 0;
    const modifyPacer: Pacer = {
      reserve: async (_count, deadline) => {
        if (++reservations > 1 && deadline !== undefined) throw new PacingDeadlineError(2_000);
      },
      charge: async () => undefined,
      exhausted: () => undefined,
    };
    const pass = local.reconciler({
      ecsFor: (cluster) => createEcsGateway({ client: createEcsClientForGateway(), cluster, modifyPacer }),
    });
    const outcome = await pass.reconcile('default', 'shrink', undefined, { deadline: Date.now() + 60_000 });
    expect(outcome).toMatchObject({ status: 'reconciled', stopped: 1, wakeInMs: 2_000 });
    expect(await running()).toHaveLength(2);

    // The next pass, with room, stops the rest.
    const next = await local.reconciler().reconcile('default', 'shrink');
    expect(next).toMatchObject({ status: 'reconciled', stopped: 2 });
    expect(await running()).toHaveLength(0);
  }, 60_000);
});

/**
 * Load balancing end to end: a service of 3 tasks behind a target group made through the SDK against the local
 * ELB endpoint. A rolling deploy, sampled every 400 ms, never has fewer than 3 healthy targets nor a
 * target whose task has stopped; a deploy of an `unhealthy` image fails by the circuit breaker and
 * rolls back while 3 healthy targets remain throughout.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, expect, it } from 'vitest';
import { registerTaskDefinition } from '../support/api';
import { serviceTasks } from '../support/ecs';
import { createIpTargetGroup } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

let targetGroupArn: string;

const local = useTestStack({ timing: 'realistic', reconcileIntervalMs: 1_000 });

beforeAll(async () => {
  targetGroupArn = await createIpTargetGroup(local.elb, { Name: 'web-e2e', UnhealthyThresholdCount: 2 }, 1);
});
const register = (containerImage: string) =>
  registerTaskDefinition(local.api, 'lb', containerImage, { portMappings: [{ containerPort: 8080 }] });

const addressOf = (task: Task) =>
  task.attachments?.[0]?.details?.find((detail) => detail.name === 'privateIPv4Address')?.value;

interface Sample {
  atMs: number;
  healthy: number;
  /** Targets (any state) whose task ECS shows STOPPED. */
  ofStoppedTasks: string[];
  states: string[];
}

const sample = async (started: number): Promise<Sample> => {
  const [health, tasks] = await Promise.all([
    local.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    serviceTasks(local.ecs, 'lb'),
  ]);
  const byAddress = new Map(tasks.map((task) => [addressOf(task), task]));
  const targets = health.TargetHealthDescriptions ?? [];
  return {
    atMs: Date.now() - started,
    healthy: targets.filter((t) => t.TargetHealth?.State === 'healthy').length,
    ofStoppedTasks: targets
      .filter((t) => byAddress.get(t.Target?.Id)?.lastStatus === 'STOPPED')
      .map((t) => `${t.Target?.Id}:${t.TargetHealth?.State}`),
    states: targets.map((t) => `${t.Target?.Id}=${t.TargetHealth?.State}`),
  };
};

/** Samples every 400 ms on a fixed cadence until `done` says so. */
const sampleUntil = async (done: () => Promise<boolean>, timeoutMs: number): Promise<Sample[]> => {
  const samples: Sample[] = [];
  const started = Date.now();
  for (let tick = 1; ; tick++) {
    samples.push(await sample(started));
    if (await done()) return samples;
    if (Date.now() - started > timeoutMs)
      throw new Error(`not done in ${timeoutMs} ms: ${JSON.stringify(samples)}`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + tick * 400 - Date.now())));
  }
};

const expectNoGap = (samples: Sample[]) => {
  const trace = JSON.stringify(samples);
  expect(samples.length, trace).toBeGreaterThan(5);
  for (const s of samples) {
    expect(s.healthy, trace).toBeGreaterThanOrEqual(3);
    expect(s.ofStoppedTasks, trace).toEqual([]);
  }
};

const service = async () => (await local.api.get('/clusters/default/services/lb')).body;

it('a rolling deploy keeps 3 healthy targets and none of a stopped task; an unhealthy image rolls back', async () => {
  const first = await register('nginx:1');
  const created = await local.api.post('/clusters/default/services', {
    serviceName: 'lb',
    taskDefinition: first,
    desiredCount: 3,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: {
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      minReadySeconds: 0,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    },
    healthCheckGracePeriodSeconds: 0,
    loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.loadBalancers).toEqual([{ targetGroupArn, containerName: 'app', containerPort: 8080 }]);
  await eventually(
    'the first deployment COMPLETED with 3 healthy targets',
    async () => {
      const body = await service();
      return body.deployments[0].rolloutState === 'COMPLETED' && body.deployments[0].healthyTargets === 3
        ? true
        : undefined;
    },
    { timeoutMs: 40_000 },
  );

  // GET task shows its targets and their states.
  const { body: tasks } = await local.api.get('/clusters/default/tasks?serviceName=lb');
  const taskId = tasks.items?.find((t: { lastStatus: string }) => t.lastStatus === 'RUNNING')?.taskId;
  const { body: described } = await local.api.get(`/clusters/default/tasks/${taskId}`);
  expect(described.targets).toEqual([
    expect.objectContaining({
      targetGroupArn,
      port: 8080,
      id: described.privateIpv4Address,
      state: 'healthy',
    }),
  ]);

  const second = await register('nginx:2');
  expect((await local.api.patch('/clusters/default/services/lb', { taskDefinition: second })).status).toBe(
    200,
  );
  const rolling = await sampleUntil(async () => {
    const body = await service();
    const [primary] = body.deployments;
    return (
      primary.taskDefinition === second &&
      primary.rolloutState === 'COMPLETED' &&
      body.deployments.filter((d: { status: string }) => d.status !== 'INACTIVE').length === 1
    );
  }, 60_000);
  expectNoGap(rolling);
  // Every target is one of the new tasks now (the old ones drained and are gone).
  const after = rolling.at(-1)!;
  expect(after.states.filter((s) => s.endsWith('=healthy'))).toHaveLength(3);

  const bad = await register('nginx:unhealthy');
  expect((await local.api.patch('/clusters/default/services/lb', { taskDefinition: bad })).status).toBe(200);
  const failing = await sampleUntil(async () => {
    const body = await service();
    const failed = body.deployments.find((d: { taskDefinition: string }) => d.taskDefinition === bad);
    const [primary] = body.deployments;
    return (
      failed?.rolloutState === 'FAILED' &&
      primary.taskDefinition === second &&
      primary.rolloutState === 'COMPLETED' &&
      body.deployments.filter((d: { status: string }) => d.status !== 'INACTIVE').length === 1
    );
  }, 90_000);
  expectNoGap(failing);
  const events = (await service()).events.map((e: { message: string }) => e.message).join('\n');
  expect(events).toMatch(/circuit breaker/);
  expect(events).toMatch(/rolling back/);
}, 200_000);

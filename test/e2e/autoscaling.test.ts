import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateQueueCommand,
  PurgeQueueCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { registerTaskDefinition } from '../support/api';
import { isLive, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

// Auto scaling end to end: the HTTP API, the reconcile worker, the local ECS endpoint on a virtual clock, the
// local CloudWatch on that clock and the scaling evaluator run at the clock's time, as its schedule would.
const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };
const MINUTE = 60_000;

const advance = async (ms: number) => {
  local.stack.ecs.ecs.advance(ms);
  await local.stack.ecs.drainEvents();
};

const describeService = async (name: string) => {
  const response = await local.api.get(`/clusters/default/services/${name}`);
  expect(response.status).toBe(200);
  return response.body;
};

/** Waits until ECS runs exactly desiredCount tasks of the service and Tugboat's runningCount says so. */
const settled = async (name: string) =>
  eventually(
    `${name} at its desired count`,
    async () => {
      await local.stack.runScheduler();
      const service = await describeService(name);
      const live = (await serviceTasks(local.ecs, name)).filter(isLive);
      const running = live.filter(
        (task) => task.lastStatus === 'RUNNING' && task.desiredStatus === 'RUNNING',
      );
      if (live.length !== running.length) await advance(2_000); // let starts and stops happen
      return live.length === service.desiredCount &&
        running.length === service.desiredCount &&
        service.runningCount === service.desiredCount
        ? service
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );

/** One evaluation at the virtual clock's time; answers the count it left. */
const evaluate = async (name: string): Promise<number> => {
  await local.stack.runScalingEvaluation();
  return (await describeService(name)).desiredCount;
};

/** `family` is the ECS family, as DescribeTasks shows it: the installation's `tugboat-local-<family>`. */
const setLoad = async (family: string, cpu: number) => {
  const response = await fetch(`${local.stack.ecsUrl}/__local/load`, {
    method: 'POST',
    body: JSON.stringify({ cluster: 'default', family, cpu }),
  });
  expect(response.status).toBe(200);
};

const activities = async (name: string) => {
  const response = await local.api.get(`/clusters/default/services/${name}/scaling-activities`);
  expect(response.status).toBe(200);
  return response.body.items as Array<{ cause: string; fromCount: number; toCount: number; policy?: string }>;
};

const local = useTestStack({
  // The virtual clock starts a minute ahead of real time, as it is after any advance: the reconciler must
  // judge task health on it (a real-time judge left the rollout IN_PROGRESS and scale-in suspended).
  timing: 'virtual',
  ecs: { startTime: Date.now() + MINUTE, startMs: 1_000, stopMs: 500 },
  scalingIntervalMs: 0,
  contract: true,
});

const register = (family: string) => registerTaskDefinition(local.api, family, 'nginx:1');

describe('auto scaling through the API', () => {
  it('takes autoScaling on create and PATCH, clamps desiredCount into its range, and null removes it', async () => {
    const taskDefinition = await register('clamp');
    const created = await local.api.post('/clusters/default/services', {
      serviceName: 'clamp',
      taskDefinition,
      desiredCount: 9,
      networkConfiguration: network,
      autoScaling: { minCapacity: 1, maxCapacity: 4 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.desiredCount).toBe(4);
    expect(created.body.autoScaling).toEqual({
      minCapacity: 1,
      maxCapacity: 4,
      targetTracking: [],
      scheduled: [],
    });

    const lowered = await local.api.patch('/clusters/default/services/clamp', { desiredCount: 0 });
    expect(lowered.status).toBe(200);
    expect(lowered.body.desiredCount).toBe(1);

    const bad = await local.api.patch('/clusters/default/services/clamp', {
      autoScaling: { minCapacity: 5, maxCapacity: 2 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('autoScaling.minCapacity');

    const removed = await local.api.patch('/clusters/default/services/clamp', {
      autoScaling: null,
      desiredCount: 7,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.autoScaling).toBeUndefined();
    expect(removed.body.desiredCount).toBe(7);

    const none = await local.api.get('/clusters/default/services/clamp/scaling-activities');
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ items: [] });
    expect((await local.api.get('/clusters/default/services/nope/scaling-activities')).status).toBe(404);
    // Without auto scaling there are no policies, hence no metrics; an unknown service is a 404.
    const metrics = await local.api.get('/clusters/default/services/clamp/scaling/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toEqual({ policies: [] });
    expect((await local.api.get('/clusters/default/services/nope/scaling/metrics')).status).toBe(404);
    expect((await local.api.get('/clusters/default/services/clamp/scaling/metrics?hours=0')).status).toBe(
      400,
    );
  });
});

describe('auto scaling on the local stack', () => {
  it('scales out on CPU at 3x capacity, settles within the tolerance, then scales in, within [min, max]', async () => {
    const taskDefinition = await register('web');
    const [min, max] = [1, 20];
    const created = await local.api.post('/clusters/default/services', {
      serviceName: 'web',
      taskDefinition,
      desiredCount: 2,
      networkConfiguration: network,
      deploymentConfiguration: { minReadySeconds: 0 },
      autoScaling: {
        minCapacity: min,
        maxCapacity: max,
        targetTracking: [
          {
            name: 'cpu',
            metric: { predefined: 'CPUUtilization' },
            targetValue: 50,
            scaleOutCooldownSeconds: 60,
            scaleInCooldownSeconds: 120,
          },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await settled('web');
    // Two 256-unit tasks reserve 512 units: the demand is three times that.
    await setLoad('tugboat-local-web', 3 * 512);

    const counts: number[] = [];
    for (let step = 0; step < 10; step++) {
      await advance(2 * MINUTE);
      counts.push(await evaluate('web'));
      await settled('web');
    }
    expect(
      counts.every((count) => count >= min && count <= max),
      counts.join(','),
    ).toBe(true);
    // 1536 units at 50 % of 256-unit tasks: 12 tasks; the count stops moving there.
    expect(counts.at(-1)).toBe(12);
    expect(counts.slice(-3)).toEqual([12, 12, 12]);
    const cloudWatch = new CloudWatchClient({
      endpoint: local.stack.cloudWatchUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const now = local.stack.ecs.ecs.now();
    const metric = (name: string) => ({
      Id: name.toLowerCase(),
      MetricStat: {
        Metric: {
          Namespace: 'ECS/ContainerInsights',
          MetricName: name,
          Dimensions: [
            { Name: 'ClusterName', Value: 'default' },
            { Name: 'TaskDefinitionFamily', Value: 'tugboat-local-web' },
          ],
        },
        Period: 60,
        Stat: 'Average',
      },
    });
    const data = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 2 * MINUTE),
        EndTime: new Date(now),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [metric('CpuUtilized'), metric('CpuReserved')],
      }),
    );
    // Scale-out was driven by the policy's one alarm: the per-task CPU Average over 50 % x 256 units x 1.1.
    const alarms = await cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'tugboat-local-scale-out/default/web/' }),
    );
    expect(alarms.MetricAlarms?.map((alarm) => [alarm.AlarmName, alarm.Statistic, alarm.Threshold])).toEqual([
      ['tugboat-local-scale-out/default/web/cpu', 'Average', 140.8],
    ]);
    cloudWatch.destroy();
    const [used, reserved] = [
      data.MetricDataResults?.[0]?.Values?.[0],
      data.MetricDataResults?.[1]?.Values?.[0],
    ];
    const utilization = (100 * used!) / reserved!;
    expect(Math.abs(utilization / 50 - 1)).toBeLessThanOrEqual(0.1);

    const out = await activities('web');
    expect(out.length).toBeGreaterThanOrEqual(2);
    expect(out.at(-1)!.cause).toMatch(
      /^CPUUtilization 100\.0% over target 50% for policy cpu: 2 -> 4 tasks$/,
    );
    expect(out[0]).toMatchObject({ toCount: 12, policy: 'cpu' });
    const events = (await describeService('web')).events.map((event: { message: string }) => event.message);
    expect(events.some((message: string) => message.includes('auto scaling: CPUUtilization'))).toBe(true);

    // The policy's readings, kept for the console's chart: up to 100 %, about the target at the end.
    const metrics = await local.api.get('/clusters/default/services/web/scaling/metrics?hours=1');
    expect(metrics.status).toBe(200);
    const [cpu] = metrics.body.policies as {
      name: string;
      targetValue: number;
      points: { at: string; value: number }[];
    }[];
    expect(cpu).toMatchObject({ name: 'cpu', targetValue: 50 });
    const instants = cpu!.points.map((point) => Date.parse(point.at));
    expect(instants).toEqual([...new Set(instants)].sort((a, b) => a - b));
    expect(cpu!.points.length).toBeGreaterThanOrEqual(10);
    const values = cpu!.points.map((point) => point.value);
    // 100 % while two tasks carry three times their reservation, before they scale out.
    expect(Math.max(...values)).toBeCloseTo(100, 0);
    expect(Math.abs(cpu!.points.at(-1)!.value / 50 - 1)).toBeLessThanOrEqual(0.1);
    const tooFar = await local.api.get('/clusters/default/services/web/scaling/metrics?hours=7');
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.message).toBe('hours: must be an integer between 1 and 6');

    // The demand drops to a third of what 12 tasks reserve at the target: 4 tasks, after the window.
    await setLoad('tugboat-local-web', 512);
    const after: number[] = [];
    // Scale-in may take more than one step (each minute's samples straddle the task count changing), and
    // on a busy machine the steps land later: up to ten minutes, and the count then stays at 4.
    for (let step = 0; step < 10; step++) {
      await advance(MINUTE);
      after.push(await evaluate('web'));
      await settled('web');
    }
    expect(
      after.every((count) => count >= min && count <= max),
      after.join(','),
    ).toBe(true);
    // Not on the first quiet minute: the stabilization window holds the burst's samples.
    expect(after[0]).toBe(12);
    expect(after.at(-1)).toBe(4);
    const scaledIn = (await activities('web')).slice(0, (await activities('web')).length - out.length);
    expect(scaledIn.length).toBeGreaterThanOrEqual(1);
    expect(
      scaledIn.every((activity) => activity.toCount < activity.fromCount && activity.policy === 'cpu'),
    ).toBe(true);
    expect(scaledIn.at(-1)!.fromCount).toBe(12);
    expect(scaledIn[0]!.toCount).toBe(4);
  }, 150_000);

  it('scales a worker from 0 on its queue backlog and back to 0 when the queue is empty', async () => {
    const sqs = new SQSClient({
      endpoint: local.stack.sqsEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    const queueUrl = `${local.stack.sqsEndpoint}${new URL(QueueUrl!).pathname}`;
    const taskDefinition = await register('worker');
    const created = await local.api.post('/clusters/default/services', {
      serviceName: 'worker',
      taskDefinition,
      desiredCount: 0,
      networkConfiguration: network,
      deploymentConfiguration: { minReadySeconds: 0 },
      autoScaling: {
        minCapacity: 0,
        maxCapacity: 5,
        targetTracking: [
          {
            name: 'jobs',
            metric: { queueBacklogPerTask: { queueUrl } },
            targetValue: 5,
            scaleOutCooldownSeconds: 0,
            scaleInCooldownSeconds: 60,
          },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(await evaluate('worker')).toBe(0);

    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `job ${i}` })),
      }),
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'job a' },
          { Id: 'b', MessageBody: 'job b' },
        ],
      }),
    );
    await advance(10_000);
    expect(await evaluate('worker')).toBe(3); // 12 messages, 5 per task
    await settled('worker');
    expect((await activities('worker'))[0]!.cause).toBe(
      'queue backlog 12 messages over target 5 per task for policy jobs: 0 -> 3 tasks',
    );

    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    const counts: number[] = [];
    for (let step = 0; step < 4; step++) {
      await advance(30_000);
      counts.push(await evaluate('worker'));
    }
    sqs.destroy();
    // The first empty readings are inside the 60 s window that still holds the backlog.
    expect(counts[0]).toBe(3);
    expect(counts.at(-1)).toBe(0);
    await settled('worker');
    expect((await activities('worker'))[0]).toMatchObject({ fromCount: 3, toCount: 0, policy: 'jobs' });
  }, 60_000);

  it('applies a scheduled action at its minute: the range changes and the count is clamped at once', async () => {
    const taskDefinition = await register('nightly');
    const minuteStart = Math.ceil((local.stack.ecs.ecs.now() + MINUTE) / MINUTE) * MINUTE;
    const at = new Date(minuteStart).toISOString().slice(0, 19);
    const created = await local.api.post('/clusters/default/services', {
      serviceName: 'nightly',
      taskDefinition,
      desiredCount: 3,
      networkConfiguration: network,
      deploymentConfiguration: { minReadySeconds: 0 },
      autoScaling: {
        minCapacity: 2,
        maxCapacity: 6,
        scheduled: [{ name: 'night', schedule: `at(${at})`, minCapacity: 0, maxCapacity: 1 }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await settled('nightly');
    await local.stack.runScalingEvaluation();

    await advance(minuteStart - 5_000 - local.stack.ecs.ecs.now());
    expect(await evaluate('nightly')).toBe(3);
    expect((await describeService('nightly')).autoScaling).toMatchObject({ minCapacity: 2, maxCapacity: 6 });

    await advance(10_000);
    expect(await evaluate('nightly')).toBe(1);
    expect((await describeService('nightly')).autoScaling).toMatchObject({ minCapacity: 0, maxCapacity: 1 });
    expect(await activities('nightly')).toEqual([
      expect.objectContaining({
        cause: 'scheduled action night set minCapacity 0 and maxCapacity 1: 3 -> 1 tasks',
        fromCount: 3,
        toCount: 1,
        policy: 'night',
      }),
    ]);
    await settled('nightly');
  }, 60_000);
});

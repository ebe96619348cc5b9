import { describe, expect, it } from 'vitest';
import { evaluateScaling } from '../../../lib/scaling/evaluate';
import {
  batchQueries,
  buildPolicyQueries,
  mergeSamples,
  targetGroupDimension,
} from '../../../lib/scaling/metrics';
import { autoScalingSchema } from '../../../lib/validation/autoscaling';

import { cpuScaling, minute, now, service, world } from './world';

describe('the queries of one evaluation', () => {
  it('asks 500 queries a call: 1,201 CPU-scaled services take 3 GetMetricData calls', async () => {
    const services = Array.from({ length: 1201 }, (_, i) => service(`s${i}`, cpuScaling()));
    const { deps, calls } = world(services, { cpuUtilized: () => 256 });
    const report = await evaluateScaling(deps);
    expect(calls).toEqual([500, 500, 201]);
    expect(report).toMatchObject({ services: 1201, metricCalls: 3, metricsRequested: 1201 });
  });

  it('batches any list into chunks of at most 500', () => {
    expect(batchQueries(Array.from({ length: 1000 }, (_, i) => i)).map((b) => b.length)).toEqual([500, 500]);
    expect(batchQueries([])).toEqual([]);
  });

  it('reads CpuUtilized by ClusterName and the ECS family; request counts by TargetGroup; no query for a backlog', () => {
    const scaling = cpuScaling({
      targetTracking: [
        { name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 50 },
        {
          name: 'alb',
          metric: {
            predefined: 'ALBRequestCountPerTarget',
            targetGroupArn:
              'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef',
          },
          targetValue: 100,
        },
        {
          name: 'jobs',
          metric: { queueBacklogPerTask: { queueUrl: 'http://q.local/1/jobs' } },
          targetValue: 5,
        },
      ],
    });
    const queries = buildPolicyQueries([service('a', scaling, { taskDefinition: 'my-web:12' })]);
    expect(queries.map((q) => q.query)).toEqual([
      {
        id: 'q0',
        namespace: 'ECS/ContainerInsights',
        metricName: 'CpuUtilized',
        dimensions: [
          { name: 'ClusterName', value: 'apps' },
          // The installation's own ECS family (default installation `local`).
          { name: 'TaskDefinitionFamily', value: 'tugboat-local-my-web' },
        ],
        stat: 'Sum',
      },
      {
        id: 'q1',
        namespace: 'AWS/ApplicationELB',
        metricName: 'RequestCountPerTarget',
        dimensions: [{ name: 'TargetGroup', value: 'targetgroup/web/0123456789abcdef' }],
        stat: 'Sum',
      },
    ]);
    expect(
      targetGroupDimension(
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef',
      ),
    ).toBe('targetgroup/web/0123456789abcdef');
  });

  it('keeps the samples of the window, the newer reading of an instant winning', () => {
    const merged = mergeSamples(
      [
        { at: now - 10 * minute, value: 1 },
        { at: now - 2 * minute, value: 2 },
      ],
      [{ at: now - 2 * minute, value: 3 }],
      now,
      5 * minute,
    );
    expect(merged).toEqual([{ at: now - 2 * minute, value: 3 }]);
  });
});

describe('an evaluation', () => {
  it('scales a service out on CPU, held at maxCapacity, with an activity, an event and a reconcile', async () => {
    // Two 256-unit tasks using 1536 units: 300 % of what they reserve, target 50 %.
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 1536 });
    const report = await evaluateScaling(w.deps);
    const cause =
      'CPUUtilization 300.0% over target 50% for policy cpu: 2 -> 10 tasks (held at maxCapacity 10)';
    expect(report.changes).toEqual([
      { cluster: 'apps', serviceName: 'web', fromCount: 2, toCount: 10, cause, policy: 'cpu' },
    ]);
    const written = w.byName.get('web')!;
    expect(written).toMatchObject({ desiredCount: 10, version: 5 });
    expect(written.deployments[0]!.desiredCount).toBe(10);
    expect(w.activities).toEqual([
      { id: 'id-1', startedAt: new Date(now).toISOString(), cause, fromCount: 2, toCount: 10, policy: 'cpu' },
    ]);
    expect(w.events[0]!.message).toBe(`service web auto scaling: ${cause}.`);
    expect(w.enqueued).toEqual([{ cluster: 'apps', serviceName: 'web', reason: 'auto scaling' }]);
    expect(w.states.get('web')).toMatchObject({
      lastScaleOutAt: now,
      lastEvaluatedAt: now,
      taskCpu: 256,
      version: 2,
    });
  });

  it('scales in only once the samples reach back over the whole scale-in window', async () => {
    // 64 units over 3 running tasks of 256: 8.3 %; one task would do. The window is 300 s.
    const w = world([service('web', cpuScaling(), { desiredCount: 3, runningCount: 3 })], {
      cpuUtilized: () => 64,
    });
    await evaluateScaling(w.deps);
    expect(w.byName.get('web')!.desiredCount).toBe(3);
    // The same quiet reading at the next poll, now with quiet samples kept from 6 minutes back.
    w.states.get('web')!.samples.cpu = [2, 3, 4, 5, 6].map((m) => ({ at: now - m * minute, value: 8 }));
    delete w.states.get('web')!.lastPolledAt;
    await evaluateScaling(w.deps);
    expect(w.byName.get('web')!.desiredCount).toBe(1);
    expect(w.activities.at(-1)!.cause).toBe(
      'CPUUtilization 8.3% under target 50% for policy cpu: 3 -> 1 tasks',
    );
  });

  it('counts a busy minute that ended inside the scale-in window: no scale-in yet', async () => {
    const scaling = cpuScaling({
      targetTracking: [
        {
          name: 'cpu',
          metric: { predefined: 'CPUUtilization' },
          targetValue: 50,
          scaleInCooldownSeconds: 120,
        },
      ],
    });
    // The minute from now-150 s to now-90 s was busy (1536 units: 6 tasks' worth at 50 %), the next quiet.
    const w = world([service('web', scaling, { desiredCount: 6, runningCount: 6 })], {
      series: { timestamps: [now - 150_000, now - 90_000], values: [1536, 128] },
    });
    w.states.get('web')!.samples.cpu = [
      { at: now - 4 * minute, value: 50 },
      { at: now - 3 * minute, value: 50 },
    ];
    const report = await evaluateScaling(w.deps);
    expect(report.changes).toEqual([]);
    expect(w.byName.get('web')!.desiredCount).toBe(6);
  });

  it('ends a 60 s scale-out cooldown at the next evaluation, even one that comes a few ms early', async () => {
    const w = world([service('web', cpuScaling({ maxCapacity: 20 }))], { cpuUtilized: () => 1536 });
    w.states.get('web')!.lastScaleOutAt = now - 59_990;
    await evaluateScaling(w.deps);
    expect(w.byName.get('web')!.desiredCount).toBe(12);
    // Within the cooldown proper, it waits.
    const waiting = world([service('web', cpuScaling({ maxCapacity: 20 }))], { cpuUtilized: () => 1536 });
    waiting.states.get('web')!.lastScaleOutAt = now - 30_000;
    await evaluateScaling(waiting.deps);
    expect(waiting.byName.get('web')!.desiredCount).toBe(2);
  });

  it('does nothing within the tolerance', async () => {
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 270 }); // 52.7 %
    const report = await evaluateScaling(w.deps);
    expect(report.changes).toEqual([]);
    expect(w.activities).toEqual([]);
    expect(w.byName.get('web')!.version).toBe(4);
  });

  it('scales a worker up from 0 on its queue backlog, one SQS read per queue', async () => {
    const queueUrl = 'http://sqs.local/000000000000/jobs';
    const backlogScaling = autoScalingSchema().parse({
      minCapacity: 0,
      maxCapacity: 20,
      targetTracking: [{ name: 'jobs', metric: { queueBacklogPerTask: { queueUrl } }, targetValue: 5 }],
    });
    const w = world([
      service('worker', backlogScaling, { desiredCount: 0, runningCount: 0 }),
      service('worker2', backlogScaling, { desiredCount: 0, runningCount: 0 }),
    ]);
    w.backlogs.set(queueUrl, 12);
    const report = await evaluateScaling(w.deps);
    expect(report.queueReads).toBe(1);
    expect(report.metricsRequested).toBe(0);
    expect(w.byName.get('worker')!.desiredCount).toBe(3);
    expect(w.activities[0]!.cause).toBe(
      'queue backlog 12 messages over target 5 per task for policy jobs: 0 -> 3 tasks',
    );
  });

  it('applies a scheduled action that fell due since the last evaluation, clamping the count at once', async () => {
    const scaling = cpuScaling({
      minCapacity: 2,
      maxCapacity: 10,
      targetTracking: [],
      scheduled: [{ name: 'night', schedule: 'at(2026-12-01T12:00:00)', maxCapacity: 1, minCapacity: 0 }],
    });
    const w = world([service('web', scaling, { desiredCount: 3, runningCount: 3 })]);
    w.states.get('web')!.lastEvaluatedAt = now - minute;
    await evaluateScaling(w.deps);
    const written = w.byName.get('web')!;
    expect(written.desiredCount).toBe(1);
    expect(written.autoScaling).toMatchObject({ minCapacity: 0, maxCapacity: 1 });
    expect(w.activities[0]).toMatchObject({
      cause: 'scheduled action night set minCapacity 0 and maxCapacity 1: 3 -> 1 tasks',
      fromCount: 3,
      toCount: 1,
      policy: 'night',
    });
    // Applied once: the next evaluation finds nothing due.
    w.deps.now = now + minute;
    await evaluateScaling(w.deps);
    expect(w.activities).toHaveLength(1);
  });

  it('loses a race on the service quietly: no activity, the next pass decides again', async () => {
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 1536 });
    w.conflict();
    const report = await evaluateScaling(w.deps);
    expect(report).toMatchObject({ conflicts: 1, changes: [] });
    expect(w.activities).toEqual([]);
    expect(w.enqueued).toEqual([]);
  });

  it('forgets a state whose service no longer scales', async () => {
    const w = world([service('web', undefined)]);
    const report = await evaluateScaling(w.deps);
    expect(report).toMatchObject({ services: 0, removed: 1, metricsRequested: 0 });
    expect(w.states.size).toBe(0);
  });
});

describe('scale-out alarms (one per CloudWatch policy) and reading metrics only where needed', () => {
  const cpuAlarm = 'tugboat-local-scale-out/apps/web/cpu';

  it('puts one alarm per CPU policy on the per-task Average, once, and again only when its spec changes', async () => {
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 256 });
    const first = await evaluateScaling(w.deps);
    expect(first).toMatchObject({ alarmsPut: 1, alarmCalls: 1 });
    expect(w.alarms.get(cpuAlarm)).toMatchObject({
      namespace: 'ECS/ContainerInsights',
      metricName: 'CpuUtilized',
      dimensions: [
        { name: 'ClusterName', value: 'apps' },
        { name: 'TaskDefinitionFamily', value: 'tugboat-local-web' },
      ],
      statistic: 'Average',
      periodSeconds: 60,
      evaluationPeriods: 1,
      // 50 % of one 256-unit task, plus the 10 % tolerance.
      threshold: 140.8,
      comparisonOperator: 'GreaterThanThreshold',
    });
    expect(w.states.get('web')!.alarms?.cpu).toMatchObject({ name: cpuAlarm });

    w.deps.now = now + minute;
    expect(await evaluateScaling(w.deps)).toMatchObject({ alarmsPut: 0, alarmsDeleted: 0 });
    expect(w.alarmWrites).toEqual([`put ${cpuAlarm}`]);

    // A new target, and a bigger task: the threshold moves, so the alarm is put again.
    w.byName.set(
      'web',
      service(
        'web',
        cpuScaling({
          targetTracking: [{ name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 70 }],
        }),
      ),
    );
    w.deps.now = now + 2 * minute;
    await evaluateScaling(w.deps);
    expect(w.alarms.get(cpuAlarm)!.threshold).toBe(197.12);
    expect(w.alarmWrites).toEqual([`put ${cpuAlarm}`, `put ${cpuAlarm}`]);
  });

  it('between polls reads only the services whose alarm is in ALARM, and scales those out', async () => {
    const w = world([service('web', cpuScaling()), service('quiet', cpuScaling())], {
      cpuUtilized: () => 1536,
    });
    for (const name of ['web', 'quiet']) w.states.get(name)!.lastPolledAt = now - minute;
    const idle = await evaluateScaling(w.deps);
    expect(idle).toMatchObject({ metricCalls: 0, metricsRequested: 0, changes: [] });

    w.inAlarm.add(cpuAlarm);
    w.deps.now = now + minute;
    const over = await evaluateScaling(w.deps);
    expect(over).toMatchObject({ alarmsInAlarm: 1, metricCalls: 1, metricsRequested: 1 });
    expect(over.changes.map((change) => `${change.serviceName} ${change.toCount}`)).toEqual(['web 10']);
    expect(w.byName.get('quiet')!.desiredCount).toBe(2);
  });

  it('polls every CloudWatch policy once per 5 minutes, one metric each, for scale-in', async () => {
    const w = world([service('web', cpuScaling(), { desiredCount: 3, runningCount: 3 })], {
      cpuUtilized: () => 64,
    });
    const counts: number[] = [];
    for (let step = 0; step <= 10; step++) {
      w.deps.now = now + step * minute;
      counts.push((await evaluateScaling(w.deps)).metricsRequested);
    }
    expect(counts).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });

  it('writes the scaling state only when it has something new: not between polls with no alarm', async () => {
    const w = world([service('web', cpuScaling(), { desiredCount: 3, runningCount: 3 })], {
      cpuUtilized: () => 320, // within the tolerance
    });
    const save = w.deps.scaling.saveScalingState;
    let writes = 0;
    w.deps.scaling.saveScalingState = async (next) => {
      writes++;
      await save(next);
    };
    const counts: number[] = [];
    for (let step = 0; step <= 5; step++) {
      w.deps.now = now + step * minute;
      await evaluateScaling(w.deps);
      counts.push(writes);
    }
    // The first evaluation (poll, alarm put), then nothing until the next poll.
    expect(counts).toEqual([1, 1, 1, 1, 1, 2]);
  });

  it('does not poll a service at its minCapacity: it has nothing to scale in', async () => {
    const w = world([service('web', cpuScaling(), { desiredCount: 1, runningCount: 1 })], {
      cpuUtilized: () => 64,
    });
    const counts: number[] = [];
    for (let step = 0; step <= 10; step++) {
      w.deps.now = now + step * minute;
      counts.push((await evaluateScaling(w.deps)).metricsRequested);
    }
    expect(counts).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("deletes a service's alarms once it no longer scales, then forgets its state", async () => {
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 256 });
    await evaluateScaling(w.deps);
    expect(w.alarms.has(cpuAlarm)).toBe(true);
    w.byName.set('web', service('web', undefined));
    w.deps.now = now + minute;
    const report = await evaluateScaling(w.deps);
    expect(report).toMatchObject({ removed: 1, alarmsDeleted: 1 });
    expect(w.alarms.size).toBe(0);
    expect(w.states.size).toBe(0);
  });

  it('puts the alarm again when the state write after PutMetricAlarm was lost (a crash in between)', async () => {
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 256 });
    const save = w.deps.scaling.saveScalingState;
    w.deps.scaling.saveScalingState = async () => {
      throw new Error('crashed');
    };
    // The failed write is that service's own: the run goes on and counts it.
    expect((await evaluateScaling(w.deps)).readFailures).toEqual({ Evaluation: 1 });
    w.deps.scaling.saveScalingState = save;
    await evaluateScaling(w.deps);
    expect(w.alarmWrites).toEqual([`put ${cpuAlarm}`, `put ${cpuAlarm}`]);
    expect(w.states.get('web')!.alarms?.cpu?.name).toBe(cpuAlarm);
  });

  it('deletes an alarm in ALARM that belongs to no scaled service (a leftover)', async () => {
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 256 });
    w.inAlarm.add('tugboat-local-scale-out/apps/gone/cpu');
    w.inAlarm.add('tugboat-other-scale-out/apps/x/cpu'); // another installation's: not ours to touch
    const report = await evaluateScaling(w.deps);
    expect(w.alarmWrites).toContain('delete tugboat-local-scale-out/apps/gone/cpu');
    expect(w.alarmWrites.join(' ')).not.toContain('tugboat-other');
    expect(report.alarmsInAlarm).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { evaluateScaling } from '../../../lib/scaling/evaluate';
import { autoScalingSchema } from '../../../lib/validation/autoscaling';
import { cpuScaling, minute, now, service, world } from './world';

/** The evaluator keeps each policy's readings for the console's charts, in the target's units. */
describe('policy metric history', () => {
  it('records each new minute of a CloudWatch policy once, though the next poll reads it again', async () => {
    const series = { timestamps: [now - 150_000, now - 90_000], values: [1536, 768] };
    const w = world([service('web', cpuScaling(), { desiredCount: 6, runningCount: 6 })], { series });
    await evaluateScaling(w.deps);
    // 1536 CPU units used of 6 tasks x 256: 100 %; then 50 %. A minute's datapoint counts at its end.
    expect(w.history).toEqual([
      { policy: 'cpu', at: now - 90_000, value: 100 },
      { policy: 'cpu', at: now - 30_000, value: 50 },
    ]);
    // The next evaluation reads the same minutes again (the poll's window overlaps): nothing new.
    w.history.length = 0;
    w.inAlarm.add([...w.alarms.keys()][0]!);
    const again = await evaluateScaling({ ...w.deps, now: now + minute });
    expect(again.metricsRequested).toBe(1);
    expect(w.history).toEqual([]);
  });

  it('records a queue backlog per RUNNING task, and nothing while no task runs', async () => {
    const queueUrl = 'http://sqs.local/000000000000/jobs';
    const scaling = autoScalingSchema().parse({
      minCapacity: 0,
      maxCapacity: 20,
      targetTracking: [{ name: 'jobs', metric: { queueBacklogPerTask: { queueUrl } }, targetValue: 5 }],
    });
    const w = world([
      service('worker', scaling, { desiredCount: 4, runningCount: 4 }),
      service('idle', scaling, { desiredCount: 0, runningCount: 0 }),
    ]);
    w.backlogs.set(queueUrl, 30);
    await evaluateScaling(w.deps);
    expect(w.history).toEqual([{ policy: 'jobs', at: now, value: 7.5 }]);
  });

  it('goes on evaluating when the history cannot be written', async () => {
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 1536 });
    w.deps.history = {
      appendPolicyPoints: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    const report = await evaluateScaling(w.deps);
    expect(report.changes).toHaveLength(1);
    expect(report.readFailures).toEqual({});
  });
});

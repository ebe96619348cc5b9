import { describe, expect, it } from 'vitest';
import { evaluateScaling } from '../../../lib/scaling/evaluate';
import { autoScalingSchema } from '../../../lib/validation/autoscaling';
import { cpuScaling, minute, now, service, world } from './world';

const queueUrl = 'http://sqs.us-east-1.localhost:9324/000000000000/jobs';
const worker = () =>
  service(
    'worker',
    autoScalingSchema().parse({
      minCapacity: 0,
      maxCapacity: 5,
      targetTracking: [{ name: 'jobs', metric: { queueBacklogPerTask: { queueUrl } }, targetValue: 5 }],
    }),
    { desiredCount: 0, runningCount: 0 },
  );
/** A service whose scheduled action raises its minimum at the evaluation's minute. */
const morning = () =>
  service(
    'web',
    autoScalingSchema().parse({
      minCapacity: 1,
      maxCapacity: 10,
      scheduled: [{ name: 'morning', schedule: 'at(2026-12-01T12:00:00)', minCapacity: 4 }],
    }),
  );

const eventsOf = (w: ReturnType<typeof world>) => w.events.map((event) => event.message);

describe("one service's failing read does not stop the others", () => {
  it('a queue that cannot be read: the other service still scales, the run does not fail', async () => {
    const w = world([worker(), morning()]);
    w.states.get('web')!.lastEvaluatedAt = now - minute;
    w.failing.add(queueUrl);
    const report = await evaluateScaling(w.deps);
    expect(w.byName.get('web')!.desiredCount).toBe(4);
    expect(report.readFailures).toEqual({ QueueAttributes: 1 });
    expect(w.byName.get('worker')!.desiredCount).toBe(0);
    expect(eventsOf(w)).toContainEqual(
      expect.stringMatching(
        /^service worker auto scaling: queue http:\/\/sqs.us-east-1.localhost:9324\/000000000000\/jobs cannot be read \(.*ENOTFOUND/,
      ),
    );
  });

  it('writes an event when the failure starts and when it ends, not every minute', async () => {
    const w = world([worker()]);
    w.failing.add(queueUrl);
    for (let step = 0; step < 3; step++) {
      w.deps.now = now + step * minute;
      expect((await evaluateScaling(w.deps)).readFailures).toEqual({ QueueAttributes: 1 });
    }
    expect(eventsOf(w)).toHaveLength(1);
    w.failing.delete(queueUrl);
    w.backlogs.set(queueUrl, 12);
    w.deps.now = now + 3 * minute;
    const report = await evaluateScaling(w.deps);
    expect(report.readFailures).toEqual({});
    expect(w.byName.get('worker')!.desiredCount).toBe(3); // retried, and read
    expect(eventsOf(w)).toContainEqual(
      expect.stringMatching(/^service worker auto scaling: its reads succeed again/),
    );
  });

  it('a GetMetricData call that fails: its services have no opinion, the queue worker still scales', async () => {
    const w = world([service('web', cpuScaling()), worker()], { cpuUtilized: () => 1536 });
    w.failures.metrics = true;
    w.backlogs.set(queueUrl, 7);
    const report = await evaluateScaling(w.deps);
    expect(report.readFailures).toEqual({ MetricData: 1 });
    expect(w.byName.get('web')!.desiredCount).toBe(2);
    expect(w.byName.get('worker')!.desiredCount).toBe(2);
  });

  it('DescribeAlarms failing: every policy is read directly, so a service over target still scales out', async () => {
    const w = world([service('web', cpuScaling())], { cpuUtilized: () => 1536 });
    w.states.get('web')!.lastPolledAt = now - minute; // not due for its scale-in poll
    w.failures.describeAlarms = true;
    const report = await evaluateScaling(w.deps);
    expect(report.readFailures).toEqual({ DescribeAlarms: 1 });
    expect(report.metricsRequested).toBe(1);
    expect(w.byName.get('web')!.desiredCount).toBe(10);
  });

  it("a service's own write failing is counted, and the next service is still evaluated", async () => {
    const w = world([service('a', cpuScaling()), morning()]);
    w.states.get('web')!.lastEvaluatedAt = now - minute;
    const add = w.deps.store.addServiceEvents;
    w.deps.store.addServiceEvents = async (cluster, name, events) => {
      if (name === 'a') throw new Error('ProvisionedThroughputExceededException');
      await add(cluster, name, events);
    };
    w.byName.set('a', service('a', cpuScaling({ minCapacity: 3 })));
    const report = await evaluateScaling(w.deps);
    expect(report.readFailures).toEqual({ Evaluation: 1 });
    expect(w.byName.get('web')!.desiredCount).toBe(4);
  });

  it('a reconcile queue that refuses the changes does not fail the run: they are written, the sweep reconciles them', async () => {
    const w = world([morning()]);
    w.states.get('web')!.lastEvaluatedAt = now - minute;
    w.deps.enqueue = async () => {
      throw new Error('AWS.SimpleQueueService.NonExistentQueue');
    };
    const report = await evaluateScaling(w.deps);
    expect(report.readFailures).toEqual({ Evaluation: 1 });
    expect(report.changes).toHaveLength(1);
    expect(w.byName.get('web')!.desiredCount).toBe(4);
  });
});

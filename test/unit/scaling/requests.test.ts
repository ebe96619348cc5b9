import { describe, expect, it } from 'vitest';
import { alarmName } from '../../../lib/scaling/alarms';
import { evaluateScaling } from '../../../lib/scaling/evaluate';
import { TARGET_WAIT_MS } from '../../../lib/scaling/evaluate-service';
import { autoScalingSchema } from '../../../lib/validation/autoscaling';
import { minute, now, service, world } from './world';

const group = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const requestScaling = autoScalingSchema().parse({
  minCapacity: 1,
  maxCapacity: 50,
  targetTracking: [
    {
      name: 'requests',
      metric: { predefined: 'ALBRequestCountPerTarget', targetGroupArn: group },
      targetValue: 100,
      scaleOutCooldownSeconds: 60,
    },
  ],
});
const requestAlarm = alarmName(undefined, 'apps', 'web', 'requests');

/** 2 tasks serve; 2 more are RUNNING but not yet healthy in the group. 300 requests per healthy target. */
const setup = () => {
  const healthy = new Map([[group, 2]]);
  const load = { perTarget: 300 };
  const w = world(
    [service('web', requestScaling, { desiredCount: 4, runningCount: 4, healthCheckGracePeriodSeconds: 60 })],
    { cpuUtilized: () => load.perTarget, healthy, datapointFollowsNow: true },
  );
  // The scaler has watched the group serve with 2 healthy targets for an hour.
  const state = w.states.get('web')!;
  w.states.set('web', { ...state, healthyTargets: { [group]: { count: 2, since: now - 60 * minute } } });
  return { w, healthy, load };
};

describe('request-count scaling follows the targets that served the requests', () => {
  it('multiplies the per-target value by the healthy targets, not the RUNNING tasks', async () => {
    const { w } = setup();
    const report = await evaluateScaling(w.deps);
    expect(report.changes).toEqual([
      expect.objectContaining({ fromCount: 4, toCount: 6, policy: 'requests' }), // 300 x 2 / 100
    ]);
  });

  it('does not scale out again on the same samples before the new targets serve', async () => {
    const { w, healthy } = setup();
    await evaluateScaling(w.deps);
    w.byName.set('web', { ...w.byName.get('web')!, runningCount: 6 });
    w.inAlarm.add(requestAlarm);
    // Two minutes on, the new tasks are still not healthy, and the metric still says 300 per target.
    for (const step of [1, 2]) {
      w.deps.now = now + step * minute;
      expect((await evaluateScaling(w.deps)).changes).toEqual([]);
    }
    expect(w.byName.get('web')!.desiredCount).toBe(6);
    // They serve: the minute just ended was served mostly by 2 of them, so 300 a target times 6 would
    // overshoot; it is not read.
    healthy.set(group, 6);
    w.deps.now = now + 3 * minute;
    expect((await evaluateScaling(w.deps)).changes).toEqual([]);
    // The first whole minute that began once they were seen serving: 300 a target over 6 targets needs 18.
    for (const step of [4, 5]) {
      w.deps.now = now + step * minute;
      const { changes } = await evaluateScaling(w.deps);
      if (changes.length > 0) {
        expect(changes).toEqual([expect.objectContaining({ fromCount: 6, toCount: 18 })]);
        break;
      }
    }
    expect(w.byName.get('web')!.desiredCount).toBe(18);
  });

  it('reads nothing the first time it sees a group: when its targets came up is unknown', async () => {
    const { w } = setup();
    w.states.set('web', { ...w.states.get('web')!, healthyTargets: undefined });
    expect((await evaluateScaling(w.deps)).changes).toEqual([]);
    expect(w.states.get('web')!.healthyTargets).toEqual({ [group]: { count: 2, since: now } });
    w.inAlarm.add(requestAlarm);
    for (const step of [1, 2]) {
      w.deps.now = now + step * minute;
      const { changes } = await evaluateScaling(w.deps);
      if (changes.length > 0) {
        expect(changes).toEqual([expect.objectContaining({ fromCount: 4, toCount: 6 })]);
        break;
      }
    }
    expect(w.byName.get('web')!.desiredCount).toBe(6);
  });

  it('reads no minute that began before a change of the healthy targets, whatever changed them', async () => {
    const { w, healthy } = setup();
    w.byName.set('web', { ...w.byName.get('web')!, desiredCount: 6, runningCount: 6 });
    // The scaler has seen 2 targets healthy, then an operator's scale-out turns 6 healthy at minute 1.
    healthy.set(group, 2);
    w.inAlarm.add(requestAlarm);
    await evaluateScaling(w.deps);
    const first = w.byName.get('web')!.desiredCount;
    healthy.set(group, 6);
    w.deps.now = now + minute;
    expect((await evaluateScaling(w.deps)).changes).toEqual([]);
    expect(w.byName.get('web')!.desiredCount).toBe(first);
  });

  it('waits at most the health check grace period and 150 s', async () => {
    const { w, load } = setup();
    await evaluateScaling(w.deps);
    w.inAlarm.add(requestAlarm);
    load.perTarget = 600; // the 2 serving targets get twice the requests
    w.deps.now = now + 60_000 + TARGET_WAIT_MS - 1;
    expect((await evaluateScaling(w.deps)).changes).toEqual([]);
    w.deps.now = now + 60_000 + TARGET_WAIT_MS;
    expect((await evaluateScaling(w.deps)).changes).toEqual([
      expect.objectContaining({ fromCount: 6, toCount: 12 }), // 600 x 2 / 100
    ]);
  });

  it('a target group whose health cannot be read: no opinion, an event, no failed run', async () => {
    const { w } = setup();
    w.failing.add(group);
    const report = await evaluateScaling(w.deps);
    expect(report).toMatchObject({ changes: [], readFailures: { TargetHealth: 1 } });
    expect(w.events.map((event) => event.message).join()).toContain(`target group ${group} cannot be read`);
  });
});

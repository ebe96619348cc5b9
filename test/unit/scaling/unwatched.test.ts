import { describe, expect, it } from 'vitest';
import { evaluateScaling } from '../../../lib/scaling/evaluate';
import { cpuScaling, minute, now, service, world } from './world';

describe('a service whose scale-out alarm cannot be put is watched directly', () => {
  it('at its minCapacity, reads its metric every minute until the alarm exists, with an event saying why', async () => {
    const load = { cpu: 128 }; // within target at 1 task of 256 units, 50 %
    const w = world([service('web', cpuScaling(), { desiredCount: 1, runningCount: 1 })], {
      cpuUtilized: () => load.cpu,
    });
    w.failures.putAlarm = true;
    const first = await evaluateScaling(w.deps);
    expect(first.readFailures).toEqual({ PutMetricAlarm: 1 });
    expect(w.events.map((event) => event.message)).toEqual([
      expect.stringMatching(
        /^service web auto scaling: its scale-out alarms cannot be put \(Rate exceeded\): their metrics are read every minute until they exist/,
      ),
    ]);

    // Over target a minute later: no alarm can say so, the direct read does.
    load.cpu = 512;
    w.deps.now = now + minute;
    const second = await evaluateScaling(w.deps);
    expect(second.metricsRequested).toBe(1);
    expect(w.byName.get('web')!.desiredCount).toBe(4); // 512 units need 4 tasks at 50 %
    expect(w.events).toHaveLength(2); // the scale-out; the same failure is not repeated

    // The alarm goes in: the failure ends, and the alarm watches again (no read between polls).
    w.failures.putAlarm = false;
    w.deps.now = now + 2 * minute;
    await evaluateScaling(w.deps);
    expect(w.events.at(-1)!.message).toMatch(/^service web auto scaling: its reads succeed again/);
    w.deps.now = now + 3 * minute;
    expect((await evaluateScaling(w.deps)).metricsRequested).toBe(0);
  });
});

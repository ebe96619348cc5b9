/** Metric analysis during a traffic shift: a failing interval rolls back as an alarm does; inconclusive ones never fail. */
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../../lib/domain';
import { MIN, World } from '../../../support/traffic-world';

const canary = () =>
  new World({
    strategy: 'CANARY',
    canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 5 },
    bakeTimeInMinutes: 5,
    analysis: { maxErrorRatePercent: 1, minimumRequests: 50 },
  });

const figures = (w: World, requests: number, errors5xx: number) => ({
  start: new Date(w.now - MIN).toISOString(),
  end: new Date(w.now).toISOString(),
  canary: { requests, errors5xx, p99LatencyMs: 20 },
});

describe('analysis', () => {
  it('rolls a 5 % error canary back at once, FAILED with the figures, the interval on the deployment', () => {
    const world = canary();
    const events: string[] = [];
    world.run(30, (w) => {
      events.push(...(w.last?.events ?? []));
      if (w.share() === 20) w.analysis = figures(w, 200, 10);
    });
    const failed = world.service.deployments.find((d) => d.id === 'dep-2') as Deployment;
    expect(failed).toMatchObject({
      rolloutState: 'FAILED',
      trafficShift: { stage: 'ROLLBACK', productionPercent: 0 },
      analysis: { intervals: [{ requests: 200, errorRatePercent: 5, verdict: 'FAIL' }] },
    });
    expect(failed.rolloutStateReason).toContain('5xx rate 5% above 1%');
    expect(world.share()).toBe(0);
    expect(events.some((e) => e.includes('analysis') && e.includes('FAIL, 200 requests, 5xx 5%'))).toBe(true);
  });

  it('never fails on intervals with fewer than minimumRequests', () => {
    const world = canary();
    world.run(30, (w) => {
      if (w.share() === 20) w.analysis = figures(w, 10, 10);
    });
    const d = world.service.deployments.find((x) => x.id === 'dep-2') as Deployment;
    expect(d.rolloutState).not.toBe('FAILED');
    expect(d.analysis?.intervals.every((i) => i.verdict === 'INCONCLUSIVE')).toBe(true);
  });
});

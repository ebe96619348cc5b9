/** The Spot fallback benchmark's simulation (bench/spot.ts) on a small fleet: what it reports holds together. */
import { describe, expect, it } from 'vitest';
import { runSpot } from '../../bench/spot';

describe('bench/spot.ts', () => {
  it('3 services x 3 tasks: the fallback saves time under desired, costs on-demand minutes, and returns to Spot', async () => {
    const result = await runSpot({ services: 3, tasks: 3 });
    expect(result.pass).toBe(true);
    const { withFallback, withoutFallback } = result;
    // Without: under desired for the whole 10-minute outage and the relaunch; with: about fallbackAfter + start.
    expect(withoutFallback.serviceMinutesUnderDesired).toBeGreaterThanOrEqual(3 * 10);
    expect(withFallback.serviceMinutesUnderDesired).toBeLessThan(3 * 3);
    expect(withFallback.onDemandTaskMinutes).toBeGreaterThan(0);
    expect(withoutFallback.onDemandTaskMinutes).toBe(0);
    expect(withFallback.failedLaunchesCounted).toBe(0);
    expect(withFallback.servicesNeverBack).toBe(0);
    expect(withFallback.minRunningDuringReturn).toBe(3);
    // The return comes returnAfterSeconds after the last Spot failure (about a minute into the outage).
    expect(withFallback.returnToSpotSeconds.max).toBeGreaterThan(900 - 600);
    expect(withFallback.returnToSpotSeconds.max).toBeLessThan(900);
  });

  it('a deploy of every service 3 minutes into the outage completes on FARGATE before Spot is back', async () => {
    const { deployDuringOutage: deploy } = await runSpot({ services: 3, tasks: 3 });
    expect(deploy).toMatchObject({ completed: 3, failed: 0, servicesNeverBack: 0 });
    // Spot comes back 420 s after the deploy: the new tasks did not wait for it.
    expect(deploy.completedAfterSeconds.max).toBeLessThan(120);
  });
});

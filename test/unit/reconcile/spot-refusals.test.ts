/** A FARGATE_SPOT launch refused for want of capacity is a Spot failure, not a failed launch (issue 18). */
import { describe, expect, it } from 'vitest';
import type { CapacityProviderName } from '../../../lib/domain';
import { CAPACITY_UNAVAILABLE_REASON } from '../../../lib/ecs/errors';
import {
  launchFailuresOutcome,
  refusedLaunchOutcome,
  withSpotCapacityFailure,
} from '../../../lib/reconcile/refusals';
import { deployment, T0 } from '../../support/plan';

const launchOn = (provider: CapacityProviderName) => ({
  deploymentId: 'dep-1',
  count: 2,
  capacityProviderStrategy: [{ capacityProvider: provider, base: 0, weight: 1 }],
});
const capacityFailures = { tasks: [], failures: [{ reason: CAPACITY_UNAVAILABLE_REASON }] };

describe('Spot capacity refusals', () => {
  it("RunTask failures with ECS's capacity reason on FARGATE_SPOT: a Spot failure, no refusal", () => {
    const outcome = launchFailuresOutcome('web', launchOn('FARGATE_SPOT'), capacityFailures, T0);
    expect(outcome.refusal).toBeUndefined();
    expect(outcome.spotCapacityFailure).toEqual({
      at: new Date(T0).toISOString(),
      reason: `RunTask failures: ${CAPACITY_UNAVAILABLE_REASON}`,
    });
    expect(outcome.events[0]).toContain(CAPACITY_UNAVAILABLE_REASON);
  });

  it('the same reason on FARGATE stays a refused launch (no fallback from on-demand)', () => {
    const outcome = launchFailuresOutcome('web', launchOn('FARGATE'), capacityFailures, T0);
    expect(outcome.refusal).toEqual({ at: new Date(T0).toISOString(), count: 2 });
    expect(outcome.spotCapacityFailure).toBeUndefined();
  });

  it('another failure reason on FARGATE_SPOT stays a refused launch', () => {
    const outcome = launchFailuresOutcome(
      'web',
      launchOn('FARGATE_SPOT'),
      { tasks: [], failures: [{ reason: 'RESOURCE:ENI' }] },
      T0,
    );
    expect(outcome.refusal?.count).toBe(2);
    expect(outcome.spotCapacityFailure).toBeUndefined();
  });

  it('RunTask failing as a whole with the capacity message on FARGATE_SPOT: a Spot failure', () => {
    const error = { code: 'ClientException', message: CAPACITY_UNAVAILABLE_REASON };
    const outcome = refusedLaunchOutcome('web', launchOn('FARGATE_SPOT'), error, T0);
    expect(outcome.refusal).toBeUndefined();
    expect(outcome.spotCapacityFailure?.reason).toBe(`ClientException: ${CAPACITY_UNAVAILABLE_REASON}`);
  });

  it("is noted on the deployment's spotFallback, keeping what was there", () => {
    const deployments = [
      deployment('dep-1', 'web:1', { spotFallback: { active: false, failingSince: 'x' } }),
      deployment('dep-0', 'web:1'),
    ];
    const next = withSpotCapacityFailure(deployments, 'dep-1', { at: 'now', reason: 'why' });
    expect(next[0]?.spotFallback).toEqual({
      active: false,
      failingSince: 'x',
      lastSpotFailureAt: 'now',
      lastSpotFailure: 'why',
    });
    expect(next[0]?.launchRefusals).toBeUndefined();
    expect(next[1]).toBe(deployments[1]);
  });
});

/** A FARGATE_SPOT launch refused for want of capacity is a Spot failure, not a failed launch. */
import { describe, expect, it } from 'vitest';
import type { CapacityProviderName } from '../../../lib/domain';
import { CAPACITY_UNAVAILABLE_REASON } from '../../../lib/ecs/errors';
import {
  launchFailuresOutcome,
  refusedLaunchOutcome,
  withSpotCapacityFailure,
} from '../../../lib/reconcile/plan/refusals';
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

  it('a replayed FARGATE_SPOT RunTask ECS answers from its clientToken without the refusals: no failed launch', () => {
    // The killed pass's call launched 1 of 2 and ECS refused the other for Spot capacity; the replay
    // gets the task it made, and no reason for the other.
    const answer = {
      tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/a' }],
      failures: [],
    };
    const outcome = launchFailuresOutcome('web', launchOn('FARGATE_SPOT'), answer, T0);
    expect(outcome.launched).toBe(1);
    expect(outcome.refusal).toBeUndefined();
    expect(outcome.events[0]).toMatch(/unable to launch 1 of 2 tasks .*gave no reason/);
  });

  it('a replay that repeats the capacity refusal of a partly made launch: a Spot failure, no failed launch', () => {
    const answer = {
      tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/a' }],
      failures: [{ reason: CAPACITY_UNAVAILABLE_REASON }],
    };
    const outcome = launchFailuresOutcome('web', launchOn('FARGATE_SPOT'), answer, T0);
    expect(outcome.refusal).toBeUndefined();
    expect(outcome.spotCapacityFailure).toBeDefined();
  });

  it('FARGATE_SPOT refused partly for capacity and partly for another reason: only the other counts', () => {
    const answer = {
      tasks: [],
      failures: [{ reason: CAPACITY_UNAVAILABLE_REASON }, { reason: 'RESOURCE:ENI' }],
    };
    const outcome = launchFailuresOutcome('web', launchOn('FARGATE_SPOT'), answer, T0);
    expect(outcome.refusal).toEqual({ at: new Date(T0).toISOString(), count: 1 });
    expect(outcome.spotCapacityFailure).toBeDefined();
  });

  it('a FARGATE launch short without a reason still counts (on-demand has no capacity excuse)', () => {
    const outcome = launchFailuresOutcome('web', launchOn('FARGATE'), { tasks: [], failures: [] }, T0);
    expect(outcome.refusal?.count).toBe(2);
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
      spotRefusalsInRow: 1,
    });
    expect(next[0]?.launchRefusals).toBeUndefined();
    expect(next[1]).toBe(deployments[1]);
  });
});

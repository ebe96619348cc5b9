/**
 * The health check timings a pass needs (targets still `initial`) come from the service's record of them
 * while fresh, so every worker instance shares one DescribeTargetGroups per group, and are read otherwise.
 */
import { describe, expect, it } from 'vitest';
import type { ElbGateway } from '../../../lib/elb/gateway';
import {
  HEALTH_CHECK_TIMING_TTL_MS,
  withHealthChecks,
} from '../../../lib/reconcile/pass/apply-target-actions';
import type { LoadBalancingInput } from '../../../lib/reconcile/plan/types';
import type { TugboatStore } from '../../../lib/store/port';

const WEB = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';
const API = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/0123456789abcdef';
const NOW = Date.parse('2026-12-07T12:00:00.000Z');

const setUp = () => {
  const reads: string[] = [];
  const elb = {
    async healthCheckTiming(arn: string) {
      reads.push(arn);
      return { intervalSeconds: 30, healthyThreshold: 5 };
    },
  } as unknown as ElbGateway;
  const deps = { elb, store: {} as TugboatStore, now: () => NOW, called: () => {} };
  return { reads, deps };
};

const input: LoadBalancingInput = {
  targetHealth: {
    [WEB]: [{ id: '10.0.0.1', port: 80, state: 'initial' }],
    [API]: [{ id: '10.0.0.1', port: 81, state: 'healthy' }],
  },
  deregistrationDelaySeconds: {},
};

describe('withHealthChecks', () => {
  it('reads the timing of the groups with an initial target only, and hands it back to be kept', async () => {
    const { reads, deps } = setUp();
    const { input: timed, read } = await withHealthChecks(deps, input);
    expect(reads).toEqual([WEB]);
    expect(timed.healthChecks).toEqual({ [WEB]: { intervalSeconds: 30, healthyThreshold: 5 } });
    expect(read).toEqual({
      [WEB]: { intervalSeconds: 30, healthyThreshold: 5, readAt: new Date(NOW).toISOString() },
    });
  });

  it('takes a fresh record from the service, and reads a stale one again', async () => {
    const { reads, deps } = setUp();
    const kept = (ageMs: number) => ({
      [WEB]: { intervalSeconds: 10, healthyThreshold: 3, readAt: new Date(NOW - ageMs).toISOString() },
    });
    const fresh = await withHealthChecks(deps, input, kept(HEALTH_CHECK_TIMING_TTL_MS - 1));
    expect(reads).toEqual([]);
    expect(fresh.input.healthChecks).toEqual({ [WEB]: { intervalSeconds: 10, healthyThreshold: 3 } });
    expect(fresh.read).toEqual({});
    const stale = await withHealthChecks(deps, input, kept(HEALTH_CHECK_TIMING_TTL_MS));
    expect(reads).toEqual([WEB]);
    expect(stale.input.healthChecks).toEqual({ [WEB]: { intervalSeconds: 30, healthyThreshold: 5 } });
  });
});

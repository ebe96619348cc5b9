/** deploymentConfiguration.approval's validation (400s naming the field) and the 409 rules of continue and stop. */
import { describe, expect, it } from 'vitest';
import {
  continueRefusal,
  type Deployment,
  type DeploymentConfiguration,
  type LoadBalancer,
  stopRefusal,
} from '../../../lib/domain';
import { ValidationError } from '../../../lib/errors';
import { checkApproval } from '../../../lib/validation/approval';
import { parseInput } from '../../../lib/validation/parse';
import { updateServiceSchema } from '../../../lib/validation/schemas';
import { deployment } from '../../support/plan';

const tg = (name: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`;
const rule = (id: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0123456789abcdef/00000000000000a1/${id}`;
const lb = (test: boolean): LoadBalancer => ({
  targetGroupArn: tg('blue'),
  containerName: 'web',
  containerPort: 80,
  advancedConfiguration: {
    alternateTargetGroupArn: tg('green'),
    productionListenerRule: rule('00000000000000b1'),
    ...(test ? { testListenerRule: rule('00000000000000b2') } : {}),
  },
});
const config = (extra: Partial<DeploymentConfiguration>): DeploymentConfiguration => ({
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  deploymentCircuitBreaker: { enable: false, rollback: false },
  ...extra,
});

const failure = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  return undefined;
};

describe('approval validation', () => {
  it('accepts the shape and rejects bad fields naming them', () => {
    const approval = { stage: 'BAKE_TIME', timeoutMinutes: 30, onTimeout: 'CONTINUE' };
    expect(
      parseInput(updateServiceSchema(), { deploymentConfiguration: { approval } }).deploymentConfiguration,
    ).toEqual({
      approval,
    });
    expect(
      failure(() =>
        parseInput(updateServiceSchema(), { deploymentConfiguration: { approval: { stage: 'SCALE_UP' } } }),
      ),
    ).toContain('deploymentConfiguration.approval.stage');
    expect(
      failure(() =>
        parseInput(updateServiceSchema(), {
          deploymentConfiguration: { approval: { stage: 'BAKE_TIME', timeoutMinutes: 0 } },
        }),
      ),
    ).toContain('deploymentConfiguration.approval.timeoutMinutes: must be between 1 and 1440');
  });

  it.each([
    ['ROLLING', 'BAKE_TIME', true, 'a ROLLING deployment has no stages'],
    ['BLUE_GREEN', 'PRODUCTION_TRAFFIC_SHIFT', true, 'BLUE_GREEN shifts all production traffic at once'],
    [
      'CANARY',
      'TEST_TRAFFIC_SHIFT',
      false,
      'needs a load balancer with advancedConfiguration.testListenerRule',
    ],
  ] as const)('%s with stage %s (test rule %s) is a 400 naming the stage', (strategy, stage, test, text) => {
    const message = failure(() => checkApproval(config({ strategy, approval: { stage } }), [lb(test)]));
    expect(message).toContain('deploymentConfiguration.approval.stage: ');
    expect(message).toContain(text);
  });

  it.each([
    ['CANARY', 'PRODUCTION_TRAFFIC_SHIFT', false],
    ['LINEAR', 'BAKE_TIME', false],
    ['BLUE_GREEN', 'TEST_TRAFFIC_SHIFT', true],
  ] as const)('%s may wait at %s', (strategy, stage, test) => {
    expect(
      failure(() => checkApproval(config({ strategy, approval: { stage } }), [lb(test)])),
    ).toBeUndefined();
  });
});

describe('409 rules', () => {
  const shift = (approval: object): Deployment['trafficShift'] => ({
    strategy: 'CANARY',
    stage: 'PRODUCTION_TRAFFIC_SHIFT',
    stageStartedAt: '2026-12-01T00:00:00.000Z',
    productionPercent: 5,
    routes: [],
    bakeTimeInMinutes: 0,
    approval: { stage: 'PRODUCTION_TRAFFIC_SHIFT', ...approval },
  });
  const paused = deployment('d1', 'web:2', { trafficShift: shift({ pausedAt: '2026-12-01T00:01:00.000Z' }) });

  it('continue: only a paused PRIMARY in progress', () => {
    expect(continueRefusal(paused)).toBeUndefined();
    expect(continueRefusal({ ...paused, trafficShift: shift({}) })).toBe(
      'deployment d1 is not paused awaiting approval',
    );
    expect(continueRefusal(deployment('d1', 'web:2'))).toBe('deployment d1 is not paused awaiting approval');
    const held = { ...shift({}), analysisHeldAt: '2026-12-01T00:02:00.000Z' } as Deployment['trafficShift'];
    expect(continueRefusal({ ...paused, trafficShift: held })).toBe(
      'deployment d1 is not paused awaiting approval: it holds since 2026-12-01T00:02:00.000Z for an analysis interval that passes, and is paused for approval after one',
    );
    expect(
      continueRefusal({
        ...paused,
        trafficShift: shift({
          pausedAt: '2026-12-01T00:01:00.000Z',
          continuedAt: '2026-12-01T00:02:00.000Z',
        }),
      }),
    ).toBe('deployment d1 was already continued');
    expect(continueRefusal({ ...paused, rolloutState: 'COMPLETED' })).toBe(
      'deployment d1 is COMPLETED, not the PRIMARY in progress',
    );
    expect(
      continueRefusal({ ...paused, stopRequested: { stopType: 'ABORT', at: '2026-12-01T00:02:00.000Z' } }),
    ).toBe('deployment d1 is being stopped (ABORT)');
  });

  it('stop: a PRIMARY in progress; the same stop again is no conflict, the other one is', () => {
    expect(stopRefusal(deployment('d1', 'web:2'), 'ABORT')).toBeUndefined();
    expect(stopRefusal({ ...paused, rolloutState: 'FAILED' }, 'ROLLBACK')).toBe(
      'deployment d1 is FAILED, not the PRIMARY in progress',
    );
    expect(stopRefusal({ ...paused, status: 'ACTIVE' }, 'ROLLBACK')).toBe(
      'deployment d1 is ACTIVE, not the PRIMARY in progress',
    );
    const stopping = {
      ...paused,
      stopRequested: { stopType: 'ROLLBACK' as const, at: '2026-12-01T00:02:00.000Z' },
    };
    expect(stopRefusal(stopping, 'ROLLBACK')).toBeUndefined();
    expect(stopRefusal(stopping, 'ABORT')).toBe('deployment d1 is already being stopped with ROLLBACK');
  });
});

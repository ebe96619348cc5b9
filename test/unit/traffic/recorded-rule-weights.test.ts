import { describe, expect, it } from 'vitest';
import type { Service } from '../../../lib/domain';
import {
  knownRuleActions,
  LISTENER_RULE_REFRESH_MS,
  recordedRuleWeights,
  rulesSetBy,
  ruleWeightsToKeep,
} from '../../../lib/reconcile/pass/traffic';
import { iso, S, service, T0 } from '../../support/plan';

const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/00000000000000aa';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-g/00000000000000bb';
const RULE = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/1/2/3';
const TEST = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/1/4/5';
const OLD = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/1/6/7';

const shifting = (recorded: Service['listenerRuleWeights']): Service =>
  service({
    loadBalancers: [
      {
        targetGroupArn: BLUE,
        containerName: 'web',
        containerPort: 80,
        advancedConfiguration: {
          alternateTargetGroupArn: GREEN,
          productionListenerRule: RULE,
          testListenerRule: TEST,
          roleArn: 'arn:aws:iam::000000000000:role/ecs',
        },
      },
    ],
    ...(recorded ? { listenerRuleWeights: recorded } : {}),
  });

const at = (ms: number) => ({ at: iso(ms) });

describe("a listener rule's recorded weights", () => {
  it('stand in for DescribeRules while every rule of the service was recorded within the refresh', () => {
    const recorded = {
      [RULE]: { weights: { [BLUE]: 950, [GREEN]: 50 }, ...at(T0 - 10 * S) },
      [TEST]: { weights: { [GREEN]: 1 }, ...at(T0 - LISTENER_RULE_REFRESH_MS + 1) },
    };
    expect(recordedRuleWeights(shifting(recorded), [RULE, TEST], T0)).toEqual({
      [RULE]: { [BLUE]: 950, [GREEN]: 50 },
      [TEST]: { [GREEN]: 1 },
    });
    // One stale or missing rule: read them all (one DescribeRules either way).
    const stale = { ...recorded, [TEST]: { weights: { [GREEN]: 1 }, ...at(T0 - LISTENER_RULE_REFRESH_MS) } };
    expect(recordedRuleWeights(shifting(stale), [RULE, TEST], T0)).toBeUndefined();
    expect(recordedRuleWeights(shifting({ [RULE]: recorded[RULE] }), [RULE, TEST], T0)).toBeUndefined();
    expect(recordedRuleWeights(shifting(undefined), [RULE, TEST], T0)).toBeUndefined();
  });

  it('are what the pass read, less the rules it is about to set and rules the service no longer has', () => {
    const before = {
      [RULE]: { weights: { [BLUE]: 1 }, ...at(T0 - 60 * S) },
      [OLD]: { weights: { [BLUE]: 1 }, ...at(T0 - 60 * S) },
    };
    const actions = [
      { Type: 'authenticate-oidc', Order: 1 },
      { Type: 'forward', TargetGroupArn: BLUE, Order: 2 },
    ];
    const read = {
      rules: { [RULE]: { [BLUE]: 1 }, [TEST]: { [BLUE]: 1 } },
      actions: { [RULE]: actions as never, [TEST]: [] },
      at: T0,
    };
    // Each rule's actions kept with its weights: setting it later keeps the others without a read.
    expect(ruleWeightsToKeep(shifting(before), read, [])).toEqual({
      [RULE]: { weights: { [BLUE]: 1 }, at: iso(T0), actions },
      [TEST]: { weights: { [BLUE]: 1 }, at: iso(T0), actions: [] },
    });
    expect(knownRuleActions(shifting(ruleWeightsToKeep(shifting(before), read, [])), undefined)).toEqual({
      [RULE]: actions,
      [TEST]: [],
    });
    // About to be set: dropped, so a pass that dies before recording what it set reads the rule again.
    expect(ruleWeightsToKeep(shifting(before), read, [TEST])).toEqual({
      [RULE]: { weights: { [BLUE]: 1 }, at: iso(T0), actions },
    });
    // Not read: the record as it was (the rule no longer the service's left out).
    expect(ruleWeightsToKeep(shifting(before), undefined, [])).toEqual({ [RULE]: before[RULE] });
    expect(ruleWeightsToKeep(shifting(before), undefined, [RULE])).toBeUndefined();
  });

  it('are dropped for exactly the rules the plan sets', () => {
    expect(
      rulesSetBy([
        { type: 'launch' },
        { type: 'set-traffic', listenerRule: RULE, weights: [], reason: '' },
        { type: 'set-traffic', listenerRule: TEST, weights: [], reason: '' },
      ] as never),
    ).toEqual([RULE, TEST]);
  });
});

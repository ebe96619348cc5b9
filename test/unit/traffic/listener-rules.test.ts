/**
 * The listener-rules adapter (lib/elb/rules.ts): forward weights read from DescribeRules and
 * DescribeListeners, set with ModifyRule or ModifyListener keeping the rule's other actions, rules that
 * do not exist skipped, throttling retried.
 */
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RuleNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createListenerRules, weightsOf, withWeights } from '../../../lib/elb/rules';

const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/00000000000000b1';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-green/00000000000000e1';
const RULE =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a1/00000000000000c1';
const GONE =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a1/00000000000000c9';
const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/alb/0000000000000001/00000000000000a2';

const rules = (elb: ReturnType<typeof mockClient>) =>
  createListenerRules({
    client: elb as unknown as ElasticLoadBalancingV2Client,
    sleep: async () => {},
    random: () => 0,
  });

describe('forward weights', () => {
  it('reads a weighted forward, a plain forward (all to one group) and no forward', () => {
    expect(
      weightsOf([
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE, Weight: 950 },
              { TargetGroupArn: GREEN, Weight: 50 },
            ],
          },
        },
      ]),
    ).toEqual({ [BLUE]: 950, [GREEN]: 50 });
    expect(weightsOf([{ Type: 'forward', TargetGroupArn: BLUE }])).toEqual({ [BLUE]: 1 });
    expect(weightsOf([{ Type: 'fixed-response' }])).toBeUndefined();
  });

  it('replaces only the forward action, keeping its order and stickiness', () => {
    const actions = withWeights(
      [
        { Type: 'authenticate-oidc', Order: 1 },
        {
          Type: 'forward',
          Order: 2,
          TargetGroupArn: BLUE,
          ForwardConfig: { TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 } },
        },
      ],
      [
        { targetGroupArn: BLUE, weight: 800 },
        { targetGroupArn: GREEN, weight: 200 },
      ],
    );
    expect(actions).toEqual([
      { Type: 'authenticate-oidc', Order: 1 },
      {
        Type: 'forward',
        Order: 2,
        ForwardConfig: {
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
          TargetGroups: [
            { TargetGroupArn: BLUE, Weight: 800 },
            { TargetGroupArn: GREEN, Weight: 200 },
          ],
        },
      },
    ]);
  });
});

describe('createListenerRules', () => {
  it('reads rules with DescribeRules and listeners with DescribeListeners; a missing rule is left out', async () => {
    const elb = mockClient(ElasticLoadBalancingV2Client);
    elb
      .on(DescribeRulesCommand, { RuleArns: [RULE, GONE] })
      .rejects(new RuleNotFoundException({ message: 'One or more rules not found', $metadata: {} }));
    elb
      .on(DescribeRulesCommand, { RuleArns: [RULE] })
      .resolves({ Rules: [{ RuleArn: RULE, Actions: [{ Type: 'forward', TargetGroupArn: BLUE }] }] });
    elb
      .on(DescribeRulesCommand, { RuleArns: [GONE] })
      .rejects(new RuleNotFoundException({ message: 'One or more rules not found', $metadata: {} }));
    elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: LISTENER,
          DefaultActions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: BLUE, Weight: 0 },
                  { TargetGroupArn: GREEN, Weight: 1 },
                ],
              },
            },
          ],
        },
      ],
    });
    const read = await rules(elb).readRules([RULE, GONE, LISTENER]);
    expect(Object.fromEntries(Object.entries(read).map(([arn, rule]) => [arn, rule.weights]))).toEqual({
      [RULE]: { [BLUE]: 1 },
      [LISTENER]: { [BLUE]: 0, [GREEN]: 1 },
    });
  });

  it('sets a rule with ModifyRule and a listener with ModifyListener, retrying throttling', async () => {
    const elb = mockClient(ElasticLoadBalancingV2Client);
    elb.on(DescribeRulesCommand).resolves({
      Rules: [{ RuleArn: RULE, Actions: [{ Type: 'forward', TargetGroupArn: BLUE, Order: 1 }] }],
    });
    elb.on(DescribeListenersCommand).resolves({
      Listeners: [{ ListenerArn: LISTENER, DefaultActions: [{ Type: 'forward', TargetGroupArn: BLUE }] }],
    });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    elb.on(ModifyRuleCommand).rejectsOnce(throttled).resolves({});
    elb.on(ModifyListenerCommand).resolves({});
    const weights = [
      { targetGroupArn: BLUE, weight: 950 },
      { targetGroupArn: GREEN, weight: 50 },
    ];
    await rules(elb).setForwardWeights(RULE, weights);
    await rules(elb).setForwardWeights(LISTENER, weights);
    const forward = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE, Weight: 950 },
          { TargetGroupArn: GREEN, Weight: 50 },
        ],
      },
    };
    const modifyRule = elb.commandCalls(ModifyRuleCommand);
    expect(modifyRule).toHaveLength(2);
    expect(modifyRule[1]?.args[0].input).toEqual({ RuleArn: RULE, Actions: [{ ...forward, Order: 1 }] });
    expect(elb.commandCalls(ModifyListenerCommand)[0]?.args[0].input).toEqual({
      ListenerArn: LISTENER,
      DefaultActions: [forward],
    });
  });
});

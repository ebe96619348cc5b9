import {
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { type Pacer, PacingDeadlineError } from '../../../lib/ecs/pacer';
import {
  createElbCaller,
  ELB_DESCRIBE_RATE,
  ELB_DESCRIBE_SCHEDULER_RATE,
  ELB_DESCRIBE_SHARED_RATE,
} from '../../../lib/elb/calls';
import { createElbGateway } from '../../../lib/elb/gateway';
import { ACTIONS_KEPT_MS, createListenerRules } from '../../../lib/elb/rules';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/a/00000000000000aa';
const BLUE = TG;
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/g/00000000000000cc';
const RULE =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/lb/0000000000000001/0000000000000002/0000000000000003';

/** A pacer that records each reservation (count, deadline) and can refuse past a deadline. */
const recordingPacer = (roomInMs = 0, now: () => number = () => 0) => {
  const reserved: Array<{ count: number; deadline: number | undefined }> = [];
  let exhausted = 0;
  const pacer: Pacer = {
    async reserve(count, deadline) {
      if (deadline !== undefined && now() + roomInMs > deadline) throw new PacingDeadlineError(roomInMs);
      reserved.push({ count, deadline });
    },
    async charge() {},
    exhausted() {
      exhausted++;
    },
  };
  return { pacer, reserved, exhausted: () => exhausted };
};

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });

describe("ELB's Describe* budget, split", () => {
  it('gives the scheduler and everyone else shares that add up to the published bucket', () => {
    expect(ELB_DESCRIBE_RATE).toEqual({ burst: 40, perSecond: 10 });
    expect(ELB_DESCRIBE_SCHEDULER_RATE.burst + ELB_DESCRIBE_SHARED_RATE.burst).toBe(40);
    expect(ELB_DESCRIBE_SCHEDULER_RATE.perSecond + ELB_DESCRIBE_SHARED_RATE.perSecond).toBe(10);
    // The store's share must cost whole milliseconds a token (lib/ecs/pacer.ts).
    expect(Number.isInteger(1000 / ELB_DESCRIBE_SHARED_RATE.perSecond)).toBe(true);
  });
});

describe('createElbCaller', () => {
  it('paces each Describe* attempt, a throttle empties the pacer, and mutating actions are not paced', async () => {
    const { pacer, reserved, exhausted } = recordingPacer();
    const call = createElbCaller({ describePacer: pacer, sleep: async () => {}, now: () => 1_000 });
    let attempts = 0;
    const answer = await call('DescribeTargetHealth', async () => {
      attempts++;
      if (attempts === 1) throw throttled();
      return 'read';
    });
    expect(answer).toBe('read');
    // Two attempts, two tokens, each waiting no longer than MAX_ROOM_WAIT_MS (5 s) from now.
    expect(reserved).toEqual([
      { count: 1, deadline: 6_000 },
      { count: 1, deadline: 6_000 },
    ]);
    expect(exhausted()).toBe(1);
    await call('RegisterTargets', async () => 'written');
    expect(reserved).toHaveLength(2);
  });

  it("ends a wait for room at the caller's deadline when that comes first, and throws PacingDeadlineError past it", async () => {
    const { pacer, reserved } = recordingPacer(3_000, () => 1_000);
    const call = createElbCaller({ describePacer: pacer, now: () => 1_000 });
    let sent = 0;
    const send = async () => {
      sent++;
      return 'read';
    };
    await expect(call('DescribeRules', send, 2_000)).rejects.toBeInstanceOf(PacingDeadlineError);
    expect(sent).toBe(0);
    await call('DescribeRules', send, 10_000);
    expect(reserved).toEqual([{ count: 1, deadline: 6_000 }]);
    expect(sent).toBe(1);
  });

  it('without a pacer sends at once', async () => {
    const call = createElbCaller();
    expect(await call('DescribeRules', async () => 'read')).toBe('read');
  });
});

describe('the gateway and the listener rules spend the pacer', () => {
  it('a DescribeTargetHealth reserves a token; a RegisterTargets does not', async () => {
    const elb = mockClient(ElasticLoadBalancingV2Client);
    elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    elb.on(RegisterTargetsCommand).resolves({});
    const { pacer, reserved } = recordingPacer();
    const gateway = createElbGateway({
      client: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      describePacer: pacer,
      now: () => 0,
    });
    await gateway.describeTargetHealth(TG, undefined, { deadline: 2_000 });
    await gateway.registerTargets([{ targetGroupArn: TG, target: { id: '10.0.0.1', port: 80 } }]);
    expect(reserved).toEqual([{ count: 1, deadline: 2_000 }]);
    elb.restore();
  });

  it('sets a rule it read within ACTIONS_KEPT_MS without reading it again, and reads it after', async () => {
    const elb = mockClient(ElasticLoadBalancingV2Client);
    elb.on(DescribeRulesCommand).resolves({
      Rules: [{ RuleArn: RULE, Actions: [{ Type: 'forward', TargetGroupArn: BLUE, Order: 1 }] }],
    });
    elb.on(ModifyRuleCommand).callsFake((input: { Actions: unknown }) => ({
      Rules: [{ RuleArn: RULE, Actions: input.Actions }],
    }));
    let now = 0;
    const { pacer, reserved } = recordingPacer();
    const rules = createListenerRules({
      client: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      describePacer: pacer,
      now: () => now,
    });
    expect((await rules.readRules([RULE]))[RULE]?.weights).toEqual({ [BLUE]: 1 });
    const canary = [
      { targetGroupArn: BLUE, weight: 950 },
      { targetGroupArn: GREEN, weight: 50 },
    ];
    await rules.setForwardWeights(RULE, canary);
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(1);
    // The rule's other members (the action's Order) kept from the read.
    expect(elb.commandCalls(ModifyRuleCommand)[0]?.args[0].input.Actions?.[0]?.Order).toBe(1);
    // What ModifyRule answered is kept too: the next step sets without a read.
    now += ACTIONS_KEPT_MS - 1;
    await rules.setForwardWeights(RULE, [{ targetGroupArn: GREEN, weight: 1 }]);
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(1);
    now += ACTIONS_KEPT_MS;
    await rules.setForwardWeights(RULE, canary);
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(2);
    expect(reserved).toHaveLength(2);
    elb.restore();
  });

  it('sets a rule with the actions it is given without reading it, and answers the actions set', async () => {
    const elb = mockClient(ElasticLoadBalancingV2Client);
    elb.on(ModifyRuleCommand).callsFake((input: { Actions: unknown }) => ({
      Rules: [{ RuleArn: RULE, Actions: input.Actions }],
    }));
    const rules = createListenerRules({ client: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }) });
    const set = await rules.setForwardWeights(RULE, [{ targetGroupArn: BLUE, weight: 1 }], {
      actions: [
        { Type: 'authenticate-oidc', Order: 1 },
        { Type: 'forward', TargetGroupArn: GREEN, Order: 2 },
      ],
    });
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(0);
    expect(set).toEqual([
      { Type: 'authenticate-oidc', Order: 1 },
      { Type: 'forward', Order: 2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 1 }] } },
    ]);
    elb.restore();
  });

  it('reads a rule again after a ModifyRule that failed: it may or may not have changed it', async () => {
    const elb = mockClient(ElasticLoadBalancingV2Client);
    elb.on(DescribeRulesCommand).resolves({
      Rules: [{ RuleArn: RULE, Actions: [{ Type: 'forward', TargetGroupArn: BLUE }] }],
    });
    const refused = Object.assign(new Error('no'), { name: 'ValidationError' });
    elb.on(ModifyRuleCommand).rejectsOnce(refused).resolves({});
    const rules = createListenerRules({ client: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }) });
    await rules.readRules([RULE]);
    await expect(rules.setForwardWeights(RULE, [{ targetGroupArn: GREEN, weight: 1 }])).rejects.toThrow('no');
    await rules.setForwardWeights(RULE, [{ targetGroupArn: GREEN, weight: 1 }]);
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(2);
    elb.restore();
  });
});

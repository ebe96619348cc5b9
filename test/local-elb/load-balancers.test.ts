import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ElbHarness, failure, startElbHarness } from './helpers';

let h: ElbHarness;
beforeEach(async () => {
  h = await startElbHarness({ balancerQuotas: { maxRules: 3, maxLoadBalancers: 2 } });
});
afterEach(() => h.close());

const targetGroup = async (name: string, protocol: 'HTTP' | 'TCP' = 'HTTP') =>
  (
    await h.client.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: protocol,
        Port: 80,
        TargetType: 'ip',
        VpcId: 'vpc-1',
      }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;

const loadBalancer = async (name = 'web') =>
  (await h.client.send(new CreateLoadBalancerCommand({ Name: name }))).LoadBalancers![0]!.LoadBalancerArn!;

const listener = async (loadBalancerArn: string, targetGroupArn: string, port = 80) =>
  (
    await h.client.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: port,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    )
  ).Listeners![0]!;

const weighted = (blue: string, green: string, blueWeight: number, greenWeight: number) => [
  {
    Type: 'forward' as const,
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: blue, Weight: blueWeight },
        { TargetGroupArn: green, Weight: greenWeight },
      ],
    },
  },
];

const pathRule = (listenerArn: string, priority: number, actions: ReturnType<typeof weighted>) =>
  new CreateRuleCommand({
    ListenerArn: listenerArn,
    Priority: priority,
    Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
    Actions: actions,
  });

describe('load balancers', () => {
  it('creates an active application load balancer with ARNs, DNS name and zones as the service shows them', async () => {
    const created = (await h.client.send(new CreateLoadBalancerCommand({ Name: 'web', Scheme: 'internal' })))
      .LoadBalancers![0]!;
    expect(created.LoadBalancerArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/web\/[0-9a-f]{16}$/,
    );
    expect(created).toMatchObject({
      LoadBalancerName: 'web',
      Type: 'application',
      Scheme: 'internal',
      State: { Code: 'active' },
      IpAddressType: 'ipv4',
    });
    expect(created.DNSName).toMatch(/^internal-web-\d+\.us-east-1\.elb\.amazonaws\.com$/);
    expect(created.CreatedTime).toBeInstanceOf(Date);
    expect(created.AvailabilityZones?.map((zone) => zone.ZoneName)).toEqual(['us-east-1a', 'us-east-1b']);
    // The same request again is the same load balancer; other settings under that name are a conflict.
    const again = await h.client.send(new CreateLoadBalancerCommand({ Name: 'web', Scheme: 'internal' }));
    expect(again.LoadBalancers![0]!.LoadBalancerArn).toBe(created.LoadBalancerArn);
    expect((await failure(h.client.send(new CreateLoadBalancerCommand({ Name: 'web' })))).code).toBe(
      'DuplicateLoadBalancerName',
    );
    const described = await h.client.send(new DescribeLoadBalancersCommand({ Names: ['web'] }));
    expect(described.LoadBalancers).toEqual([created]);
  });

  it('refuses bad names, one subnet, other types, and a load balancer past the quota', async () => {
    expect((await failure(h.client.send(new CreateLoadBalancerCommand({ Name: '-web' })))).code).toBe(
      'ValidationError',
    );
    expect((await failure(h.client.send(new CreateLoadBalancerCommand({ Name: 'internal-web' })))).code).toBe(
      'ValidationError',
    );
    expect(
      (await failure(h.client.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: ['subnet-1'] }))))
        .code,
    ).toBe('ValidationError');
    expect(
      (await failure(h.client.send(new CreateLoadBalancerCommand({ Name: 'nlb', Type: 'network' })))).code,
    ).toBe('InvalidConfigurationRequest');
    await loadBalancer('one');
    await loadBalancer('two');
    expect((await failure(loadBalancer('three'))).code).toBe('TooManyLoadBalancers');
    expect(
      (
        await failure(
          h.client.send(
            new DescribeLoadBalancersCommand({
              LoadBalancerArns: [
                'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/none/0123456789abcdef',
              ],
            }),
          ),
        )
      ).code,
    ).toBe('LoadBalancerNotFound');
  });

  it('deletes its listeners and rules with it, and frees its target groups', async () => {
    const blue = await targetGroup('blue');
    const arn = await loadBalancer();
    const created = await listener(arn, blue);
    await h.client.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    expect(
      (await failure(h.client.send(new DescribeListenersCommand({ ListenerArns: [created.ListenerArn!] }))))
        .code,
    ).toBe('ListenerNotFound');
    await h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: blue }));
    // Deleting it again succeeds, as the reference says.
    await h.client.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  });
});

describe('listeners', () => {
  it('forwards to one target group by default, shown as TargetGroupArn and a ForwardConfig of weight 1', async () => {
    const blue = await targetGroup('blue');
    const arn = await loadBalancer();
    const created = await listener(arn, blue);
    expect(created.ListenerArn).toMatch(
      new RegExp(`^${arn.replace(':loadbalancer/', ':listener/')}/[0-9a-f]{16}$`),
    );
    expect(created.DefaultActions).toEqual([
      {
        Type: 'forward',
        TargetGroupArn: blue,
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ]);
    const groups = await h.client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: arn }));
    expect(groups.TargetGroups?.map((group) => [group.TargetGroupArn, group.LoadBalancerArns])).toEqual([
      [blue, [arn]],
    ]);
    expect((await failure(h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: blue })))).code).toBe(
      'ResourceInUse',
    );
    const rules = await h.client.send(new DescribeRulesCommand({ ListenerArn: created.ListenerArn! }));
    expect(rules.Rules).toEqual([
      {
        RuleArn: expect.stringMatching(/:listener-rule\/app\/web\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/),
        Priority: 'default',
        Conditions: [],
        Actions: created.DefaultActions,
        IsDefault: true,
      },
    ]);
  });

  it('moves weights with ModifyListener, and refuses a weight outside 0-999 or a second listener on the port', async () => {
    const [blue, green] = [await targetGroup('blue'), await targetGroup('green')];
    const arn = await loadBalancer();
    const created = await listener(arn, blue);
    const modified = await h.client.send(
      new ModifyListenerCommand({
        ListenerArn: created.ListenerArn!,
        DefaultActions: weighted(blue, green, 0, 999),
      }),
    );
    expect(modified.Listeners![0]!.DefaultActions![0]!.ForwardConfig!.TargetGroups).toEqual([
      { TargetGroupArn: blue, Weight: 0 },
      { TargetGroupArn: green, Weight: 999 },
    ]);
    expect(modified.Listeners![0]!.DefaultActions![0]!.TargetGroupArn).toBeUndefined();
    const tooHeavy = await failure(
      h.client.send(
        new ModifyListenerCommand({
          ListenerArn: created.ListenerArn!,
          DefaultActions: weighted(blue, green, 1000, 0),
        }),
      ),
    );
    expect(tooHeavy.code).toBe('ValidationError');
    expect(tooHeavy.message).toMatch(/Member must have value less than or equal to 999/);
    expect((await failure(listener(arn, green))).code).toBe('DuplicateListener');
    // The same listener again is the same listener.
    const other = await listener(arn, green, 8080);
    expect((await listener(arn, green, 8080)).ListenerArn).toBe(other.ListenerArn);
    expect(
      (await failure(h.client.send(new ModifyListenerCommand({ ListenerArn: other.ListenerArn!, Port: 80 }))))
        .code,
    ).toBe('DuplicateListener');
  });

  it('refuses a target group of another load balancer, a TCP one, an unknown one, and an unknown load balancer', async () => {
    const [blue, tcp] = [await targetGroup('blue'), await targetGroup('tcp', 'TCP')];
    const [one, two] = [await loadBalancer('one'), await loadBalancer('two')];
    await listener(one, blue);
    expect((await failure(listener(two, blue))).code).toBe('TargetGroupAssociationLimit');
    expect((await failure(listener(two, tcp))).code).toBe('IncompatibleProtocols');
    expect((await failure(listener(two, blue.replace(/[0-9a-f]{16}$/, '0000000000000000')))).code).toBe(
      'TargetGroupNotFound',
    );
    expect((await failure(listener(one.replace(/[0-9a-f]{16}$/, '0000000000000000'), blue, 81))).code).toBe(
      'LoadBalancerNotFound',
    );
    const unknown = `${one.replace(':loadbalancer/', ':listener/')}/0000000000000000`;
    expect((await failure(h.client.send(new DeleteListenerCommand({ ListenerArn: unknown })))).code).toBe(
      'ListenerNotFound',
    );
  });
});

describe('rules', () => {
  it('creates a weighted rule with conditions, lists rules by priority with the default last, and shifts its weights', async () => {
    const [blue, green] = [await targetGroup('blue'), await targetGroup('green')];
    const created = await listener(await loadBalancer(), blue);
    const listenerArn = created.ListenerArn!;
    const rule = (await h.client.send(pathRule(listenerArn, 20, weighted(blue, green, 90, 10)))).Rules![0]!;
    const header = (
      await h.client.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 5,
          Conditions: [
            { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['1'] } },
            { Field: 'host-header', Values: ['test.example.com'] },
          ],
          Actions: [{ Type: 'forward', TargetGroupArn: green }],
        }),
      )
    ).Rules![0]!;
    expect(header.Conditions).toEqual([
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['1'] } },
      {
        Field: 'host-header',
        Values: ['test.example.com'],
        HostHeaderConfig: { Values: ['test.example.com'] },
      },
    ]);
    const listed = await h.client.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    expect(listed.Rules?.map((one) => [one.Priority, one.IsDefault])).toEqual([
      ['5', false],
      ['20', false],
      ['default', true],
    ]);
    const shifted = await h.client.send(
      new ModifyRuleCommand({ RuleArn: rule.RuleArn!, Actions: weighted(blue, green, 0, 100) }),
    );
    expect(shifted.Rules![0]!.Actions![0]!.ForwardConfig!.TargetGroups).toEqual([
      { TargetGroupArn: blue, Weight: 0 },
      { TargetGroupArn: green, Weight: 100 },
    ]);
    expect(shifted.Rules![0]!.Conditions).toEqual(rule.Conditions);
    const paged = await h.client.send(new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: 2 }));
    expect(paged.Rules).toHaveLength(2);
    const rest = await h.client.send(
      new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: 2, Marker: paged.NextMarker! }),
    );
    expect(rest.Rules?.map((one) => one.Priority)).toEqual(['default']);
    expect(rest.NextMarker).toBeUndefined();
  });

  it('answers PriorityInUse, TooManyRules, and OperationNotPermitted for the default rule', async () => {
    const [blue, green] = [await targetGroup('blue'), await targetGroup('green')];
    const listenerArn = (await listener(await loadBalancer(), blue)).ListenerArn!;
    const first = (await h.client.send(pathRule(listenerArn, 1, weighted(blue, green, 1, 1)))).Rules![0]!;
    expect((await failure(h.client.send(pathRule(listenerArn, 1, weighted(blue, green, 1, 1))))).code).toBe(
      'PriorityInUse',
    );
    await h.client.send(pathRule(listenerArn, 2, weighted(blue, green, 1, 1)));
    await h.client.send(pathRule(listenerArn, 3, weighted(blue, green, 1, 1)));
    expect((await failure(h.client.send(pathRule(listenerArn, 4, weighted(blue, green, 1, 1))))).code).toBe(
      'TooManyRules',
    );
    expect(
      (
        await failure(
          h.client.send(
            new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: first.RuleArn!, Priority: 2 }] }),
          ),
        )
      ).code,
    ).toBe('PriorityInUse');
    const defaultRule = (
      await h.client.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))
    ).Rules!.find((one) => one.IsDefault)!;
    expect(
      (await failure(h.client.send(new DeleteRuleCommand({ RuleArn: defaultRule.RuleArn! })))).code,
    ).toBe('OperationNotPermitted');
    expect(
      (
        await failure(
          h.client.send(
            new ModifyRuleCommand({
              RuleArn: defaultRule.RuleArn!,
              Conditions: [{ Field: 'path-pattern', Values: ['/x'] }],
            }),
          ),
        )
      ).code,
    ).toBe('OperationNotPermitted');
    // The default rule's actions are the listener's default actions.
    await h.client.send(
      new ModifyRuleCommand({ RuleArn: defaultRule.RuleArn!, Actions: weighted(blue, green, 3, 7) }),
    );
    const described = await h.client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
    expect(
      described.Listeners![0]!.DefaultActions![0]!.ForwardConfig!.TargetGroups!.map((group) => group.Weight),
    ).toEqual([3, 7]);
    await h.client.send(new DeleteRuleCommand({ RuleArn: first.RuleArn! }));
    expect((await failure(h.client.send(new DeleteRuleCommand({ RuleArn: first.RuleArn! })))).code).toBe(
      'RuleNotFound',
    );
  });

  it('checks forward actions: stickiness needs a duration, a group once, both members naming the same group', async () => {
    const [blue, green] = [await targetGroup('blue'), await targetGroup('green')];
    const listenerArn = (await listener(await loadBalancer(), blue)).ListenerArn!;
    const sticky = await h.client.send(
      pathRule(listenerArn, 1, [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [{ TargetGroupArn: blue, Weight: 5 }],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
          } as never,
        },
      ]),
    );
    expect(sticky.Rules![0]!.Actions![0]).toMatchObject({
      TargetGroupArn: blue,
      ForwardConfig: { TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 } },
    });
    const noDuration = pathRule(listenerArn, 2, [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }],
          TargetGroupStickinessConfig: { Enabled: true },
        } as never,
      },
    ]);
    expect((await failure(h.client.send(noDuration))).code).toBe('ValidationError');
    expect((await failure(h.client.send(pathRule(listenerArn, 2, weighted(blue, blue, 1, 1))))).code).toBe(
      'ValidationError',
    );
    const mismatch = pathRule(listenerArn, 2, [
      {
        Type: 'forward',
        TargetGroupArn: green,
        ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }] },
      } as never,
    ]);
    expect((await failure(h.client.send(mismatch))).code).toBe('ValidationError');
    const noCondition = new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: 9,
      Conditions: [],
      Actions: [{ Type: 'forward', TargetGroupArn: blue }],
    });
    expect((await failure(h.client.send(noCondition))).code).toBe('ValidationError');
  });
});

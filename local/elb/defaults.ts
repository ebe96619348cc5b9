import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  type CreateTargetGroupCommandInput,
  DescribeRulesCommand,
  type ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/** The walkthrough's target group: HTTP on port 80, ip targets, quick checks and a short drain. */
export const defaultWebTargetGroup = {
  name: 'default-web',
  intervalSeconds: 5,
  healthyThreshold: 2,
  deregistrationDelaySeconds: 5,
};

/**
 * Creates an ip target group (HTTP on port 80 unless `input` says otherwise) through the endpoint's own API
 * and sets how long it drains; returns its ARN. CreateTargetGroup is idempotent for the same settings.
 */
export const createIpTargetGroup = async (
  client: ElasticLoadBalancingV2Client,
  input: Partial<CreateTargetGroupCommandInput> & { Name: string },
  deregistrationDelaySeconds: number,
): Promise<string> => {
  const created = await client.send(
    new CreateTargetGroupCommand({ Protocol: 'HTTP', Port: 80, TargetType: 'ip', ...input }),
  );
  const arn = created.TargetGroups?.[0]?.TargetGroupArn;
  if (!arn) throw new Error('local ELB: CreateTargetGroup returned no target group');
  await client.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: arn,
      Attributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: String(deregistrationDelaySeconds) },
      ],
    }),
  );
  return arn;
};

/** Creates `default-web` through the endpoint's own API (idempotent, as CreateTargetGroup is); returns its ARN. */
export const createDefaultWebTargetGroup = (client: ElasticLoadBalancingV2Client): Promise<string> =>
  createIpTargetGroup(
    client,
    {
      Name: defaultWebTargetGroup.name,
      HealthCheckIntervalSeconds: defaultWebTargetGroup.intervalSeconds,
      HealthyThresholdCount: defaultWebTargetGroup.healthyThreshold,
    },
    defaultWebTargetGroup.deregistrationDelaySeconds,
  );

/** The walkthrough's Application Load Balancer: production on port 80, test traffic on port 8080. */
export const defaultAlb = {
  name: 'default-alb',
  greenTargetGroup: 'default-web-green',
  productionPort: 80,
  testPort: 8080,
};

export interface DefaultAlb {
  loadBalancerArn: string;
  /** `default-web` and `default-web-green`. */
  targetGroupArn: string;
  greenTargetGroupArn: string;
  productionListenerArn: string;
  testListenerArn: string;
  /** The listeners' default rules, whose forward weights a blue/green, canary or linear deployment moves. */
  productionRuleArn: string;
  testRuleArn: string;
}

/**
 * Creates `default-web-green` (as `default-web`) and `default-alb` with a production listener (port 80:
 * `default-web` weight 100, `default-web-green` 0) and a test listener (port 8080: the other way round),
 * through the endpoint's own API; `targetGroupArn` is `default-web`'s.
 */
export const createDefaultAlb = async (
  client: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
): Promise<DefaultAlb> => {
  const greenTargetGroupArn = await createIpTargetGroup(
    client,
    {
      Name: defaultAlb.greenTargetGroup,
      HealthCheckIntervalSeconds: defaultWebTargetGroup.intervalSeconds,
      HealthyThresholdCount: defaultWebTargetGroup.healthyThreshold,
    },
    defaultWebTargetGroup.deregistrationDelaySeconds,
  );
  const balancer = await client.send(new CreateLoadBalancerCommand({ Name: defaultAlb.name }));
  const loadBalancerArn = balancer.LoadBalancers?.[0]?.LoadBalancerArn;
  if (!loadBalancerArn) throw new Error('local ELB: CreateLoadBalancer returned no load balancer');
  const listener = async (port: number, blueWeight: number) => {
    const created = await client.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: port,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: targetGroupArn, Weight: blueWeight },
                { TargetGroupArn: greenTargetGroupArn, Weight: 100 - blueWeight },
              ],
            },
          },
        ],
      }),
    );
    const listenerArn = created.Listeners?.[0]?.ListenerArn;
    if (!listenerArn) throw new Error('local ELB: CreateListener returned no listener');
    const rules = await client.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    const ruleArn = rules.Rules?.find((rule) => rule.IsDefault)?.RuleArn;
    if (!ruleArn) throw new Error('local ELB: a listener has no default rule');
    return { listenerArn, ruleArn };
  };
  const production = await listener(defaultAlb.productionPort, 100);
  const test = await listener(defaultAlb.testPort, 0);
  return {
    loadBalancerArn,
    targetGroupArn,
    greenTargetGroupArn,
    productionListenerArn: production.listenerArn,
    testListenerArn: test.listenerArn,
    productionRuleArn: production.ruleArn,
    testRuleArn: test.ruleArn,
  };
};

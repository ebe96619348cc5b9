/**
 * Traffic-shift tests' shared set-up against the local ELB endpoint: two IP target groups behind an
 * Application Load Balancer whose production rule forwards to the first, a canary service's request
 * body over them, and the share of production the rule gives the second group.
 */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  DescribeRulesCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { expect } from 'vitest';
import { createIpTargetGroup } from './elb';

export interface CanaryGroups {
  blue: string;
  green: string;
  listenerArn: string;
  /** The production rule: a path rule (priority 1), or with `defaultRule` the listener's default rule. */
  ruleArn: string;
}

/**
 * `<prefix>-blue` and `<prefix>-green` behind the ALB `<prefix>-alb`, production forwarding all to blue
 * through a `/*` rule, or with `defaultRule` through the listener's default action.
 */
export const createCanaryGroups = async (
  elb: ElasticLoadBalancingV2Client,
  prefix: string,
  { defaultRule = false }: { defaultRule?: boolean } = {},
): Promise<CanaryGroups> => {
  const blue = await createIpTargetGroup(elb, { Name: `${prefix}-blue` }, 0);
  const green = await createIpTargetGroup(elb, { Name: `${prefix}-green` }, 0);
  const toBlue = {
    Type: 'forward' as const,
    ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }] },
  };
  const alb = await elb.send(new CreateLoadBalancerCommand({ Name: `${prefix}-alb`, Type: 'application' }));
  const listener = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: alb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: defaultRule
        ? [toBlue]
        : [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
    }),
  );
  const listenerArn = listener.Listeners?.[0]?.ListenerArn as string;
  const ruleArn = defaultRule
    ? ((await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules?.find(
        (r) => r.IsDefault,
      )?.RuleArn as string)
    : ((
        await elb.send(
          new CreateRuleCommand({
            ListenerArn: listenerArn,
            Priority: 1,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
            Actions: [toBlue],
          }),
        )
      ).Rules?.[0]?.RuleArn as string);
  return { blue, green, listenerArn, ruleArn };
};

/** The percentage of the rule's forward weight on `green`. */
export const greenShare = async (
  elb: ElasticLoadBalancingV2Client,
  ruleArn: string,
  green: string,
): Promise<number> => {
  const rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules?.[0];
  const groups = rule?.Actions?.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroups ?? [];
  const total = groups.reduce((sum, g) => sum + (g.Weight ?? 0), 0);
  return ((groups.find((g) => g.TargetGroupArn === green)?.Weight ?? 0) * 100) / total;
};

type Api = { post(path: string, body: unknown): Promise<{ status: number; body: unknown }> };

/**
 * Registers `family` once per image (one container, `app`, on port 8080) and creates `serviceName` on
 * its first revision as a CANARY (10 %, no bake, minReadySeconds 0, with `deploymentConfiguration`
 * on top) over `groups`. Fails the test unless everything is created.
 */
export const createCanaryService = async (
  api: Api,
  {
    serviceName,
    images,
    groups,
    desiredCount = 2,
    deploymentConfiguration = {},
  }: {
    serviceName: string;
    images: string[];
    groups: Pick<CanaryGroups, 'blue' | 'green' | 'ruleArn'>;
    desiredCount?: number;
    deploymentConfiguration?: Record<string, unknown>;
  },
): Promise<void> => {
  for (const image of images) {
    const registered = await api.post('/task-definitions', {
      family: serviceName,
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }] }],
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  }
  const created = await api.post('/clusters/default/services', {
    serviceName,
    taskDefinition: `${serviceName}:1`,
    desiredCount,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: {
      minReadySeconds: 0,
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 0 },
      bakeTimeInMinutes: 0,
      ...deploymentConfiguration,
    },
    loadBalancers: [
      {
        targetGroupArn: groups.blue,
        containerName: 'app',
        containerPort: 8080,
        advancedConfiguration: {
          alternateTargetGroupArn: groups.green,
          productionListenerRule: groups.ruleArn,
        },
      },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
};

/**
 * A CANARY deploy through the HTTP API against the local stack's own Application Load Balancer: the
 * production rule's weights, read with DescribeRules, move 0 -> canaryPercent -> 100, and an alarm
 * rollback puts them back.
 *
 * The second deploy's image answers 20 % errors: analysis judges the first whole minute of canary traffic
 * (read from the local load balancer's AWS/ApplicationELB figures) and rolls back.
 */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { expect, it } from 'vitest';
import { createIpTargetGroup } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'fast', reconcileIntervalMs: 1_000, contract: true });

const greenShare = async (ruleArn: string, green: string): Promise<number> => {
  const rule = (await local.elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules?.[0];
  const groups = rule?.Actions?.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroups ?? [];
  const total = groups.reduce((sum, g) => sum + (g.Weight ?? 0), 0);
  return ((groups.find((g) => g.TargetGroupArn === green)?.Weight ?? 0) * 100) / total;
};

it('a canary deploy moves the production rule 10 % then 100 % (DescribeRules), then the groups swap', async () => {
  const blue = await createIpTargetGroup(local.elb, { Name: 'e2e-blue' }, 0);
  const green = await createIpTargetGroup(local.elb, { Name: 'e2e-green' }, 0);
  const alb = await local.elb.send(
    new CreateLoadBalancerCommand({
      Name: 'e2e-alb',
      Type: 'application',
    }),
  );
  const listener = await local.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: alb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
    }),
  );
  const rule = await local.elb.send(
    new CreateRuleCommand({
      ListenerArn: listener.Listeners?.[0]?.ListenerArn,
      Priority: 1,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }] } }],
    }),
  );
  const ruleArn = rule.Rules?.[0]?.RuleArn as string;
  for (const image of ['nginx:1', 'nginx:2'])
    await local.api.post('/task-definitions', {
      family: 'e2e-canary',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }] }],
    });
  const created = await local.api.post('/clusters/default/services', {
    serviceName: 'e2e-canary',
    taskDefinition: 'e2e-canary:1',
    desiredCount: 2,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: {
      minReadySeconds: 0,
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 0 },
      bakeTimeInMinutes: 0,
    },
    loadBalancers: [
      {
        targetGroupArn: blue,
        containerName: 'app',
        containerPort: 8080,
        advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: ruleArn },
      },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const state = async () => (await local.api.get('/clusters/default/services/e2e-canary')).body;
  await eventually('the first deployment COMPLETED', async () =>
    (await state()).deployments[0].rolloutState === 'COMPLETED' ? true : undefined,
  );
  await local.api.patch('/clusters/default/services/e2e-canary', { taskDefinition: 'e2e-canary:2' });
  const seen: number[] = [];
  await eventually(
    'the canary COMPLETED',
    async () => {
      const share = await greenShare(ruleArn, green);
      if (seen.at(-1) !== share) seen.push(share);
      return (await state()).deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  expect(seen).toEqual(expect.arrayContaining([10, 100]));
  expect((await state()).servingTargetGroups).toEqual({ [blue]: green });
}, 180_000);

it('a canary answering 20 % errors rolls back on analysis: weight 0 on the new group, FAILED with the figures', async () => {
  const blue = await createIpTargetGroup(local.elb, { Name: 'e2e-a-blue' }, 0);
  const green = await createIpTargetGroup(local.elb, { Name: 'e2e-a-green' }, 0);
  const alb = await local.elb.send(new CreateLoadBalancerCommand({ Name: 'e2e-a-alb', Type: 'application' }));
  const listener = await local.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: alb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [
        { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }] } },
      ],
    }),
  );
  const listenerArn = listener.Listeners?.[0]?.ListenerArn as string;
  const rules = await local.elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
  const ruleArn = rules.Rules?.find((r) => r.IsDefault)?.RuleArn as string;
  for (const image of ['nginx:1', 'nginx:errors20'])
    await local.api.post('/task-definitions', {
      family: 'e2e-analysis',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }] }],
    });
  const created = await local.api.post('/clusters/default/services', {
    serviceName: 'e2e-analysis',
    taskDefinition: 'e2e-analysis:1',
    desiredCount: 2,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: {
      minReadySeconds: 0,
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 50, canaryBakeTimeInMinutes: 10 },
      bakeTimeInMinutes: 0,
      analysis: { maxErrorRatePercent: 1, minimumRequests: 10 },
    },
    loadBalancers: [
      {
        targetGroupArn: blue,
        containerName: 'app',
        containerPort: 8080,
        advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: ruleArn },
      },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const state = async () => (await local.api.get('/clusters/default/services/e2e-analysis')).body;
  await eventually('the first deployment COMPLETED', async () =>
    (await state()).deployments[0].rolloutState === 'COMPLETED' ? true : undefined,
  );
  const traffic = await fetch(`${local.stack.elbUrl}/__local/traffic`, {
    method: 'POST',
    body: JSON.stringify({ listenerArn, requestsPerSecond: 50 }),
  });
  expect(traffic.status).toBe(200);
  await local.api.patch('/clusters/default/services/e2e-analysis', { taskDefinition: 'e2e-analysis:2' });
  await eventually('the canary took production traffic', async () =>
    (await greenShare(ruleArn, green)) === 50 ? true : undefined,
  );
  // The first whole minute of canary traffic is judged: 20 % errors against a bound of 1 %.
  const failed = await eventually(
    'the canary FAILED on analysis',
    async () => {
      const body = await state();
      const canary = body.deployments.find((d: { taskDefinition: string }) =>
        d.taskDefinition.endsWith(':2'),
      );
      return canary?.rolloutState === 'FAILED' ? canary : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
  expect(failed.rolloutStateReason).toMatch(/analysis failed/);
  expect(failed.analysis.intervals.at(-1)).toMatchObject({ verdict: 'FAIL' });
  expect(await greenShare(ruleArn, green)).toBe(0);
}, 240_000);

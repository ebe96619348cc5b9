import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack';

const local = useTestStack({ timing: 'virtual' });

describe('the local stack', () => {
  it('serves ELB at AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 with the default-web target group', async () => {
    expect(process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2).toBe(local.stack.elbUrl);
    // No endpoint given: the SDK finds it through the environment, as the handlers will.
    const elb = new ElasticLoadBalancingV2Client({});
    const [group] =
      (await elb.send(new DescribeTargetGroupsCommand({ Names: ['default-web'] }))).TargetGroups ?? [];
    expect(group).toMatchObject({
      TargetGroupArn: local.stack.defaultTargetGroupArn,
      Protocol: 'HTTP',
      Port: 80,
      TargetType: 'ip',
      HealthCheckIntervalSeconds: 5,
      HealthyThresholdCount: 2,
    });
    const attributes = await elb.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: local.stack.defaultTargetGroupArn }),
    );
    expect(attributes.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '5' });
    elb.destroy();
  });

  it('runs health checks on the ECS endpoint clock (virtual here)', async () => {
    const ecs = new ECSClient({ endpoint: local.stack.ecsUrl });
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        cpu: '256',
        memory: '512',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image: 'nginx:1.27', essential: true }],
      }),
    );
    const run = await ecs.send(
      new RunTaskCommand({
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      }),
    );
    const address = run.tasks?.[0]?.attachments?.[0]?.details?.find(
      (detail) => detail.name === 'privateIPv4Address',
    )?.value;
    local.stack.ecs.ecs.advance(2000);
    const elb = new ElasticLoadBalancingV2Client({ endpoint: local.stack.elbUrl });
    const arn = local.stack.defaultTargetGroupArn;
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: address }] }));
    const state = async () =>
      (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions?.[0]
        ?.TargetHealth?.State;
    expect(await state()).toBe('initial');
    local.stack.ecs.ecs.advance(10_000);
    expect(await state()).toBe('healthy');
    elb.destroy();
    ecs.destroy();
  });

  it('creates default-alb: production on port 80 to default-web, test on port 8080 to default-web-green', async () => {
    const elb = new ElasticLoadBalancingV2Client({ endpoint: local.stack.elbUrl });
    const alb = local.stack.defaultAlb;
    const [balancer] =
      (await elb.send(new DescribeLoadBalancersCommand({ Names: ['default-alb'] }))).LoadBalancers ?? [];
    expect(balancer).toMatchObject({ LoadBalancerArn: alb.loadBalancerArn, Type: 'application' });
    const listeners = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: alb.loadBalancerArn }));
    expect(listeners.Listeners?.map((listener) => [listener.ListenerArn, listener.Port])).toEqual([
      [alb.productionListenerArn, 80],
      [alb.testListenerArn, 8080],
    ]);
    const weights = async (listenerArn: string, ruleArn: string) => {
      const [rule] = (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? [];
      expect(rule?.RuleArn).toBe(ruleArn);
      return rule?.Actions?.[0]?.ForwardConfig?.TargetGroups?.map((group) => [
        group.TargetGroupArn,
        group.Weight,
      ]);
    };
    expect(await weights(alb.productionListenerArn, alb.productionRuleArn)).toEqual([
      [local.stack.defaultTargetGroupArn, 100],
      [alb.greenTargetGroupArn, 0],
    ]);
    expect(await weights(alb.testListenerArn, alb.testRuleArn)).toEqual([
      [local.stack.defaultTargetGroupArn, 0],
      [alb.greenTargetGroupArn, 100],
    ]);
    const groups = await elb.send(
      new DescribeTargetGroupsCommand({ Names: ['default-web', 'default-web-green'] }),
    );
    expect(groups.TargetGroups?.map((group) => group.LoadBalancerArns)).toEqual([
      [alb.loadBalancerArn],
      [alb.loadBalancerArn],
    ]);
    elb.destroy();
  });

  it("reports the production listener's traffic to the stack's CloudWatch as AWS/ApplicationELB metrics", async () => {
    const alb = local.stack.defaultAlb;
    const response = await fetch(`${local.stack.elbUrl}/__local/traffic`, {
      method: 'POST',
      body: JSON.stringify({ listenerArn: alb.productionListenerArn, requestsPerSecond: 2 }),
    });
    expect(response.status).toBe(200);
    const ecs = local.stack.ecs.ecs;
    const from = Math.ceil(ecs.now() / 60_000) * 60_000;
    ecs.advance(from + 60_000 - ecs.now());
    const cloudWatch = new CloudWatchClient({ endpoint: local.stack.cloudWatchUrl });
    const output = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(from),
        EndTime: new Date(from + 60_000),
        MetricDataQueries: [
          {
            Id: 'elb',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ApplicationELB',
                MetricName: 'RequestCount',
                Dimensions: [
                  { Name: 'LoadBalancer', Value: alb.loadBalancerArn.split(':loadbalancer/')[1]! },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(output.MetricDataResults?.[0]?.Values).toEqual([120]);
    await fetch(`${local.stack.elbUrl}/__local/traffic`, {
      method: 'POST',
      body: JSON.stringify({ listenerArn: alb.productionListenerArn, requestsPerSecond: 0 }),
    });
    cloudWatch.destroy();
  });
});

import {
  CreateTargetGroupCommand,
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

/** Creates `default-web` through the endpoint's own API (idempotent, as CreateTargetGroup is); returns its ARN. */
export const createDefaultWebTargetGroup = async (client: ElasticLoadBalancingV2Client): Promise<string> => {
  const created = await client.send(
    new CreateTargetGroupCommand({
      Name: defaultWebTargetGroup.name,
      Protocol: 'HTTP',
      Port: 80,
      TargetType: 'ip',
      HealthCheckIntervalSeconds: defaultWebTargetGroup.intervalSeconds,
      HealthyThresholdCount: defaultWebTargetGroup.healthyThreshold,
    }),
  );
  const arn = created.TargetGroups?.[0]?.TargetGroupArn;
  if (!arn) throw new Error('local ELB: CreateTargetGroup returned no target group');
  await client.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: arn,
      Attributes: [
        {
          Key: 'deregistration_delay.timeout_seconds',
          Value: String(defaultWebTargetGroup.deregistrationDelaySeconds),
        },
      ],
    }),
  );
  return arn;
};

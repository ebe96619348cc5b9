import {
  CreateTargetGroupCommand,
  type CreateTargetGroupCommandInput,
  type ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/**
 * An IP target group of the local ELB endpoint, checked every 5 s and healthy after 2 passes, that
 * drains in `deregistrationDelaySeconds`. Returns its ARN.
 */
export const createIpTargetGroup = async (
  elb: ElasticLoadBalancingV2Client,
  input: Partial<CreateTargetGroupCommandInput> & { Name: string },
  deregistrationDelaySeconds: number,
): Promise<string> => {
  const created = await elb.send(
    new CreateTargetGroupCommand({
      Protocol: 'HTTP',
      Port: 80,
      TargetType: 'ip',
      VpcId: 'vpc-1',
      HealthCheckIntervalSeconds: 5,
      HealthyThresholdCount: 2,
      ...input,
    }),
  );
  const targetGroupArn = created.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await elb.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: targetGroupArn,
      Attributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: String(deregistrationDelaySeconds) },
      ],
    }),
  );
  return targetGroupArn;
};

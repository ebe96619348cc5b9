import {
  CreateTargetGroupCommand,
  type CreateTargetGroupCommandInput,
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

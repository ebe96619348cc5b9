import type {
  CreateTargetGroupCommandInput,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createIpTargetGroup as createLocalIpTargetGroup } from '../../local/elb';

/**
 * An IP target group of the local ELB endpoint, checked every 5 s and healthy after 2 passes, that
 * drains in `deregistrationDelaySeconds`. Returns its ARN.
 */
export const createIpTargetGroup = (
  elb: ElasticLoadBalancingV2Client,
  input: Partial<CreateTargetGroupCommandInput> & { Name: string },
  deregistrationDelaySeconds: number,
): Promise<string> =>
  createLocalIpTargetGroup(
    elb,
    { VpcId: 'vpc-1', HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2, ...input },
    deregistrationDelaySeconds,
  );

/**
 * Registers `name` (one container, `app`, on port 8080) and creates a service of `desiredCount` tasks of it
 * behind `targetGroupArn`, with minReadySeconds 0. Fails the test unless both are created.
 */
export const createLoadBalancedService = async (
  api: { post(path: string, body: unknown): Promise<{ status: number }> },
  name: string,
  targetGroupArn: string,
  desiredCount = 2,
): Promise<void> => {
  const registered = await api.post('/task-definitions', {
    family: name,
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: 'nginx:1', portMappings: [{ containerPort: 8080 }] }],
  });
  if (registered.status !== 201) throw new Error(`registering ${name}: HTTP ${registered.status}`);
  const created = await api.post('/clusters/default/services', {
    serviceName: name,
    taskDefinition: name,
    desiredCount,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: { minReadySeconds: 0 },
    loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
  });
  if (created.status !== 201) throw new Error(`creating service ${name}: HTTP ${created.status}`);
};

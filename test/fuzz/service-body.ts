/** What a fuzzed service draw becomes at the API: its task definition and its service (POST bodies). */
import { breakerBody } from './actions';
import { imageOf, type ServiceDraw } from './generators';
import { REQUEST_POLICY } from './requests';
import { queueUrlOf, TASK_CPU } from './scaling';

/** minCapacity 0 only with a policy that sees demand at 0 tasks (here: the queue backlog). */
export const zeroCanComeBack = (draw: ServiceDraw): boolean =>
  draw.autoScaling?.minCapacity !== 0 || draw.autoScaling.queue !== undefined;

export const taskDefinitionBody = (draw: ServiceDraw, family: string) => ({
  family,
  cpu: String(TASK_CPU),
  memory: '512',
  containerDefinitions: [
    {
      name: 'web',
      image: imageOf(draw.image, 1),
      portMappings: [{ containerPort: 80 }],
      ...(draw.healthCheck
        ? {
            healthCheck: {
              command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
              interval: 5,
              retries: 2,
              startPeriod: draw.healthCheck.startPeriod,
            },
          }
        : {}),
    },
  ],
});

const placementOf = (draw: ServiceDraw) => {
  if (draw.placement === 'fargate') return { launchType: 'FARGATE' };
  if (draw.placement === 'spot')
    return { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] };
  return {
    capacityProviderStrategy: [
      { capacityProvider: 'FARGATE', base: 1, weight: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 3 },
    ],
  };
};

const policyOf = (draw: ServiceDraw, targetGroupArn: string | undefined) => {
  if (draw.autoScaling?.queue)
    return { name: 'queue', metric: { queueBacklogPerTask: { queueUrl: queueUrlOf(draw.name) } } };
  if (draw.autoScaling?.requests && targetGroupArn)
    return { name: REQUEST_POLICY, metric: { predefined: 'ALBRequestCountPerTarget', targetGroupArn } };
  return { name: 'cpu', metric: { predefined: 'CPUUtilization' } };
};

export const serviceBody = (draw: ServiceDraw, family: string, targetGroupArn: string | undefined) => ({
  serviceName: draw.name,
  taskDefinition: family,
  desiredCount: draw.desiredCount,
  ...placementOf(draw),
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  deploymentConfiguration: {
    minimumHealthyPercent: draw.minimumHealthyPercent,
    maximumPercent: draw.maximumPercent,
    minReadySeconds: draw.minReadySeconds,
    progressDeadlineSeconds: draw.progressDeadlineSeconds,
    deploymentCircuitBreaker: breakerBody(draw.breaker),
  },
  ...(draw.spotFallback ? { spotFallback: draw.spotFallback } : {}),
  ...(targetGroupArn
    ? {
        loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 80 }],
        healthCheckGracePeriodSeconds: draw.autoScaling?.requests?.gracePeriodSeconds ?? 10,
      }
    : {}),
  ...(draw.autoScaling
    ? {
        autoScaling: {
          minCapacity: draw.autoScaling.minCapacity,
          maxCapacity: draw.autoScaling.maxCapacity,
          targetTracking: [
            {
              ...policyOf(draw, targetGroupArn),
              targetValue: draw.autoScaling.targetValue,
              scaleOutCooldownSeconds: 60,
              scaleInCooldownSeconds: 120,
            },
          ],
        },
      }
    : {}),
});

import { describe, expect, it } from 'vitest';
import openApiDocument from '../../lib/api/openapi.json' with { type: 'json' };
import { buildOpenApiDocument } from '../../lib/api/openapi-document';
import { documentedAnswers } from '../../lib/api/present';
import type { Deployment, Service } from '../../lib/domain';
import { createServiceSchema, updateServiceSchema } from '../../lib/validation/schemas';

type Json = Record<string, unknown>;
const schemas = openApiDocument.components.schemas as unknown as Record<string, { properties: Json }>;

describe('lib/api/openapi.json', () => {
  it('is what the zod schemas generate (after changing a schema, run `npm run openapi`)', () => {
    // Key order matters (present.ts shows an answer's fields in the document's order): compare as text.
    expect(JSON.stringify(openApiDocument, null, 1)).toBe(JSON.stringify(buildOpenApiDocument(), null, 1));
  });

  it('documents every field a service request sets in the service the API answers', () => {
    const settable = [
      ...Object.keys(createServiceSchema().shape),
      ...Object.keys(updateServiceSchema().shape),
    ];
    for (const name of ['Service', 'ServiceDescription', 'CreateServiceRequest']) {
      const documented = Object.keys(schemas[name]!.properties);
      expect(documented, name).toEqual(expect.arrayContaining(Object.keys(createServiceSchema().shape)));
      if (name !== 'CreateServiceRequest') expect(documented, name).toEqual(expect.arrayContaining(settable));
    }
    expect(Object.keys(schemas.UpdateServiceRequest!.properties)).toEqual(
      Object.keys(updateServiceSchema().shape),
    );
  });
});

const DEPLOYMENT_BOOKKEEPING = [
  'consecutiveFailures',
  'backoffUntil',
  'lastProgressAt',
  'launchAttempts',
  'launchRefusals',
  'peakHealthyCount',
  'failuresCountedSince',
];
const without = (value: object, hidden: string[]) =>
  Object.fromEntries(Object.entries(value).filter(([key]) => !hidden.includes(key)));

// Every field of the domain types (Required<>: a new field must be added here, and so be shown or hidden).
const deployment: Required<Deployment> = {
  id: 'd1',
  status: 'PRIMARY',
  taskDefinition: 'web:2',
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: 'COMPLETED',
  rolloutStateReason: 'done',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:01:00.000Z',
  consecutiveFailures: 0,
  backoffUntil: '2026-12-01T00:02:00.000Z',
  lastProgressAt: '2026-12-01T00:01:00.000Z',
  launchAttempts: 2,
  healthyCount: 2,
  peakHealthyCount: 2,
  failuresCountedSince: '2026-12-01T00:00:40.000Z',
  rollbackOf: 'd0',
  adoptsTasksOf: 'd0',
  healthyTargets: 2,
  drainingTargets: 0,
  sourceEventAt: '2026-12-01T00:00:00.000Z',
  principal: 'local',
  launchRefusals: [{ at: '2026-12-01T00:00:30.000Z', count: 1 }],
  tasksByCapacityProvider: { FARGATE: 1, FARGATE_SPOT: 1 },
  spotFallback: {
    active: true,
    since: '2026-12-01T00:01:00.000Z',
    reason: 'FARGATE_SPOT has no capacity',
    failingSince: '2026-12-01T00:00:00.000Z',
    lastSpotFailureAt: '2026-12-01T00:00:30.000Z',
    lastSpotFailure: 'Capacity is unavailable at this time.',
    returningSince: '2026-12-01T00:02:00.000Z',
  },
  analysis: {
    intervals: [
      {
        start: '2026-01-01T00:00:00.000Z',
        end: '2026-01-01T00:01:00.000Z',
        requests: 200,
        errorRatePercent: 5,
        p99LatencyMs: 20,
        verdict: 'FAIL',
        reason: '5xx rate 5% above 1%',
      },
    ],
  },
  trafficShift: {
    strategy: 'CANARY',
    stage: 'PRODUCTION_TRAFFIC_SHIFT',
    stageStartedAt: '2026-12-01T00:01:00.000Z',
    productionPercent: 5,
    routes: [
      {
        targetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef',
        from: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef',
        to: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-green/0123456789abcdef',
        productionListenerRule:
          'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0123456789abcdef/0123456789abcdef/0123456789abcdef',
      },
    ],
    bakeTimeInMinutes: 5,
    canaryPercent: 5,
    canaryBakeTimeInMinutes: 2,
    alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
    approval: {
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      timeoutMinutes: 30,
      onTimeout: 'ROLLBACK',
      pausedAt: '2026-12-01T00:03:00.000Z',
      continuedAt: '2026-12-01T00:04:00.000Z',
      continuedBy: 'arn:aws:iam::000000000000:user/ops',
    },
  },
  stopRequested: { stopType: 'ROLLBACK', at: '2026-12-01T00:05:00.000Z', principal: 'local' },
};
/** The Spot fallback's own bookkeeping stays hidden inside the deployment's spotFallback. */
const shownDeployment = {
  ...without(deployment, DEPLOYMENT_BOOKKEEPING),
  spotFallback: { active: true, since: '2026-12-01T00:01:00.000Z', reason: 'FARGATE_SPOT has no capacity' },
};

const service: Required<Service> = {
  cluster: 'default',
  serviceName: 'web',
  serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/default/web',
  status: 'ACTIVE',
  taskDefinition: 'web:2',
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  launchType: 'FARGATE',
  capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }],
  networkConfiguration: {
    awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], assignPublicIp: 'DISABLED' },
  },
  deploymentConfiguration: {
    minimumHealthyPercent: 100,
    maximumPercent: 200,
    deploymentCircuitBreaker: {
      enable: true,
      rollback: true,
      resetOnHealthyTask: false,
      thresholdConfiguration: { type: 'UNBOUNDED_PERCENT', value: 25 },
    },
    minReadySeconds: 0,
    progressDeadlineSeconds: 600,
  },
  healthCheckGracePeriodSeconds: 0,
  loadBalancers: [
    {
      targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef',
      containerName: 'web',
      containerPort: 8080,
    },
  ],
  autoDeploy: { tagPattern: 'v*', pinDigest: true },
  servingTargetGroups: {
    'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef':
      'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-green/0123456789abcdef',
  },
  spotFallback: { enabled: true, fallbackAfterSeconds: 60, returnAfterSeconds: 900, maxOnDemandPercent: 100 },
  autoScaling: {
    minCapacity: 1,
    maxCapacity: 4,
    targetTracking: [
      {
        name: 'cpu',
        metric: { predefined: 'CPUUtilization' },
        targetValue: 50,
        scaleOutCooldownSeconds: 60,
        scaleInCooldownSeconds: 300,
        disableScaleIn: false,
      },
    ],
    scheduled: [{ name: 'night', schedule: 'cron(0 22 * * ? *)', timezone: 'UTC', maxCapacity: 2 }],
  },
  tags: [{ key: 'team', value: 'web' }],
  deployments: [deployment],
  inflightLaunches: [],
  wakeAt: '2026-12-01T00:05:00.000Z',
  targetGroupHealthChecks: {
    'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef': {
      intervalSeconds: 30,
      healthyThreshold: 5,
      readAt: '2026-12-01T00:01:00.000Z',
    },
  },
  listenerRuleWeights: {
    'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0123456789abcdef/0123456789abcdef/0123456789abcdef':
      {
        weights: {
          'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef': 1,
        },
        at: '2026-12-01T00:01:00.000Z',
      },
  },
  targetHealthReadAt: {
    'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef':
      '2026-12-01T00:01:00.000Z',
  },
  version: 3,
  statusVersion: 9,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:01:00.000Z',
};
const SERVICE_BOOKKEEPING = [
  'inflightLaunches',
  'wakeAt',
  'targetGroupHealthChecks',
  'targetHealthReadAt',
  'listenerRuleWeights',
  'statusVersion',
];

const SERVICE_PATH = '/clusters/{cluster}/services/{serviceName}';

describe('answers shaped by the document', () => {
  const event = { id: 'e1', createdAt: '2026-12-01T00:00:00.000Z', message: 'steady', principal: 'local' };

  it("show every field a service keeps, deployments' too, but the reconciler's bookkeeping", async () => {
    const { present, responseSchema } = await documentedAnswers();
    const expected = {
      ...without(service, SERVICE_BOOKKEEPING),
      deployments: [shownDeployment],
    };
    const described = present(responseSchema('GET', SERVICE_PATH, 200)!, { ...service, events: [event] });
    expect(described).toEqual({ ...expected, events: [event] });
    const listed = present(responseSchema('GET', '/clusters/{cluster}/services', 200)!, { items: [service] });
    expect(listed).toEqual({ items: [expected] });
    // One resource, one key order, whichever route answers it.
    const patched = present(responseSchema('PATCH', SERVICE_PATH, 200)!, service) as Json;
    expect(Object.keys(described as Json)).toEqual([...Object.keys(patched), 'events']);
  });
});

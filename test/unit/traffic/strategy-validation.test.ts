/** Deployment strategies on service create and PATCH: ECS's limits and defaults, and 400s naming the field. */
import { describe, expect, it } from 'vitest';
import {
  type DeploymentConfiguration,
  type LoadBalancer,
  newTrafficShift,
  weightsFor,
} from '../../../lib/domain';
import { ValidationError } from '../../../lib/errors';
import { parseInput } from '../../../lib/validation/parse';
import { createServiceSchema, updateServiceSchema } from '../../../lib/validation/schemas';
import { checkStrategy } from '../../../lib/validation/strategies';

const tg = (name: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`;
const rule =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0123456789abcdef/00000000000000a1/00000000000000b1';
const listener =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/alb/0123456789abcdef/00000000000000a1';

const create = (extra: Record<string, unknown>) => ({
  serviceName: 'web',
  taskDefinition: 'web:1',
  desiredCount: 2,
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  ...extra,
});

const message = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).statusCode).toBe(400);
    return (error as Error).message;
  }
  return undefined;
};

describe('strategy fields of deploymentConfiguration', () => {
  it('accepts ECS shapes on create and PATCH', () => {
    const config = {
      strategy: 'CANARY',
      bakeTimeInMinutes: 5,
      canaryConfiguration: { canaryPercent: 0.1, canaryBakeTimeInMinutes: 1440 },
      linearConfiguration: { stepPercent: 3, stepBakeTimeInMinutes: 0 },
      alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
    };
    expect(
      parseInput(createServiceSchema(), create({ deploymentConfiguration: config })).deploymentConfiguration,
    ).toEqual(config);
    expect(
      parseInput(updateServiceSchema(), { deploymentConfiguration: config }).deploymentConfiguration,
    ).toEqual(config);
  });

  it.each([
    [{ strategy: 'RED_BLACK' }, 'deploymentConfiguration.strategy'],
    [{ bakeTimeInMinutes: 1441 }, 'deploymentConfiguration.bakeTimeInMinutes: must be between 0 and 1440'],
    [{ bakeTimeInMinutes: 1.5 }, 'deploymentConfiguration.bakeTimeInMinutes: must be an integer'],
    [
      { canaryConfiguration: { canaryPercent: 0 } },
      'deploymentConfiguration.canaryConfiguration.canaryPercent: must be between 0.1 and 100',
    ],
    [
      { canaryConfiguration: { canaryPercent: 100.1 } },
      'deploymentConfiguration.canaryConfiguration.canaryPercent: must be between 0.1 and 100',
    ],
    [
      { canaryConfiguration: { canaryPercent: 5.05 } },
      'deploymentConfiguration.canaryConfiguration.canaryPercent: must be a multiple of 0.1',
    ],
    [
      { canaryConfiguration: { canaryBakeTimeInMinutes: -1 } },
      'deploymentConfiguration.canaryConfiguration.canaryBakeTimeInMinutes',
    ],
    [
      { linearConfiguration: { stepPercent: 2.9 } },
      'deploymentConfiguration.linearConfiguration.stepPercent: must be between 3 and 100',
    ],
    [
      { linearConfiguration: { stepBakeTimeInMinutes: 1441 } },
      'deploymentConfiguration.linearConfiguration.stepBakeTimeInMinutes',
    ],
    [{ alarms: { alarmNames: ['a'], enable: true } }, 'deploymentConfiguration.alarms.rollback'],
    [
      { alarms: { alarmNames: [''], enable: true, rollback: true } },
      'deploymentConfiguration.alarms.alarmNames[0]',
    ],
  ])('%j is a 400 naming the field', (config, field) => {
    expect(
      message(() => parseInput(createServiceSchema(), create({ deploymentConfiguration: config }))),
    ).toContain(field);
    expect(message(() => parseInput(updateServiceSchema(), { deploymentConfiguration: config }))).toContain(
      field,
    );
  });

  it.each([
    [{ alternateTargetGroupArn: 'arn:aws:s3:::bucket' }, 'advancedConfiguration.alternateTargetGroupArn'],
    [
      { alternateTargetGroupArn: tg('green'), productionListenerRule: tg('x') },
      'advancedConfiguration.productionListenerRule',
    ],
    [
      { alternateTargetGroupArn: tg('green'), testListenerRule: 'rule-1' },
      'advancedConfiguration.testListenerRule',
    ],
    [{ alternateTargetGroupArn: tg('green'), roleArn: 'admin' }, 'advancedConfiguration.roleArn'],
    [{ productionListenerRule: rule }, 'advancedConfiguration.alternateTargetGroupArn'],
  ])('advancedConfiguration %j is a 400 naming the field', (advancedConfiguration, field) => {
    const loadBalancers = [
      { targetGroupArn: tg('blue'), containerName: 'web', containerPort: 80, advancedConfiguration },
    ];
    expect(message(() => parseInput(createServiceSchema(), create({ loadBalancers })))).toContain(
      `loadBalancers[0].${field}`,
    );
  });

  it('takes a listener ARN (its default action) as the production rule', () => {
    const advancedConfiguration = { alternateTargetGroupArn: tg('green'), productionListenerRule: listener };
    const loadBalancers = [
      { targetGroupArn: tg('blue'), containerName: 'web', containerPort: 80, advancedConfiguration },
    ];
    expect(parseInput(createServiceSchema(), create({ loadBalancers })).loadBalancers).toEqual(loadBalancers);
  });
});

const base: DeploymentConfiguration = {
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  deploymentCircuitBreaker: { enable: false, rollback: false },
};
const advanced = (overrides: Record<string, unknown> = {}) => ({
  alternateTargetGroupArn: tg('green'),
  productionListenerRule: rule,
  ...overrides,
});
const lb = (
  targetGroupArn: string,
  advancedConfiguration?: LoadBalancer['advancedConfiguration'],
): LoadBalancer => ({
  targetGroupArn,
  containerName: 'web',
  containerPort: 80,
  ...(advancedConfiguration ? { advancedConfiguration } : {}),
});

describe('checkStrategy (the merged service)', () => {
  it('lets a rolling service be as it is', () => {
    expect(message(() => checkStrategy(base, undefined))).toBeUndefined();
    expect(message(() => checkStrategy(base, [lb(tg('blue'))]))).toBeUndefined();
  });

  it.each([
    ['CANARY', undefined, 'deploymentConfiguration.strategy: CANARY shifts traffic between target groups'],
    [
      'LINEAR',
      [lb(tg('blue'))],
      'loadBalancers[0].advancedConfiguration: is required with deploymentConfiguration.strategy LINEAR',
    ],
    [
      'CANARY',
      [lb(tg('blue'), { alternateTargetGroupArn: tg('green') })],
      'loadBalancers[0].advancedConfiguration.productionListenerRule: is required',
    ],
    [
      'BLUE_GREEN',
      [lb(tg('blue'), advanced())],
      'deploymentConfiguration.bakeTimeInMinutes: is required with strategy BLUE_GREEN',
    ],
    [
      'ROLLING',
      [lb(tg('blue'), advanced({ alternateTargetGroupArn: tg('blue') }))],
      'loadBalancers[0].advancedConfiguration.alternateTargetGroupArn: must differ from the load balancer targetGroupArn',
    ],
    [
      'CANARY',
      [lb(tg('blue'), advanced()), lb(tg('green'))],
      'loadBalancers[0].advancedConfiguration.alternateTargetGroupArn: is the targetGroupArn of another load balancer',
    ],
    [
      'CANARY',
      [lb(tg('blue'), advanced()), lb(tg('red'), advanced())],
      'loadBalancers[1].advancedConfiguration.alternateTargetGroupArn: is the alternate target group of another load balancer',
    ],
  ] as const)('%s with %j is a 400: %s', (strategy, loadBalancers, expected) => {
    const lbs = loadBalancers === undefined ? undefined : [...loadBalancers];
    expect(message(() => checkStrategy({ ...base, strategy }, lbs))).toContain(expected);
  });

  it('accepts BLUE_GREEN with a bake time', () => {
    expect(
      message(() =>
        checkStrategy({ ...base, strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 }, [
          lb(tg('blue'), advanced()),
        ]),
      ),
    ).toBeUndefined();
  });
});

describe('newTrafficShift (a new deployment snapshots the strategy)', () => {
  const deployed = [{ status: 'PRIMARY' } as never];
  const service = (config: Partial<DeploymentConfiguration>, serving?: Record<string, string>) => ({
    deploymentConfiguration: { ...base, ...config },
    loadBalancers: [lb(tg('blue'), advanced({ testListenerRule: listener }))],
    deployments: deployed,
    ...(serving ? { servingTargetGroups: serving } : {}),
  });

  it('is none for ROLLING and for the first deployment', () => {
    expect(newTrafficShift(service({}), 'T')).toBeUndefined();
    expect(newTrafficShift({ ...service({ strategy: 'CANARY' }), deployments: [] }, 'T')).toBeUndefined();
  });

  it("fills ECS's defaults and goes from the serving group to the other", () => {
    expect(newTrafficShift(service({ strategy: 'CANARY' }), 'T')).toEqual({
      strategy: 'CANARY',
      stage: 'SCALE_UP',
      stageStartedAt: 'T',
      productionPercent: 0,
      routes: [
        {
          targetGroupArn: tg('blue'),
          from: tg('blue'),
          to: tg('green'),
          productionListenerRule: rule,
          testListenerRule: listener,
        },
      ],
      bakeTimeInMinutes: 0,
      canaryPercent: 5,
      canaryBakeTimeInMinutes: 10,
    });
    const linear = newTrafficShift(
      service({ strategy: 'LINEAR', bakeTimeInMinutes: 3 }, { [tg('blue')]: tg('green') }),
      'T',
    );
    expect(linear).toMatchObject({ stepPercent: 10, stepBakeTimeInMinutes: 6, bakeTimeInMinutes: 3 });
    expect(linear?.routes[0]).toMatchObject({ from: tg('green'), to: tg('blue') });
  });

  it('keeps alarms only when enabled', () => {
    const alarms = { alarmNames: ['a'], enable: false, rollback: true };
    expect(newTrafficShift(service({ strategy: 'CANARY', alarms }), 'T')?.alarms).toBeUndefined();
    expect(
      newTrafficShift(service({ strategy: 'CANARY', alarms: { ...alarms, enable: true } }), 'T')?.alarms,
    ).toEqual({
      ...alarms,
      enable: true,
    });
  });
});

describe('weightsFor', () => {
  it.each([
    [0, { from: 1, to: 0 }],
    [0.1, { from: 999, to: 1 }],
    [5, { from: 950, to: 50 }],
    [99.9, { from: 1, to: 999 }],
    [100, { from: 0, to: 1 }],
  ])('%s %% is %j (ELB weights 0..999)', (percent, weights) => {
    expect(weightsFor(percent)).toEqual(weights);
  });
});

/**
 * Deployment strategies through the HTTP API: `deploymentConfiguration.strategy` and its ECS settings,
 * and `loadBalancers[].advancedConfiguration`, on create and PATCH (400s name the field, the alternate
 * group is claimed like the service's own), shown in GET service; a new deployment records the traffic
 * shift of the strategy as it is when it is made. Every answer is checked against the OpenAPI document.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

const local = useTestStack({ timing: 'instant', contract: true });

let groups = 0;
/** A target group ARN of its own (the API checks only its shape; no task runs here: desiredCount 0). */
const newTargetGroup = () =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/strat-${++groups}/${groups.toString(16).padStart(16, '0')}`;
const RULE =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a1/00000000000000c1';
const TEST_RULE =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a2/00000000000000c2';

beforeAll(async () => {
  for (const image of ['nginx:1', 'nginx:2', 'nginx:3'])
    expect((await local.api.post('/task-definitions', webTaskDefinition('strat', image))).status).toBe(201);
});

const lb = (targetGroupArn: string, advancedConfiguration?: Record<string, unknown>) => ({
  targetGroupArn,
  containerName: 'web',
  containerPort: 80,
  ...(advancedConfiguration ? { advancedConfiguration } : {}),
});
const create = (name: string, extra: Record<string, unknown>) =>
  local.api.post('/clusters/default/services', { ...webService(name, 'strat:1', 0), ...extra });

describe('deployment strategies', () => {
  it.each([
    [
      'CANARY without advancedConfiguration',
      { deploymentConfiguration: { strategy: 'CANARY' }, loadBalancers: [lb(newTargetGroup())] },
      'loadBalancers[0].advancedConfiguration: is required with deploymentConfiguration.strategy CANARY',
    ],
    [
      'LINEAR without load balancers',
      { deploymentConfiguration: { strategy: 'LINEAR' } },
      'deploymentConfiguration.strategy: LINEAR shifts traffic between target groups',
    ],
    [
      'an alternate group equal to the primary',
      (() => {
        const tg = newTargetGroup();
        return { loadBalancers: [lb(tg, { alternateTargetGroupArn: tg, productionListenerRule: RULE })] };
      })(),
      'loadBalancers[0].advancedConfiguration.alternateTargetGroupArn: must differ',
    ],
    [
      'a canary percent out of range',
      { deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 0.05 } } },
      'deploymentConfiguration.canaryConfiguration.canaryPercent',
    ],
  ])('create with %s is a 400 naming the field', async (_what, extra, message) => {
    const response = await create('strat-bad', extra);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(message);
  });

  it('claims the alternate target group: another service cannot use it, either way round', async () => {
    const [blue, green] = [newTargetGroup(), newTargetGroup()];
    const owner = await create('strat-owner', {
      loadBalancers: [lb(blue, { alternateTargetGroupArn: green, productionListenerRule: RULE })],
      deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 },
    });
    expect(owner.status, JSON.stringify(owner.body)).toBe(201);
    const onGreen = await create('strat-intruder', { loadBalancers: [lb(green)] });
    expect(onGreen.status).toBe(409);
    expect(onGreen.body.error.message).toContain('is used by service strat-owner');
    const other = newTargetGroup();
    const greenAsAlternate = await create('strat-intruder', {
      loadBalancers: [lb(other, { alternateTargetGroupArn: green })],
    });
    expect(greenAsAlternate.status).toBe(409);
  });

  it('stores and shows the strategy; a change applies from the next deployment', async () => {
    const [blue, green] = [newTargetGroup(), newTargetGroup()];
    const advancedConfiguration = {
      alternateTargetGroupArn: green,
      productionListenerRule: RULE,
      testListenerRule: TEST_RULE,
      roleArn: 'arn:aws:iam::000000000000:role/ecs-elb',
    };
    const created = await create('strat-ok', {
      loadBalancers: [lb(blue, advancedConfiguration)],
      deploymentConfiguration: {
        strategy: 'CANARY',
        canaryConfiguration: { canaryPercent: 12.5 },
        alarms: { alarmNames: ['strat-5xx'], enable: true, rollback: true },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const shown = (await local.api.get('/clusters/default/services/strat-ok')).body;
    expect(shown.deploymentConfiguration).toMatchObject({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 12.5 },
      alarms: { alarmNames: ['strat-5xx'], enable: true, rollback: true },
    });
    expect(shown.loadBalancers).toEqual([lb(blue, advancedConfiguration)]);
    // The first deployment has nothing to shift from.
    expect(shown.deployments[0].trafficShift).toBeUndefined();

    const deployed = await local.api.patch('/clusters/default/services/strat-ok', {
      taskDefinition: 'strat:2',
    });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(200);
    expect(deployed.body.deployments[0].trafficShift).toEqual({
      strategy: 'CANARY',
      stage: 'SCALE_UP',
      stageStartedAt: expect.any(String),
      productionPercent: 0,
      routes: [
        {
          targetGroupArn: blue,
          from: blue,
          to: green,
          productionListenerRule: RULE,
          testListenerRule: TEST_RULE,
        },
      ],
      bakeTimeInMinutes: 0,
      canaryPercent: 12.5,
      canaryBakeTimeInMinutes: 10,
      alarms: { alarmNames: ['strat-5xx'], enable: true, rollback: true },
    });

    const changed = await local.api.patch('/clusters/default/services/strat-ok', {
      deploymentConfiguration: { strategy: 'LINEAR', linearConfiguration: { stepPercent: 20 } },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.deployments[0].trafficShift.strategy).toBe('CANARY');
    const next = await local.api.patch('/clusters/default/services/strat-ok', { taskDefinition: 'strat:3' });
    expect(next.body.deployments[0].trafficShift).toMatchObject({
      strategy: 'LINEAR',
      stepPercent: 20,
      stepBakeTimeInMinutes: 6,
    });

    const noBake = await local.api.patch('/clusters/default/services/strat-ok', {
      deploymentConfiguration: { strategy: 'BLUE_GREEN' },
    });
    expect(noBake.status).toBe(400);
    expect(noBake.body.error.message).toContain('deploymentConfiguration.bakeTimeInMinutes');
    const rolling = await local.api.patch('/clusters/default/services/strat-ok', {
      deploymentConfiguration: { strategy: 'ROLLING' },
    });
    expect(rolling.status).toBe(200);
    const afterRolling = await local.api.patch('/clusters/default/services/strat-ok', {
      taskDefinition: 'strat:1',
    });
    expect(afterRolling.body.deployments[0].trafficShift).toBeUndefined();
  });
});

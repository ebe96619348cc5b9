/**
 * The reconcile pass carrying out a traffic shift against the local stack (ECS, ELB target groups, the
 * HTTP API): a CANARY deploy registers the new tasks in the alternate group, moves the production rule's
 * weights 0 -> canaryPercent -> 100 pass by pass, stops the old tasks and swaps the groups; an alarm in
 * ALARM during bake time puts production back on the old group and drains the new tasks.
 *
 * The local ELB endpoint has no listener rules yet (they are being added beside this), so the listener
 * rules adapter here runs on an SDK client stubbed with aws-sdk-client-mock that keeps one rule's
 * forward weights; test/e2e/traffic-shift.test.ts drives the same through the local ELB's own rules.
 */
import {
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, expect, it } from 'vitest';
import { createListenerRules } from '../../lib/elb/rules';
import type { ReconcilerDeps } from '../../lib/reconcile/pass/context';
import { createIpTargetGroup } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const RULE =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a1/00000000000000c1';

const local = useTestStack({ timing: 'driven', workerConcurrency: 0 });

let blue: string;
let green: string;
beforeAll(async () => {
  blue = await createIpTargetGroup(local.elb, { Name: 'shift-blue' }, 0);
  green = await createIpTargetGroup(local.elb, { Name: 'shift-green' }, 0);
});

/** One listener rule, forwarding as the last ModifyRule said; every weight it was set to, in order. */
const stubbedRule = (initial: Record<string, number>, green: string) => {
  const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
  let weights = initial;
  const history: Array<Record<string, number>> = [];
  const stub = mockClient(client);
  stub.on(DescribeRulesCommand).callsFake(() => ({
    Rules: [
      {
        RuleArn: RULE,
        Actions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: Object.entries(weights).map(([arn, weight]) => ({
                TargetGroupArn: arn,
                Weight: weight,
              })),
            },
          },
        ],
      },
    ],
  }));
  stub.on(ModifyRuleCommand).callsFake(
    (input: {
      Actions: Array<{
        ForwardConfig?: { TargetGroups?: Array<{ TargetGroupArn: string; Weight: number }> };
      }>;
    }) => {
      weights = Object.fromEntries(
        (input.Actions[0]?.ForwardConfig?.TargetGroups ?? []).map((g) => [g.TargetGroupArn, g.Weight]),
      );
      history.push(weights);
      return {};
    },
  );
  const share = () => {
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    return ((weights[green] ?? 0) * 100) / total;
  };
  return { listenerRules: createListenerRules({ client }), history, share };
};

const healthyIn = async (targetGroupArn: string) =>
  (
    (await local.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })))
      .TargetHealthDescriptions ?? []
  ).filter((t) => t.TargetHealth?.State === 'healthy').length;

const deployCanary = async (name: string, extra: Record<string, unknown> = {}) => {
  const register = (image: string) =>
    local.api.post('/task-definitions', {
      family: name,
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }] }],
    });
  expect((await register('nginx:1')).status).toBe(201);
  expect((await register('nginx:2')).status).toBe(201);
  const created = await local.api.post('/clusters/default/services', {
    serviceName: name,
    taskDefinition: `${name}:1`,
    desiredCount: 2,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: {
      minReadySeconds: 0,
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 0 },
      bakeTimeInMinutes: 0,
      ...extra,
    },
    loadBalancers: [
      {
        targetGroupArn: blue,
        containerName: 'app',
        containerPort: 8080,
        advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: RULE },
      },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
};

const service = async (name: string) => (await local.api.get(`/clusters/default/services/${name}`)).body;

it('a CANARY deploy moves the rule 10 % then 100 %, cleans up, and the groups swap', async () => {
  const rule = stubbedRule({ [blue]: 1, [green]: 0 }, green);
  const reconciler = local.reconciler({ listenerRules: rule.listenerRules });
  await deployCanary('shift');
  await eventually(
    'the first deployment COMPLETED behind blue',
    async () => {
      await reconciler.reconcile('default', 'shift');
      return (await service('shift')).deployments[0].rolloutState === 'COMPLETED' &&
        (await healthyIn(blue)) === 2
        ? true
        : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(
    (await local.api.patch('/clusters/default/services/shift', { taskDefinition: 'shift:2' })).status,
  ).toBe(200);
  const stages = new Set<string>();
  await eventually(
    'the canary deployment COMPLETED',
    async () => {
      await reconciler.reconcile('default', 'shift');
      const body = await service('shift');
      if (body.deployments[0].trafficShift) stages.add(body.deployments[0].trafficShift.stage);
      // The old tasks keep serving until clean-up.
      if (!stages.has('CLEAN_UP')) expect(await healthyIn(blue)).toBe(2);
      return body.deployments[0].rolloutState === 'COMPLETED' ? body : undefined;
    },
    { timeoutMs: 90_000 },
  );
  expect(rule.history.map((w) => (w[green] ?? 0) / ((w[green] ?? 0) + (w[blue] ?? 0)))).toEqual([0.1, 1]);
  expect([...stages]).toEqual(expect.arrayContaining(['SCALE_UP', 'PRODUCTION_TRAFFIC_SHIFT', 'CLEAN_UP']));
  const done = await service('shift');
  expect(done.servingTargetGroups).toEqual({ [blue]: green });
  expect(await healthyIn(green)).toBe(2);
  await eventually('the old tasks gone from blue', async () => {
    await reconciler.reconcile('default', 'shift');
    return (await healthyIn(blue)) === 0 ? true : undefined;
  });
  const events = (await local.api.get('/clusters/default/services/shift/events')).body.items.map(
    (e: { message: string }) => e.message,
  );
  expect(events).toEqual(
    expect.arrayContaining([
      expect.stringContaining(
        'CANARY traffic shift: PRODUCTION_TRAFFIC_SHIFT, 10% of production traffic to shift-green',
      ),
    ]),
  );
}, 240_000);

it('an alarm in ALARM during bake time puts production back on blue and fails the deployment naming it', async () => {
  // Groups of its own: the first test's service holds shift-blue and shift-green.
  blue = await createIpTargetGroup(local.elb, { Name: 'alarm-blue' }, 0);
  green = await createIpTargetGroup(local.elb, { Name: 'alarm-green' }, 0);
  const rule = stubbedRule({ [blue]: 1, [green]: 0 }, green);
  let alarm: 'OK' | 'ALARM' = 'OK';
  const reconciler = local.reconciler({
    listenerRules: rule.listenerRules,
    alarmStates: async (names) =>
      Object.fromEntries(
        names.map((name) => [name, { state: alarm, reason: 'Threshold Crossed: 3 datapoints > 1.0' }]),
      ),
  });
  await deployCanary('alarmed', {
    bakeTimeInMinutes: 60,
    alarms: { alarmNames: ['alarmed-5xx'], enable: true, rollback: true },
  });
  await eventually(
    'the first deployment COMPLETED',
    async () => {
      await reconciler.reconcile('default', 'alarmed');
      return (await service('alarmed')).deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  await local.api.patch('/clusters/default/services/alarmed', { taskDefinition: 'alarmed:2' });
  await eventually(
    'bake time with all production on green',
    async () => {
      await reconciler.reconcile('default', 'alarmed');
      return (await service('alarmed')).deployments[0].trafficShift?.stage === 'BAKE_TIME' ? true : undefined;
    },
    { timeoutMs: 90_000 },
  );
  expect(rule.share()).toBe(100);
  alarm = 'ALARM';
  await reconciler.reconcile('default', 'alarmed');
  expect(rule.share()).toBe(0);
  const body = await service('alarmed');
  const failed = body.deployments.find((d: { trafficShift?: unknown }) => d.trafficShift);
  expect(failed).toMatchObject({
    rolloutState: 'FAILED',
    rolloutStateReason: 'CloudWatch alarm alarmed-5xx is in ALARM: Threshold Crossed: 3 datapoints > 1.0.',
    trafficShift: { stage: 'ROLLBACK', productionPercent: 0 },
  });
  expect(body.deployments[0]).toMatchObject({
    status: 'PRIMARY',
    rollbackOf: failed.id,
    taskDefinition: 'alarmed:1',
  });
  await eventually(
    'the green tasks drained and stopped, blue still serving',
    async () => {
      await reconciler.reconcile('default', 'alarmed');
      return (await healthyIn(green)) === 0 && (await healthyIn(blue)) === 2 ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect((await service('alarmed')).servingTargetGroups).toBeUndefined();
}, 240_000);

/**
 * A CANARY service of its own groups with a PRE_SCALE_UP hook called through `invokeHook`, its first
 * revision rolled out and its second deployed; the reconciler that drives it.
 */
const hookedCanary = async (name: string, invokeHook: ReconcilerDeps['invokeHook']) => {
  blue = await createIpTargetGroup(local.elb, { Name: `${name}-blue` }, 0);
  green = await createIpTargetGroup(local.elb, { Name: `${name}-green` }, 0);
  const rule = stubbedRule({ [blue]: 1, [green]: 0 }, green);
  const reconciler = local.reconciler({ listenerRules: rule.listenerRules, invokeHook });
  await deployCanary(name, {
    lifecycleHooks: [
      {
        hookTargetArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}-check`,
        roleArn: 'arn:aws:iam::000000000000:role/hooks',
        lifecycleStages: ['PRE_SCALE_UP'],
      },
    ],
  });
  await eventually(
    'the first deployment COMPLETED',
    async () => {
      await reconciler.reconcile('default', name);
      return (await service(name)).deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  await local.api.patch(`/clusters/default/services/${name}`, { taskDefinition: `${name}:2` });
  return reconciler;
};

// Seed 2203: a hook call takes up to 20 s, and a desired count written meanwhile made the pass's write fail
// its version check, so the pass's work (a scale-in's stops) waited for the passes after it.
it('a change made while a lifecycle hook is called is planned with, not lost to a version conflict', async () => {
  let patchedDuringCall = false;
  const reconciler = await hookedCanary('hooked', async () => {
    if (!patchedDuringCall) {
      const patched = await local.api.patch('/clusters/default/services/hooked', { desiredCount: 3 });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      patchedDuringCall = true;
    }
    return { hookStatus: 'SUCCEEDED' };
  });
  const outcomes: string[] = [];
  await eventually(
    'the hook called',
    async () => {
      const outcome = await reconciler.reconcile('default', 'hooked').then(
        (o) => o.status,
        (error: Error) => `threw ${error.name}`,
      );
      outcomes.push(outcome);
      return patchedDuringCall ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
  // The pass that called the hook wrote its plan, made with the desired count set during the call.
  expect(outcomes.at(-1)).toBe('reconciled');
  const body = await service('hooked');
  expect(body.desiredCount).toBe(3);
  expect(body.deployments[0]).toMatchObject({ taskDefinition: 'hooked:2', desiredCount: 3 });
  expect(body.deployments[0].trafficShift?.stage).not.toBe('PRE_SCALE_UP');
}, 120_000);

// Seed 2264: an invoker that threw ended every pass before its plan, so the hook's timeout never came and
// dead tasks were not replaced. Its throw is now a failed call, as a failed Lambda invocation is.
it('a hook invoker that throws fails the call, not the pass: the deployment rolls back naming it', async () => {
  let calls = 0;
  const reconciler = await hookedCanary('throwing', async () => {
    calls += 1;
    throw new Error('socket hang up');
  });
  const failed = await eventually(
    'the new deployment FAILED',
    async () => {
      const outcome = await reconciler.reconcile('default', 'throwing');
      expect(outcome.status).not.toBe('busy');
      const body = await service('throwing');
      return body.deployments.find(
        (d: { taskDefinition: string; rolloutState: string }) =>
          d.taskDefinition === 'throwing:2' && d.rolloutState === 'FAILED',
      );
    },
    { timeoutMs: 30_000 },
  );
  expect(calls).toBe(1);
  expect(failed.rolloutStateReason).toContain('failed to answer (call 1): the call failed: socket hang up');
  expect((await service('throwing')).deployments[0]).toMatchObject({
    status: 'PRIMARY',
    taskDefinition: 'throwing:1',
  });
}, 120_000);

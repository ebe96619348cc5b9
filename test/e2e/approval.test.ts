/**
 * A person's hand on the lever, end to end against the local stack's Application Load Balancer: a canary
 * with an approval pauses at its step, continue and stop answer 409/404 as they should, `tugboat promote`
 * lets it finish, and `tugboat abort` rolls the next one back (production weight back on the old group).
 */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { expect, it } from 'vitest';
import { tugboat } from '../support/cli';
import { createIpTargetGroup } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'fast', reconcileIntervalMs: 1_000 });
const cli = (...args: string[]) => tugboat(local.stack.apiUrl, args);
const SERVICE = '/clusters/default/services/lever';

const greenShare = async (ruleArn: string, green: string): Promise<number> => {
  const rule = (await local.elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules?.[0];
  const groups = rule?.Actions?.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroups ?? [];
  const total = groups.reduce((sum, g) => sum + (g.Weight ?? 0), 0);
  return ((groups.find((g) => g.TargetGroupArn === green)?.Weight ?? 0) * 100) / total;
};

const setUp = async () => {
  const blue = await createIpTargetGroup(local.elb, { Name: 'lever-blue' }, 0);
  const green = await createIpTargetGroup(local.elb, { Name: 'lever-green' }, 0);
  const alb = await local.elb.send(
    new CreateLoadBalancerCommand({
      Name: 'lever-alb',
      Subnets: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      Type: 'application',
    }),
  );
  const listener = await local.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: alb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
    }),
  );
  const rule = await local.elb.send(
    new CreateRuleCommand({
      ListenerArn: listener.Listeners?.[0]?.ListenerArn,
      Priority: 1,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }] } }],
    }),
  );
  const ruleArn = rule.Rules?.[0]?.RuleArn as string;
  for (const image of ['nginx:1', 'nginx:2', 'nginx:3'])
    await local.api.post('/task-definitions', {
      family: 'lever',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }] }],
    });
  const created = await local.api.post('/clusters/default/services', {
    serviceName: 'lever',
    taskDefinition: 'lever:1',
    desiredCount: 1,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: {
      minReadySeconds: 0,
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 0 },
      bakeTimeInMinutes: 0,
      approval: { stage: 'PRODUCTION_TRAFFIC_SHIFT', timeoutMinutes: 60 },
    },
    loadBalancers: [
      {
        targetGroupArn: blue,
        containerName: 'app',
        containerPort: 8080,
        advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: ruleArn },
      },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { blue, green, ruleArn };
};

const state = async () => (await local.api.get(SERVICE)).body;

/** Deploys `revision` and waits until its canary is paused awaiting approval; returns its id. */
const pausedDeploy = async (revision: string): Promise<string> => {
  await local.api.patch(SERVICE, { taskDefinition: revision });
  return eventually(
    `${revision} paused at its canary step`,
    async () => {
      const primary = (await state()).deployments[0];
      return primary.taskDefinition === revision && primary.trafficShift?.approval?.pausedAt
        ? (primary.id as string)
        : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 300 },
  );
};

it('pauses a canary until promoted, answers 409/404 by the rules, and aborts with a rollback', async () => {
  const { green, ruleArn } = await setUp();
  await eventually('the first deployment COMPLETED', async () =>
    (await state()).deployments[0].rolloutState === 'COMPLETED' ? true : undefined,
  );
  const first = (await state()).deployments[0].id as string;

  const id = await pausedDeploy('lever:2');
  expect(await greenShare(ruleArn, green)).toBe(10);
  const watched = await cli('status', 'lever');
  expect(watched.stdout).toContain('CANARY PRODUCTION_TRAFFIC_SHIFT prod 90/10  awaiting approval');

  // The rules: unknown deployment 404, a finished one 409, a bad body 400 naming the field.
  const unknown = await local.api.post(`${SERVICE}/deployments/ecs-svc-nope/continue`, {
    action: 'CONTINUE',
  });
  expect(unknown.status).toBe(404);
  const finished = await local.api.post(`${SERVICE}/deployments/${first}/stop`, { stopType: 'ROLLBACK' });
  expect(finished.status).toBe(409);
  expect(JSON.stringify(finished.body)).toContain('not the PRIMARY in progress');
  const bad = await local.api.post(`${SERVICE}/deployments/${id}/continue`, { action: 'GO' });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('action');

  const promoted = await cli('promote', 'lever', '--wait', '--timeout', '90s');
  expect(promoted.code, promoted.stderr).toBe(0);
  expect(promoted.stdout).toContain(`deployment ${id} of lever:2 continued at PRODUCTION_TRAFFIC_SHIFT`);
  expect(await greenShare(ruleArn, green)).toBe(100);
  const again = await local.api.post(`${SERVICE}/deployments/${id}/continue`, { action: 'CONTINUE' });
  expect(again.status).toBe(409);

  // The audit trail: the continue is a service event naming the caller.
  const events = (await local.api.get(`${SERVICE}/events`)).body.items as Array<{
    message: string;
    principal?: string;
  }>;
  expect(
    events.find((e) => e.message.includes(`deployment ${id} continued at PRODUCTION_TRAFFIC_SHIFT`)),
  ).toMatchObject({
    principal: expect.any(String),
  });

  // Next deploy: green serves now, the canary goes to blue; abort puts production back on green.
  const next = await pausedDeploy('lever:3');
  const aborted = await cli('abort', 'lever', '--wait', '--timeout', '90s');
  expect(aborted.code, aborted.stdout).toBe(1);
  expect(aborted.stderr).toContain(`deployment ${next} FAILED: stopped with rollback`);
  await eventually('production back on green', async () =>
    (await greenShare(ruleArn, green)) === 100 ? true : undefined,
  );
  const stopEvent = (await local.api.get(`${SERVICE}/events`)).body.items.find((e: { message: string }) =>
    e.message.includes(`deployment ${next} stop with rollback requested`),
  );
  expect(stopEvent).toBeDefined();
}, 240_000);

/**
 * A person's hand on the lever, end to end against the local stack's Application Load Balancer: a canary
 * with an approval pauses at its step, continue and stop answer 409/404 as they should, `tugboat promote`
 * lets it finish, and `tugboat abort` rolls the next one back (production weight back on the old group).
 */
import { expect, it } from 'vitest';
import { createCanaryGroups, createCanaryService, greenShare as greenShareOf } from '../support/canary';
import { tugboat } from '../support/cli';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'fast', reconcileIntervalMs: 1_000 });
const cli = (...args: string[]) => tugboat(local.stack.apiUrl, args);
const SERVICE = '/clusters/default/services/lever';

const greenShare = (ruleArn: string, green: string) => greenShareOf(local.elb, ruleArn, green);

const setUp = async () => {
  const groups = await createCanaryGroups(local.elb, 'lever');
  await createCanaryService(local.api, {
    serviceName: 'lever',
    images: ['nginx:1', 'nginx:2', 'nginx:3'],
    groups,
    desiredCount: 1,
    deploymentConfiguration: { approval: { stage: 'PRODUCTION_TRAFFIC_SHIFT', timeoutMinutes: 60 } },
  });
  return groups;
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

/**
 * Lifecycle hooks end to end against the local stack: a CANARY whose hook is an http:// URL (a tiny
 * server in the test, as `npm start` allows) is held by an IN_PROGRESS answer, called again with the
 * same executionId after callBackDelay, and completes on SUCCEEDED; beside it, another service's hook
 * answers FAILED and its production goes back to the serving group, after which the rollback calls its
 * PRODUCTION_TRAFFIC_SHIFT hook once more (ECS does), and goes on whatever it answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import type { HookPayload } from '../../lib/domain';
import { createCanaryGroups, createCanaryService, greenShare } from '../support/canary';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'fast', reconcileIntervalMs: 500 });

/** The hook: records every call; answers IN_PROGRESS once per execution then SUCCEEDED, or for `nay` FAILED. */
const calls: HookPayload[] = [];
const server: Server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    const payload = JSON.parse(body) as HookPayload;
    calls.push(payload);
    const seen = calls.filter((call) => call.executionId === payload.executionId).length;
    const answer = payload.executionDetails.serviceArn.endsWith('/nay')
      ? { hookStatus: 'FAILED' }
      : seen === 1
        ? { hookStatus: 'IN_PROGRESS', callBackDelay: 1, hookDetails: { round: 1 } }
        : { hookStatus: 'SUCCEEDED' };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

type Deployment = { id: string; taskDefinition: string; rolloutState: string; rolloutStateReason: string };
const deploymentOf = async (name: string, revision: string): Promise<Deployment | undefined> =>
  ((await local.api.get(`/clusters/default/services/${name}`)).body.deployments as Deployment[]).find(
    (d) => d.taskDefinition === revision,
  );

/** A canary service over its own groups with the hook at its production steps, its first revision rolled out. */
const hookedService = async (name: string, url: string) => {
  const groups = await createCanaryGroups(local.elb, name);
  await createCanaryService(local.api, {
    serviceName: name,
    images: ['nginx:1', 'nginx:2'],
    groups,
    desiredCount: 1,
    deploymentConfiguration: {
      lifecycleHooks: [
        { hookTargetArn: url, lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'], hookDetails: { team: name } },
      ],
    },
  });
  await eventually(`${name}:1 COMPLETED`, async () =>
    (await deploymentOf(name, `${name}:1`))?.rolloutState === 'COMPLETED' ? true : undefined,
  );
  return groups;
};

const settled = (name: string, state: string) =>
  eventually(
    `${name}:2 ${state}`,
    async () => {
      const d = await deploymentOf(name, `${name}:2`);
      return d?.rolloutState === state ? d : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 300 },
  );

it('holds a canary step for an IN_PROGRESS hook, completes on SUCCEEDED, and rolls back on FAILED', async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const [yea, nay] = await Promise.all([hookedService('yea', url), hookedService('nay', url)]);
  expect(calls).toHaveLength(0); // a first revision rolls out in place: no shift, no hook

  await local.api.patch('/clusters/default/services/yea', { taskDefinition: 'yea:2' });
  await local.api.patch('/clusters/default/services/nay', { taskDefinition: 'nay:2' });
  const [done, failed] = await Promise.all([settled('yea', 'COMPLETED'), settled('nay', 'FAILED')]);

  // yea: each production step (10 %, then 100 %) IN_PROGRESS, then the same execution again, SUCCEEDED.
  expect(await greenShare(local.elb, yea.ruleArn, yea.green)).toBe(100);
  const yeas = calls.filter((call) => call.executionDetails.serviceArn.endsWith('/yea'));
  expect(yeas.map((call) => call.lifecycleStage)).toEqual(Array(4).fill('PRODUCTION_TRAFFIC_SHIFT'));
  const [first, again, last] = yeas;
  expect(again?.executionId).toBe(first?.executionId);
  expect(last?.executionId).not.toBe(first?.executionId);
  expect(first).toMatchObject({
    resourceArn: expect.stringContaining(`:service-deployment/default/yea/${done.id}`),
    executionDetails: {
      targetServiceRevisionArn: expect.stringContaining(`:service-revision/default/yea/${done.id}`),
      testTrafficWeights: {},
    },
    hookDetails: { team: 'yea' },
  });
  const weights = first?.executionDetails.productionTrafficWeights ?? {};
  expect(weights[first?.executionDetails.targetServiceRevisionArn ?? '']).toBe(10);
  expect(Object.values(weights).sort()).toEqual([10, 90]);
  expect(again?.hookDetails).toEqual({ round: 1 }); // what IN_PROGRESS returned comes back

  // nay: FAILED at its canary step rolls back; production goes back to blue.
  expect(failed.rolloutStateReason).toBe(
    `lifecycle hook ${url} at PRODUCTION_TRAFFIC_SHIFT answered FAILED (call 1).`,
  );
  await eventually('nay production back on blue', async () =>
    (await greenShare(local.elb, nay.ruleArn, nay.green)) === 0 ? true : undefined,
  );
  const events = (await local.api.get('/clusters/default/services/nay/events')).body.items as Array<{
    message: string;
  }>;
  expect(events.some((e) => e.message.includes(`deployment ${failed.id} failed: lifecycle hook`))).toBe(true);

  // The rollback calls nay's PRODUCTION_TRAFFIC_SHIFT hook again (as ECS does), after production is back,
  // naming the revision it returns to; its FAILED cannot stop the rollback.
  const nays = () => calls.filter((call) => call.executionDetails.serviceArn.endsWith('/nay'));
  const rollbackCall = await eventually('the rollback calls the hook', async () => nays()[1]);
  // The revision returned to is nay:1's first deployment (whose tasks the rollback adopted), not the rollback's.
  const returnedTo = (
    (await local.api.get('/clusters/default/services/nay')).body.deployments as Array<
      Deployment & { rollbackOf?: string }
    >
  ).find((d) => d.taskDefinition === 'nay:1' && d.rollbackOf === undefined);
  const revisionArn = (id: string) =>
    rollbackCall.executionDetails.serviceArn.replace(':service/', ':service-revision/') + `/${id}`;
  expect(rollbackCall).toMatchObject({
    lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
    resourceArn: expect.stringContaining(`:service-deployment/default/nay/${failed.id}`),
    executionDetails: {
      targetServiceRevisionArn: revisionArn(returnedTo?.id ?? ''),
      productionTrafficWeights: { [revisionArn(returnedTo?.id ?? '')]: 100, [revisionArn(failed.id)]: 0 },
    },
  });
  await eventually('the rollback goes on past the FAILED answer', async () => {
    const items = (await local.api.get('/clusters/default/services/nay/events')).body.items as Array<{
      message: string;
    }>;
    return items.some((e) =>
      e.message.includes(
        'at PRODUCTION_TRAFFIC_SHIFT during the rollback answered FAILED (call 1); the rollback goes on.',
      ),
    )
      ? true
      : undefined;
  });
  expect(await greenShare(local.elb, nay.ruleArn, nay.green)).toBe(0);
  expect(nays()).toHaveLength(2);
}, 150_000);

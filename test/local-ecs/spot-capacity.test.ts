/** The local Spot capacity switch: POST /__local/spot-capacity {"available": false|true}. */
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAPACITY_UNAVAILABLE_REASON } from '../../lib/ecs/errors';
import { createCluster, type Harness, network, registerFargate, startHarness } from './helpers';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  await createCluster(h.client, { capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  await registerFargate(h.client, 'web', 'nginx');
});
afterEach(() => h.close());

const setSpotCapacity = (body: unknown) =>
  fetch(`${h.server.url}/__local/spot-capacity`, { method: 'POST', body: JSON.stringify(body) });

const runOn = (capacityProvider: string, count: number, clientToken?: string) =>
  h.client.send(
    new RunTaskCommand({
      cluster: 'apps',
      taskDefinition: 'web',
      count,
      capacityProviderStrategy: [{ capacityProvider, weight: 1 }],
      networkConfiguration: network,
      ...(clientToken ? { clientToken } : {}),
    }),
  );

describe('the local Spot capacity switch', () => {
  it("off: FARGATE_SPOT launches come back in RunTask failures with ECS's reason; FARGATE still launches; on again: Spot launches", async () => {
    const off = await setSpotCapacity({ available: false });
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ available: false });

    const refused = await runOn('FARGATE_SPOT', 3, 'spot-1');
    expect(refused.tasks).toEqual([]);
    expect(refused.failures).toEqual([
      { reason: CAPACITY_UNAVAILABLE_REASON },
      { reason: CAPACITY_UNAVAILABLE_REASON },
      { reason: CAPACITY_UNAVAILABLE_REASON },
    ]);
    const onDemand = await runOn('FARGATE', 2);
    expect(onDemand.tasks?.map((t) => t.capacityProviderName)).toEqual(['FARGATE', 'FARGATE']);
    expect(onDemand.failures).toEqual([]);

    expect((await setSpotCapacity({ available: true })).status).toBe(200);
    // The same token again: the refused call launched nothing, so it may be made again.
    const launched = await runOn('FARGATE_SPOT', 3, 'spot-1');
    expect(launched.tasks?.map((t) => t.capacityProviderName)).toEqual([
      'FARGATE_SPOT',
      'FARGATE_SPOT',
      'FARGATE_SPOT',
    ]);
    expect(launched.failures).toEqual([]);
  });

  it('with tasks: room for that many Spot tasks; a RunTask beyond it is refused in part, and its clientToken gives the same answer again', async () => {
    const room = await setSpotCapacity({ available: true, tasks: 1 });
    expect(await room.json()).toEqual({ available: true, tasks: 1 });
    const partly = await runOn('FARGATE_SPOT', 3, 'spot-partly');
    expect(partly.tasks?.map((t) => t.capacityProviderName)).toEqual(['FARGATE_SPOT']);
    expect(partly.failures).toEqual([
      { reason: CAPACITY_UNAVAILABLE_REASON },
      { reason: CAPACITY_UNAVAILABLE_REASON },
    ]);
    // The same token and parameters: the original request's result, failures included (nothing new).
    const again = await runOn('FARGATE_SPOT', 3, 'spot-partly');
    expect(again.tasks?.map((t) => t.taskArn)).toEqual(partly.tasks?.map((t) => t.taskArn));
    expect(again.failures).toEqual(partly.failures);
    // The room is used up; FARGATE is not limited.
    expect((await runOn('FARGATE_SPOT', 1)).failures).toEqual([{ reason: CAPACITY_UNAVAILABLE_REASON }]);
    expect((await runOn('FARGATE', 1)).failures).toEqual([]);
  });

  it.each([
    {},
    { available: 'false' },
    { available: 0 },
    { available: false, tasks: 1 },
    { available: true, tasks: -1 },
  ])('refuses %j with a 400 naming the field', async (body) => {
    const response = await setSpotCapacity(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      __type: 'InvalidParameterException',
      message: expect.stringContaining('available'),
    });
  });
});

import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, expect, it } from 'vitest';
import { createElbClientForGateway, createElbGateway } from '../../lib/elb/gateway';
import { isLive, serviceTasks } from '../support/ecs';
import { createIpTargetGroup, createLoadBalancedService } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

class SimulatedCrash extends Error {}

let targetGroupArn: string;

const local = useTestStack({ timing: 'driven', workerConcurrency: 0 });

beforeAll(async () => {
  targetGroupArn = await createIpTargetGroup(local.elb, { Name: 'crash' }, 3);
});

/** A reconciler as a new Lambda instance has it (an ELB gateway with an empty cache), crashing where told. */
const reconcilerWith = (afterExternalCall?: (call: string) => void) =>
  local.reconciler({
    elb: createElbGateway({ client: createElbClientForGateway() }),
    leaseMs: 5_000,
    ...(afterExternalCall ? { afterExternalCall } : {}),
  });

const targets = async () =>
  (await local.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })))
    .TargetHealthDescriptions ?? [];

it('a crash right after DeregisterTargets: the next pass drains again and stops the task after the delay', async () => {
  await createLoadBalancedService(local.api, 'crash', targetGroupArn);
  const reconciler = reconcilerWith();
  await eventually(
    '2 healthy targets and a COMPLETED deployment',
    async () => {
      await reconciler.reconcile('default', 'crash');
      const { body } = await local.api.get('/clusters/default/services/crash');
      const healthy = (await targets()).filter((t) => t.TargetHealth?.State === 'healthy').length;
      return healthy === 2 && body.deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 500 },
  );

  expect((await local.api.patch('/clusters/default/services/crash', { desiredCount: 1 })).status).toBe(200);
  const crashing = reconcilerWith((call) => {
    if (call === 'elb:DeregisterTargets') throw new SimulatedCrash(call);
  });
  await expect(crashing.reconcile('default', 'crash')).rejects.toThrow(SimulatedCrash);
  const draining = (await targets()).filter((t) => t.TargetHealth?.State === 'draining');
  expect(draining).toHaveLength(1);
  const address = draining[0]?.Target?.Id;
  const drainedTask = async () =>
    (await serviceTasks(local.ecs, 'crash')).find(
      (task) =>
        task.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value === address,
    );
  expect((await drainedTask())?.lastStatus).toBe('RUNNING');

  // The next passes, right away: the drain is recorded, the task keeps running through the delay.
  const started = Date.now();
  await reconciler.reconcile('default', 'crash');
  const [record] = (await local.store.listServiceTasks('default', 'crash')).filter(
    (t) => t.privateIpv4Address === address,
  );
  expect(record?.loadBalancing?.deregisteredAt).toBeDefined();
  expect(Date.parse(record?.loadBalancing?.stopDueAt ?? '')).toBeGreaterThanOrEqual(started + 3_000 - 50);
  await reconciler.reconcile('default', 'crash');
  expect((await drainedTask())?.desiredStatus).toBe('RUNNING');

  // After the delay a pass stops it; the other task stays registered and healthy.
  await new Promise((resolve) =>
    setTimeout(resolve, Date.parse(record?.loadBalancing?.stopDueAt ?? '') - Date.now() + 100),
  );
  await reconciler.reconcile('default', 'crash');
  await eventually('the drained task stopped', async () =>
    (await drainedTask())?.lastStatus === 'STOPPED' ? true : undefined,
  );
  const live = (await serviceTasks(local.ecs, 'crash')).filter(isLive);
  expect(live).toHaveLength(1);
  const remaining = await targets();
  expect(remaining.filter((t) => t.TargetHealth?.State === 'healthy')).toHaveLength(1);
  expect(remaining.every((t) => t.Target?.Id !== address || t.TargetHealth?.State === 'draining')).toBe(true);
}, 90_000);

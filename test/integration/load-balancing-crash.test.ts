/**
 * The draining state survives a crash: a pass that dies right after DeregisterTargets (before it records
 * the drain on the task) leaves a task that the next pass drains again and stops only after the delay,
 * never while its target is still in service.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEcsClientForGateway, createEcsGateway } from '../../lib/ecs/gateway';
import { createElbClientForGateway, createElbGateway } from '../../lib/elb/gateway';
import { createReconciler } from '../../lib/reconcile/pass/reconcile';
import type { DynamoDbStore } from '../../lib/store/dynamodb';
import type { LocalStack } from '../../local/stack';
import { httpClient, stackStore, startTestStack } from '../support/api';
import { ecsClient, isLive, serviceTasks } from '../support/ecs';
import { createIpTargetGroup, createLoadBalancedService } from '../support/elb';
import { eventually } from '../support/waiting';

class SimulatedCrash extends Error {}
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

let stack: LocalStack;
let api: ReturnType<typeof httpClient>;
let ecs: ReturnType<typeof ecsClient>;
let elb: ElasticLoadBalancingV2Client;
let store: DynamoDbStore;
let targetGroupArn: string;

beforeAll(async () => {
  stack = await startTestStack({ ecs: { startMs: 300, stopMs: 100, throttle: 'off' }, workerConcurrency: 0 });
  api = httpClient(stack.apiUrl);
  ecs = ecsClient(stack.ecsUrl);
  elb = new ElasticLoadBalancingV2Client({ endpoint: stack.elbUrl, region: 'us-east-1', credentials });
  store = stackStore(stack);
  targetGroupArn = await createIpTargetGroup(elb, { Name: 'crash' }, 3);
});
afterAll(async () => {
  ecs.destroy();
  elb.destroy();
  await stack.stop();
});

const reconcilerWith = (afterExternalCall?: (call: string) => void) =>
  createReconciler({
    store,
    ecsFor: (cluster) =>
      createEcsGateway({
        client: createEcsClientForGateway({ endpoint: stack.ecsUrl, region: 'us-east-1', credentials }),
        cluster,
      }),
    elb: createElbGateway({
      client: createElbClientForGateway({ endpoint: stack.elbUrl, region: 'us-east-1', credentials }),
    }),
    now: Date.now,
    newId: randomUUID,
    leaseMs: 5_000,
    ...(afterExternalCall ? { afterExternalCall } : {}),
  });

const targets = async () =>
  (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })))
    .TargetHealthDescriptions ?? [];

it('a crash right after DeregisterTargets: the next pass drains again and stops the task after the delay', async () => {
  await createLoadBalancedService(api, 'crash', targetGroupArn);
  const reconciler = reconcilerWith();
  await eventually(
    '2 healthy targets and a COMPLETED deployment',
    async () => {
      await reconciler.reconcile('default', 'crash');
      const { body } = await api.get('/clusters/default/services/crash');
      const healthy = (await targets()).filter((t) => t.TargetHealth?.State === 'healthy').length;
      return healthy === 2 && body.deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 500 },
  );

  expect((await api.patch('/clusters/default/services/crash', { desiredCount: 1 })).status).toBe(200);
  const crashing = reconcilerWith((call) => {
    if (call === 'elb:DeregisterTargets') throw new SimulatedCrash(call);
  });
  await expect(crashing.reconcile('default', 'crash')).rejects.toThrow(SimulatedCrash);
  const draining = (await targets()).filter((t) => t.TargetHealth?.State === 'draining');
  expect(draining).toHaveLength(1);
  const address = draining[0]?.Target?.Id;
  const drainedTask = async () =>
    (await serviceTasks(ecs, 'crash')).find(
      (task) =>
        task.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value === address,
    );
  expect((await drainedTask())?.lastStatus).toBe('RUNNING');

  // The next passes, right away: the drain is recorded, the task keeps running through the delay.
  const started = Date.now();
  await reconciler.reconcile('default', 'crash');
  const [record] = (await store.listServiceTasks('default', 'crash')).filter(
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
  const live = (await serviceTasks(ecs, 'crash')).filter(isLive);
  expect(live).toHaveLength(1);
  const remaining = await targets();
  expect(remaining.filter((t) => t.TargetHealth?.State === 'healthy')).toHaveLength(1);
  expect(remaining.every((t) => t.Target?.Id !== address || t.TargetHealth?.State === 'draining')).toBe(true);
}, 90_000);

/**
 * The deregistration delay is read only when a pass drains a registered task: converging and steady
 * passes of a load-balanced service make no DescribeTargetGroupAttributes call, even from a new
 * Lambda instance (a fresh gateway, with an empty cache) each pass; the pass that drains reads it once
 * and holds StopTask for the target group's own delay.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeTargetGroupAttributesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEcsClientForGateway, createEcsGateway } from '../../lib/ecs/gateway';
import { createElbClientForGateway, createElbGateway } from '../../lib/elb/gateway';
import { createReconciler } from '../../lib/reconcile/pass/reconcile';
import { DynamoDbStore } from '../../lib/store/dynamodb';
import { localDynamoDbClient } from '../../local/dynamodb';
import type { LocalStack } from '../../local/stack';
import { httpClient, startTestStack } from '../support/api';
import { createIpTargetGroup, createLoadBalancedService } from '../support/elb';
import { eventually } from '../support/waiting';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const DELAY_SECONDS = 7;

let stack: LocalStack;
let api: ReturnType<typeof httpClient>;
let elb: ElasticLoadBalancingV2Client;
let store: DynamoDbStore;
let targetGroupArn: string;
let attributeReads = 0;

beforeAll(async () => {
  stack = await startTestStack({ ecs: { startMs: 300, stopMs: 100, throttle: 'off' }, workerConcurrency: 0 });
  api = httpClient(stack.apiUrl);
  elb = new ElasticLoadBalancingV2Client({ endpoint: stack.elbUrl, region: 'us-east-1', credentials });
  store = new DynamoDbStore(
    DynamoDBDocumentClient.from(localDynamoDbClient(stack.dynamoDbEndpoint), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    stack.tableName,
  );
  targetGroupArn = await createIpTargetGroup(elb, { Name: 'delay-reads' }, DELAY_SECONDS);
});
afterAll(async () => {
  elb.destroy();
  await stack.stop();
});

/** A reconciler as a new Lambda instance has it: gateways with empty caches, ELB calls counted. */
const freshReconciler = () => {
  const elbClient = createElbClientForGateway({ endpoint: stack.elbUrl, region: 'us-east-1', credentials });
  const send = elbClient.send.bind(elbClient);
  elbClient.send = ((command: unknown, ...rest: unknown[]) => {
    if (command instanceof DescribeTargetGroupAttributesCommand) attributeReads++;
    return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as typeof elbClient.send;
  return createReconciler({
    store,
    ecsFor: (cluster) =>
      createEcsGateway({
        client: createEcsClientForGateway({ endpoint: stack.ecsUrl, region: 'us-east-1', credentials }),
        cluster,
      }),
    elb: createElbGateway({ client: elbClient }),
    now: Date.now,
    newId: randomUUID,
    leaseMs: 5_000,
  });
};

it('reads the deregistration delay only in the pass that drains a registered task', async () => {
  await createLoadBalancedService(api, 'delay-reads', targetGroupArn);

  // Converge: launches, registrations, health checks, the rollout completing; then a steady pass.
  let passes = 0;
  await eventually(
    'a COMPLETED deployment with 2 healthy tasks',
    async () => {
      await freshReconciler().reconcile('default', 'delay-reads');
      passes++;
      const { body } = await api.get('/clusters/default/services/delay-reads');
      return body.deployments[0].rolloutState === 'COMPLETED' && body.runningCount === 2 ? true : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 500 },
  );
  await freshReconciler().reconcile('default', 'delay-reads');
  expect(passes).toBeGreaterThan(1);
  expect(attributeReads).toBe(0);

  // Scaling in drains one registered task: that pass reads the delay once, and StopTask waits for it.
  expect((await api.patch('/clusters/default/services/delay-reads', { desiredCount: 1 })).status).toBe(200);
  const started = Date.now();
  await freshReconciler().reconcile('default', 'delay-reads');
  expect(attributeReads).toBe(1);
  const drained = (await store.listServiceTasks('default', 'delay-reads')).filter(
    (task) => task.loadBalancing?.deregisteredAt !== undefined,
  );
  expect(drained).toHaveLength(1);
  const stopDueAt = Date.parse(drained[0]?.loadBalancing?.stopDueAt ?? '');
  expect(stopDueAt).toBeGreaterThanOrEqual(started + DELAY_SECONDS * 1000 - 50);
  expect(stopDueAt).toBeLessThan(started + 60_000);

  // Passes while it drains plan no new deregistration: no further reads.
  await freshReconciler().reconcile('default', 'delay-reads');
  expect(attributeReads).toBe(1);
}, 90_000);

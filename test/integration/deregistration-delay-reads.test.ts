import { DescribeTargetGroupAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, expect, it } from 'vitest';
import { createElbClientForGateway, createElbGateway } from '../../lib/elb/gateway';
import { createIpTargetGroup, createLoadBalancedService } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const DELAY_SECONDS = 7;

let targetGroupArn: string;
let attributeReads = 0;

const local = useTestStack({ timing: 'driven', workerConcurrency: 0 });

beforeAll(async () => {
  targetGroupArn = await createIpTargetGroup(local.elb, { Name: 'delay-reads' }, DELAY_SECONDS);
});

/** A reconciler as a new Lambda instance has it: an ELB gateway with an empty cache, its calls counted. */
const freshReconciler = () => {
  const elbClient = createElbClientForGateway();
  const send = elbClient.send.bind(elbClient);
  elbClient.send = ((command: unknown, ...rest: unknown[]) => {
    if (command instanceof DescribeTargetGroupAttributesCommand) attributeReads++;
    return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as typeof elbClient.send;
  return local.reconciler({ elb: createElbGateway({ client: elbClient }), leaseMs: 5_000 });
};

it('reads the deregistration delay only in the pass that drains a registered task', async () => {
  await createLoadBalancedService(local.api, 'delay-reads', targetGroupArn);

  // Converge: launches, registrations, health checks, the rollout completing; then a steady pass.
  let passes = 0;
  await eventually(
    'a COMPLETED deployment with 2 healthy tasks',
    async () => {
      await freshReconciler().reconcile('default', 'delay-reads');
      passes++;
      const { body } = await local.api.get('/clusters/default/services/delay-reads');
      return body.deployments[0].rolloutState === 'COMPLETED' && body.runningCount === 2 ? true : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 500 },
  );
  await freshReconciler().reconcile('default', 'delay-reads');
  expect(passes).toBeGreaterThan(1);
  expect(attributeReads).toBe(0);

  // Scaling in drains one registered task: that pass reads the delay once, and StopTask waits for it.
  expect((await local.api.patch('/clusters/default/services/delay-reads', { desiredCount: 1 })).status).toBe(
    200,
  );
  const started = Date.now();
  await freshReconciler().reconcile('default', 'delay-reads');
  expect(attributeReads).toBe(1);
  const drained = (await local.store.listServiceTasks('default', 'delay-reads')).filter(
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

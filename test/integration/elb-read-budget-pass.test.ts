/**
 * A reconcile pass whose target group reads find no room in ELB's Describe* budget before its deadline
 * (the shared pacer, lib/elb/calls.ts) plans with the inventory's account of the groups instead of waiting:
 * it registers its new tasks (no read needed), records no read of the group, and cannot see them healthy;
 * once there is room a later pass reads the group and the deployment completes.
 */
import { beforeAll, expect, it } from 'vitest';
import { type Pacer, PacingDeadlineError } from '../../lib/ecs/pacer';
import { createElbClientForGateway, createElbGateway } from '../../lib/elb/gateway';
import { createIpTargetGroup, createLoadBalancedService } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'driven', workerConcurrency: 0 });
let targetGroupArn: string;

beforeAll(async () => {
  targetGroupArn = await createIpTargetGroup(local.elb, { Name: 'read-budget' }, 0);
});

/** No room for `roomInMs` from now, whatever the deadline asked; `open()` lets every read through. */
const closedPacer = (roomInMs: number) => {
  let open = false;
  const deadlines: Array<number | undefined> = [];
  const pacer: Pacer = {
    async reserve(_count, deadline) {
      deadlines.push(deadline);
      if (!open) throw new PacingDeadlineError(roomInMs);
    },
    async charge() {},
    exhausted() {},
  };
  return { pacer, deadlines, open: () => (open = true) };
};

it('a pass with no room for its target group reads plans with the inventory, and converges once there is room', async () => {
  await createLoadBalancedService(local.api, 'read-budget', targetGroupArn);
  const budget = closedPacer(4_200);
  const reconciler = local.reconciler({
    elb: createElbGateway({ client: createElbClientForGateway(), describePacer: budget.pacer }),
    leaseMs: 5_000,
  });
  const pass = () =>
    reconciler.reconcile('default', 'read-budget', undefined, { deadline: Date.now() + 60_000 });
  // Passes until both tasks are registered and one pass wanted to read the group.
  await eventually(
    'both tasks registered, and a read refused',
    async () => {
      const outcome = await pass();
      expect(outcome.status).toBe('reconciled');
      const live = (await local.store.listServiceTasks('default', 'read-budget')).filter(
        (task) => task.desiredStatus === 'RUNNING',
      );
      const registered = live.filter((task) => task.loadBalancing?.targets.length === 1);
      return registered.length === 2 && budget.deadlines.length > 0 ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  // Each wait for room ends within MAX_ROOM_WAIT_MS (5 s), well before the pass's own deadline.
  for (const deadline of budget.deadlines) expect(deadline).toBeLessThanOrEqual(Date.now() + 5_000);
  const held = (await local.api.get('/clusters/default/services/read-budget')).body;
  expect(held.deployments[0].rolloutState).toBe('IN_PROGRESS');
  // The group was never read: no read time kept for it, so the next pass with room reads it.
  expect((await local.store.getService('default', 'read-budget'))?.targetHealthReadAt?.[targetGroupArn]).toBe(
    undefined,
  );

  budget.open();
  await eventually(
    'the deployment COMPLETED with its tasks healthy',
    async () => {
      await reconciler.reconcile('default', 'read-budget');
      const { body } = await local.api.get('/clusters/default/services/read-budget');
      return body.deployments[0].rolloutState === 'COMPLETED' && body.runningCount === 2 ? true : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 500 },
  );
}, 90_000);

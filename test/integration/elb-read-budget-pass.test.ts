/**
 * A reconcile pass whose ELB reads find no room in the Describe* budget before its deadline (the shared
 * pacer, lib/elb/calls.ts): it plans nothing, writes nothing, and asks for the next pass when room is
 * expected; once there is room the next pass converges.
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

it('a pass with no room for its target group reads stops short, asks again when room is expected, and converges after', async () => {
  await createLoadBalancedService(local.api, 'read-budget', targetGroupArn);
  const budget = closedPacer(4_200);
  const reconciler = local.reconciler({
    elb: createElbGateway({ client: createElbClientForGateway(), describePacer: budget.pacer }),
    leaseMs: 5_000,
  });
  // The first pass only launches (no task has a target to read yet); run until one needs to read.
  let outcome = await reconciler.reconcile('default', 'read-budget', undefined, {
    deadline: Date.now() + 60_000,
  });
  await eventually(
    'a pass that wants to read the target group',
    async () => {
      const before = (await local.api.get('/clusters/default/services/read-budget')).body;
      outcome = await reconciler.reconcile('default', 'read-budget', undefined, {
        deadline: Date.now() + 60_000,
      });
      if (budget.deadlines.length === 0) return undefined;
      const after = (await local.api.get('/clusters/default/services/read-budget')).body;
      return { before, after };
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  ).then(({ before, after }) => {
    // Nothing planned and nothing written: the next pass reads and plans.
    expect(outcome).toMatchObject({ status: 'reconciled', launched: 0, stopped: 0, wakeInMs: 4_200 });
    expect(outcome.status === 'reconciled' && outcome.plan.actions).toEqual([]);
    expect(after.version).toBe(before.version);
  });
  // Each wait for room ends within MAX_ROOM_WAIT_MS (5 s), well before the pass's own deadline.
  for (const deadline of budget.deadlines) expect(deadline).toBeLessThanOrEqual(Date.now() + 5_000);

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

it('a pass whose only read is a stale group refresh plans on from the inventory when there is no room at once', async () => {
  // The service of the test above, converged; its group last read long ago (a refresh is due).
  const service = await local.store.getService('default', 'read-budget');
  if (!service) throw new Error('read-budget is missing');
  const longAgo = new Date(Date.now() - 10 * 60_000).toISOString();
  await local.store.updateService({ ...service, targetHealthReadAt: { [targetGroupArn]: longAgo } }, service);
  const budget = closedPacer(4_200);
  const reconciler = local.reconciler({
    elb: createElbGateway({ client: createElbClientForGateway(), describePacer: budget.pacer }),
    leaseMs: 5_000,
  });
  const asked = Date.now();
  const outcome = await reconciler.reconcile('default', 'read-budget', undefined, {
    deadline: Date.now() + 60_000,
  });
  // It asked for room once, with no wait, and planned from the inventory: steady, nothing to do, no wake
  // for want of room.
  expect(budget.deadlines).toHaveLength(1);
  expect(budget.deadlines[0]).toBeLessThanOrEqual(Date.now());
  expect(budget.deadlines[0]).toBeGreaterThanOrEqual(asked);
  expect(outcome).toMatchObject({ status: 'reconciled', launched: 0, stopped: 0 });
  expect(outcome.status === 'reconciled' && outcome.wakeInMs).not.toBe(4_200);
  // Not read: still due, so a pass with room refreshes it.
  const after = await local.store.getService('default', 'read-budget');
  expect(after?.targetHealthReadAt?.[targetGroupArn]).toBe(longAgo);
  budget.open();
  await reconciler.reconcile('default', 'read-budget');
  const read = await local.store.getService('default', 'read-budget');
  expect(Date.parse(read?.targetHealthReadAt?.[targetGroupArn] ?? '')).toBeGreaterThanOrEqual(asked);
}, 60_000);

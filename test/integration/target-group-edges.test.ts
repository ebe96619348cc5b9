import {
  DeleteTargetGroupCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../lib/domain';
import { createElbClientForGateway, createElbGateway, type ElbGateway } from '../../lib/elb/gateway';
import { registerTaskDefinition } from '../support/api';
import { createIpTargetGroup } from '../support/elb';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'driven', workerConcurrency: 0 });

beforeAll(async () => {
  await registerTaskDefinition(local.api, 'edge', 'nginx:1', { portMappings: [{ containerPort: 8080 }] });
});

/** A fresh ELB gateway (an empty cache), as a new Lambda instance has. */
const localElb = () => createElbGateway({ client: createElbClientForGateway() });
const reconcilerWith = (gateway: ElbGateway = localElb()) =>
  local.reconciler({ elb: gateway, leaseMs: 5_000 });
const pass = (name: string, gateway?: ElbGateway) => reconcilerWith(gateway).reconcile('default', name);

const behind = (...targetGroupArns: string[]) =>
  targetGroupArns.map((targetGroupArn) => ({ targetGroupArn, containerName: 'app', containerPort: 8080 }));
const create = async (name: string, desiredCount: number, targetGroupArns: string[]) => {
  const created = await local.api.post('/clusters/default/services', {
    serviceName: name,
    taskDefinition: 'edge',
    desiredCount,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: { minReadySeconds: 0 },
    loadBalancers: behind(...targetGroupArns),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
};
const targetsOf = async (targetGroupArn: string) =>
  (
    (await local.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })))
      .TargetHealthDescriptions ?? []
  ).map((d) => `${d.Target?.Id}:${d.Target?.Port} ${d.TargetHealth?.State}`);
const liveRecords = async (name: string) =>
  (await local.store.listServiceTasks('default', name)).filter((record) => record.lastStatus !== 'STOPPED');

/** Passes until `count` live tasks of the service are each registered with `groups` target groups. */
const untilRegistered = (name: string, count: number, groups: number) =>
  eventually(
    `${count} tasks of ${name} registered with ${groups} target group(s)`,
    async () => {
      await pass(name);
      const live = await liveRecords(name);
      const registered = live.filter(
        (record) => record.lastStatus === 'RUNNING' && record.loadBalancing?.targets.length === groups,
      );
      return live.length === count && registered.length === count ? live : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );

describe('the stray sweep touches only what Tugboat registered for the service', () => {
  it('leaves another target of its target group alone, pass after pass', async () => {
    const group = await createIpTargetGroup(local.elb, { Name: 'edge-shared' }, 1);
    await local.elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: group, Targets: [{ Id: '10.99.0.1', Port: 8080 }] }),
    );
    await create('sweeper', 2, [group]);
    await untilRegistered('sweeper', 2, 1);
    for (let i = 0; i < 3; i++) await pass('sweeper');
    const foreign = (await targetsOf(group)).filter((t) => t.startsWith('10.99.0.1:8080'));
    expect(foreign).toHaveLength(1);
    expect(foreign[0]).not.toMatch(/draining/);
  }, 60_000);

  it('stops touching a target group once it moved off it and its tasks there are gone', async () => {
    const [old, next] = [
      await createIpTargetGroup(local.elb, { Name: 'edge-old' }, 1),
      await createIpTargetGroup(local.elb, { Name: 'edge-new' }, 1),
    ];
    await create('mover', 1, [old]);
    const [first] = await untilRegistered('mover', 1, 1);
    expect(
      (await local.api.patch('/clusters/default/services/mover', { loadBalancers: behind(next) })).status,
    ).toBe(200);
    await eventually(
      'the old deployment INACTIVE, its task stopped',
      async () => {
        await pass('mover');
        const { body } = await local.api.get('/clusters/default/services/mover');
        return body.deployments.length === 2 && body.deployments[1].status === 'INACTIVE' ? true : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    const oldAddress = (first as TaskRecord).privateIpv4Address ?? '';
    expect(
      (await local.store.listServiceTasks('default', 'mover')).some(
        (r) => r.privateIpv4Address === oldAddress,
      ),
    ).toBe(true);
    // Another user of the old group got the old task's address (addresses are reused).
    await local.elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: old, Targets: [{ Id: oldAddress, Port: 8080 }] }),
    );
    for (let i = 0; i < 2; i++) await pass('mover');
    const reused = (await targetsOf(old)).filter((t) => t.startsWith(`${oldAddress}:8080 `));
    expect(reused).toHaveLength(1);
    expect(reused[0]).not.toMatch(/draining/);
  }, 90_000);
});

describe('a target group deleted under a running service', () => {
  it('RegisterTargets finding it gone ends no pass: the task joins the groups that exist, an event names it', async () => {
    const [kept, gone] = [
      await createIpTargetGroup(local.elb, { Name: 'edge-kept' }, 2),
      await createIpTargetGroup(local.elb, { Name: 'edge-gone' }, 2),
    ];
    await create('orphaned', 1, [kept, gone]);
    await untilRegistered('orphaned', 1, 2);
    expect((await local.api.patch('/clusters/default/services/orphaned', { desiredCount: 2 })).status).toBe(
      200,
    );
    await pass('orphaned');
    await eventually('the new task RUNNING', async () => {
      const live = await liveRecords('orphaned');
      return live.length === 2 && live.every((r) => r.lastStatus === 'RUNNING') ? true : undefined;
    });
    // The group is deleted after the pass planned, just before it registers the new task there. (The
    // pass need not read the group first: a task not registered yet is registered without a read.)
    const real = localElb();
    let deleted = false;
    const deletingBeforeRegistration: ElbGateway = {
      ...real,
      async registerTargets(registrations) {
        if (!deleted && registrations.some((r) => r.targetGroupArn === gone)) {
          await local.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: gone }));
          deleted = true;
        }
        return real.registerTargets(registrations);
      },
    };
    const outcome = await pass('orphaned', deletingBeforeRegistration);
    expect(deleted).toBe(true);
    expect(outcome.status).toBe('reconciled');
    const fresh = (await liveRecords('orphaned')).find((r) => r.loadBalancing?.targets.length !== 2);
    expect(fresh?.loadBalancing?.targets).toEqual([{ targetGroupArn: kept, port: 8080 }]);
    expect(
      (await targetsOf(kept)).filter((t) => t.startsWith(`${fresh?.privateIpv4Address}:8080`)),
    ).toHaveLength(1);
    const messages = (await local.api.get('/clusters/default/services/orphaned')).body.events.map(
      (e: { message: string }) => e.message,
    );
    expect(messages).toContainEqual(
      expect.stringMatching(new RegExp(`target group ${gone}: TargetGroupNotFound`)),
    );
    // The next passes know it is gone: they go on without it.
    expect((await pass('orphaned')).status).toBe('reconciled');
  }, 60_000);

  it('a drain waits for the delay of the target groups that still exist, not 300 s', async () => {
    const [kept, gone] = [
      await createIpTargetGroup(local.elb, { Name: 'edge-kept-2' }, 3),
      await createIpTargetGroup(local.elb, { Name: 'edge-gone-2' }, 3),
    ];
    await create('drained', 2, [kept, gone]);
    await untilRegistered('drained', 2, 2);
    await local.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: gone }));
    expect((await local.api.patch('/clusters/default/services/drained', { desiredCount: 1 })).status).toBe(
      200,
    );
    const started = Date.now();
    expect((await pass('drained')).status).toBe('reconciled');
    const draining = (await liveRecords('drained')).filter(
      (r) => r.loadBalancing?.deregisteredAt !== undefined,
    );
    expect(draining).toHaveLength(1);
    const stopDueAt = Date.parse(draining[0]?.loadBalancing?.stopDueAt ?? '');
    expect(stopDueAt).toBeGreaterThanOrEqual(started + 3_000 - 50);
    expect(stopDueAt).toBeLessThan(started + 60_000);
  }, 60_000);
});

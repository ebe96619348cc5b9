import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../lib/domain';
import {
  recordedTargets,
  splitTargetGroupReads,
  TARGET_HEALTH_REFRESH_MS,
  whyReadGroup,
} from '../../../lib/reconcile/pass/target-reads';
import { deployment, iso, S, service, T0 } from '../../support/plan';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/00000000000000aa';
const OTHER = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/00000000000000bb';

const balanced = (readAt?: number) =>
  service({
    loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 80 }],
    deployments: [deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED' })],
    ...(readAt === undefined ? {} : { targetHealthReadAt: { [TG]: iso(readAt) } }),
  });

let serial = 0;
const record = (
  overrides: Partial<TaskRecord> = {},
  lb: Partial<NonNullable<TaskRecord['loadBalancing']>> = {},
) =>
  ({
    cluster: 'default',
    serviceName: 'web',
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/t${++serial}`,
    taskId: `t${serial}`,
    deploymentId: 'dep-1',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    privateIpv4Address: `10.0.0.${serial}`,
    eventVersion: 3,
    updatedAt: iso(T0 - 120 * S),
    loadBalancing: { targets: [{ targetGroupArn: TG, port: 80 }], healthyAt: iso(T0 - 100 * S), ...lb },
    ...overrides,
  }) as TaskRecord;

describe('which target groups a pass reads', () => {
  it('reads a group never read, or not read for a minute; trusts the inventory within it', () => {
    const records = [record(), record()];
    expect(whyReadGroup(balanced(), records, TG, T0)).toBe('not read lately');
    expect(whyReadGroup(balanced(T0 - TARGET_HEALTH_REFRESH_MS), records, TG, T0)).toBe('not read lately');
    expect(whyReadGroup(balanced(T0 - TARGET_HEALTH_REFRESH_MS + 1), records, TG, T0)).toBeUndefined();
  });

  it('never reads a group where no task of the service is recorded: a new service launches without a read', () => {
    // Never read, but nothing of the service's is there: its first pass plans its launches at once.
    expect(whyReadGroup(balanced(), [], TG, T0)).toBeUndefined();
    expect(
      whyReadGroup(balanced(), [record({ lastStatus: 'PENDING', loadBalancing: undefined })], TG, T0),
    ).toBeUndefined();
    expect(whyReadGroup(balanced(), [record({ loadBalancing: undefined })], TG, T0)).toBeUndefined();
    expect(whyReadGroup(balanced(), [record({ loadBalancing: undefined }), record()], TG, T0)).toBe(
      'not read lately',
    );
  });

  it('reads while a RUNNING task registered there is not yet recorded healthy, but not for one still PENDING', () => {
    const recent = balanced(T0 - 5 * S);
    const newTask = record({}, { healthyAt: undefined });
    expect(whyReadGroup(recent, [record(), newTask], TG, T0)).toBe(
      `task ${newTask.taskId} is becoming healthy`,
    );
    // Not registered yet: the pass registers it without reading (a read would not find it there).
    expect(whyReadGroup(recent, [record({ loadBalancing: undefined })], TG, T0)).toBeUndefined();
    expect(
      whyReadGroup(recent, [record({ lastStatus: 'PENDING', loadBalancing: undefined })], TG, T0),
    ).toBeUndefined();
    // Becoming healthy in another group says nothing of this one.
    const elsewhere = record({}, { healthyAt: undefined, targets: [{ targetGroupArn: OTHER, port: 80 }] });
    expect(whyReadGroup(recent, [elsewhere], TG, T0)).toBeUndefined();
  });

  it("does not read before the group's first health checks can have passed, once their timing is known", () => {
    // Checked every 10 s, healthy after 3 passes: not healthy before its start plus 20 s.
    const timed = {
      ...balanced(T0 - 5 * S),
      targetGroupHealthChecks: { [TG]: { intervalSeconds: 10, healthyThreshold: 3, readAt: iso(T0) } },
    };
    const started = (at: number) => record({ startedAt: iso(at) }, { healthyAt: undefined });
    expect(whyReadGroup(timed, [started(T0 - 19 * S)], TG, T0)).toBeUndefined();
    const ready = started(T0 - 20 * S);
    expect(whyReadGroup(timed, [ready], TG, T0)).toBe(`task ${ready.taskId} is becoming healthy`);
  });

  it('reads when a task registered there left since the last read without a drain (a stray to sweep)', () => {
    const recent = balanced(T0 - 5 * S);
    const crashed = record({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: iso(T0 - 2 * S) });
    expect(whyReadGroup(recent, [crashed], TG, T0)).toBe(`task ${crashed.taskId} left without being drained`);
    const told = record({ desiredStatus: 'STOPPED', stoppingAt: iso(T0 - 1 * S) });
    expect(whyReadGroup(recent, [told], TG, T0)).toBe(`task ${told.taskId} left without being drained`);
    // Left before the last read: that read saw it (and the pass swept it).
    const before = record({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: iso(T0 - 9 * S) });
    expect(whyReadGroup(recent, [before], TG, T0)).toBeUndefined();
    // Drained: Tugboat deregistered it itself.
    const drained = record(
      { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: iso(T0 - 2 * S) },
      { deregisteredAt: iso(T0 - 30 * S), stopDueAt: iso(T0 - 3 * S) },
    );
    expect(whyReadGroup(recent, [drained], TG, T0)).toBeUndefined();
  });

  it('splits the groups in play into read and recorded', () => {
    const recent = { ...balanced(T0 - 5 * S), targetHealthReadAt: { [TG]: iso(T0 - 5 * S) } };
    const there = record({}, { targets: [{ targetGroupArn: OTHER, port: 80 }] });
    expect(splitTargetGroupReads(recent, [record(), there], [TG, OTHER], T0)).toEqual({
      read: [OTHER],
      refresh: [],
      recorded: [TG],
    });
  });

  it('makes a group read before, whose only reason is its age, a refresh; a task moving there makes it a read', () => {
    const stale = balanced(T0 - TARGET_HEALTH_REFRESH_MS);
    expect(splitTargetGroupReads(stale, [record(), record()], [TG], T0)).toEqual({
      read: [],
      refresh: [TG],
      recorded: [],
    });
    // Never read: read, room or not.
    expect(splitTargetGroupReads(balanced(), [record()], [TG], T0).read).toEqual([TG]);
    // Old, and a task there may be healthy by now, or left undrained since the last read: read.
    const becoming = record({}, { healthyAt: undefined });
    expect(splitTargetGroupReads(stale, [record(), becoming], [TG], T0).read).toEqual([TG]);
    const crashed = record({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: iso(T0 - 2 * S) });
    expect(splitTargetGroupReads(stale, [record(), crashed], [TG], T0).read).toEqual([TG]);
  });
});

describe('a group as the inventory records it', () => {
  it('has each live task recorded healthy as healthy, one not yet as initial, a draining one as draining until its stop is due', () => {
    const healthy = record();
    const draining = record({}, { deregisteredAt: iso(T0 - 10 * S), stopDueAt: iso(T0 + 10 * S) });
    const drained = record({}, { deregisteredAt: iso(T0 - 30 * S), stopDueAt: iso(T0 - 1 * S) });
    const stopped = record({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED' });
    const leaving = record({ desiredStatus: 'STOPPED' });
    const notYet = record({}, { healthyAt: undefined });
    const elsewhere = record({}, { targets: [{ targetGroupArn: OTHER, port: 80 }] });
    expect(
      recordedTargets([healthy, draining, drained, stopped, leaving, notYet, elsewhere], TG, T0),
    ).toEqual([
      { id: healthy.privateIpv4Address, port: 80, state: 'healthy' },
      { id: draining.privateIpv4Address, port: 80, state: 'draining' },
      { id: notYet.privateIpv4Address, port: 80, state: 'initial' },
    ]);
  });
});

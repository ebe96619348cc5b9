/**
 * runningFloorHeld over a hand-made ledger: Tugboat's own stops below the floor are flagged; tasks dying
 * on their own are not, nor are they while the old tasks Tugboat replaced drain (seed 79).
 */
import { describe, expect, it } from 'vitest';
import type { Service } from '../../lib/domain';
import type { TaskStateChangeEvent } from '../../local/ecs';
import { service as serviceOf } from '../support/plan';
import { type CheckInput, Invariants } from './invariants';
import { Ledger } from './ledger';

const T = Date.parse('2026-12-01T00:00:00.000Z');
const web: Service = serviceOf({
  serviceName: 'web',
  desiredCount: 4,
  deploymentConfiguration: { ...serviceOf().deploymentConfiguration, minimumHealthyPercent: 50 },
});

const event = (
  n: number,
  at: number,
  lastStatus: string,
  stop?: { desiredStatus: 'STOPPED'; stopCode: string },
): TaskStateChangeEvent =>
  ({
    time: new Date(at).toISOString(),
    detail: {
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/t${n}`,
      group: 'service:web',
      lastStatus,
      desiredStatus: stop?.desiredStatus ?? 'RUNNING',
      ...(stop ? { stopCode: stop.stopCode } : {}),
      createdAt: new Date(T).toISOString(),
      attachments: [{ details: [{ name: 'privateIPv4Address', value: `10.0.0.${n}` }] }],
    },
  }) as unknown as TaskStateChangeEvent;

const world = () => {
  const ledger = new Ledger();
  const invariants = new Invariants();
  const memory = { deathsSeen: 0, caps: [], deployments: new Map() } as unknown as Parameters<
    Invariants['runningFloorHeld']
  >[3];
  const check = (now: number) =>
    invariants.runningFloorHeld({ now, ledger } as unknown as CheckInput, 'web', web, memory);
  return { ledger, invariants, check };
};

const byTugboat = { desiredStatus: 'STOPPED', stopCode: 'UserInitiated' } as const;
const crashed = { desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited' } as const;

describe('runningFloorHeld', () => {
  it("flags Tugboat's own stops below a floor it had reached (the planted defect)", () => {
    const { ledger, invariants, check } = world();
    for (const n of [1, 2, 3, 4]) ledger.observe(event(n, T, 'RUNNING'));
    check(T);
    for (const n of [1, 2, 3]) ledger.observe(event(n, T + 5_000, 'STOPPED', byTugboat));
    check(T + 5_000);
    expect(invariants.violations.map((v) => v.invariant)).toEqual(['runningFloorHeld']);
  });

  it('lets be tasks that died on their own, until the floor is reached again', () => {
    const { ledger, invariants, check } = world();
    for (const n of [1, 2, 3, 4]) ledger.observe(event(n, T, 'RUNNING'));
    check(T);
    for (const n of [1, 2, 3]) ledger.observe(event(n, T + 5_000, 'STOPPED', crashed));
    check(T + 5_000);
    expect(invariants.violations).toEqual([]);
  });

  it('lets be old tasks Tugboat drained within the floor whose replacements then died (seed 79)', () => {
    const { ledger, invariants, check } = world();
    // Two old tasks, two new; Tugboat drains the old ones (the floor of 2 is held by the new ones).
    for (const n of [1, 2, 3, 4]) ledger.observe(event(n, T, 'RUNNING'));
    check(T);
    ledger.deregistrations.push({ targetGroupArn: 'tg', id: '10.0.0.1', at: T + 1_000 });
    ledger.deregistrations.push({ targetGroupArn: 'tg', id: '10.0.0.2', at: T + 1_000 });
    // The new ones crash during the drain; the drained ones are still RUNNING at the next check...
    for (const n of [3, 4]) ledger.observe(event(n, T + 2_000, 'STOPPED', crashed));
    check(T + 5_000);
    // ...and stop when their drain ends.
    for (const n of [1, 2]) ledger.observe(event(n, T + 6_000, 'STOPPED', byTugboat));
    check(T + 10_000);
    expect(invariants.violations).toEqual([]);
  });

  it('still flags a drain that takes RUNNING tasks below the floor with nothing dying', () => {
    const { ledger, invariants, check } = world();
    for (const n of [1, 2, 3, 4]) ledger.observe(event(n, T, 'RUNNING'));
    check(T);
    for (const n of [1, 2, 3])
      ledger.deregistrations.push({ targetGroupArn: 'tg', id: `10.0.0.${n}`, at: T });
    check(T + 5_000);
    for (const n of [1, 2, 3]) ledger.observe(event(n, T + 6_000, 'STOPPED', byTugboat));
    check(T + 10_000);
    expect(invariants.violations.map((v) => v.invariant)).toEqual(['runningFloorHeld']);
  });
});

/**
 * The progressive delivery invariants over hand-made checks: each flags the planted defect it is for, and
 * lets be the neighbouring cases that are no defect.
 */
import { describe, expect, it } from 'vitest';
import type { Deployment, Service, TrafficShift } from '../../lib/domain';
import { deployment, service } from '../support/plan';
import {
  EMPTY_GROUP_GRACE_MS,
  emptyGroupMemory,
  type HookCall,
  hooksOnlyWhileLive,
  newerShiftOnto,
  noTrafficToEmptyGroup,
  ROLLBACK_GRACE_MS,
  type RollbackRecord,
  type RuleView,
  rollbackClearsProduction,
  weightsNeverAllZero,
} from './invariants-progressive';

const BLUE = 'tg/blue';
const GREEN = 'tg/green';
const RULE = 'rule/prod';
const T = 1_000_000;

describe('rollbackClearsProduction', () => {
  const record = (): RollbackRecord => ({
    service: 'web',
    deploymentId: 'd2',
    failedAt: T,
    at: T,
    routes: [{ rule: RULE, to: GREEN, from: BLUE }],
  });
  const never = () => false;

  it('flags a failed group that still has production weight past the grace (the planted defect)', () => {
    const records = [record()];
    const found = rollbackClearsProduction(
      T + ROLLBACK_GRACE_MS,
      records,
      () => ({ [BLUE]: 900, [GREEN]: 100 }),
      never,
    );
    expect(found.map((v) => v.invariant)).toEqual(['rollbackClearsProduction']);
    // Judged once.
    expect(
      rollbackClearsProduction(T + 2 * ROLLBACK_GRACE_MS, records, () => ({ [GREEN]: 1 }), never),
    ).toEqual([]);
  });

  it('lets be the rule back on the old group, and a check still within the grace', () => {
    expect(rollbackClearsProduction(T + 1_000, [record()], () => ({ [GREEN]: 1 }), never)).toEqual([]);
    expect(
      rollbackClearsProduction(T + ROLLBACK_GRACE_MS, [record()], () => ({ [BLUE]: 1, [GREEN]: 0 }), never),
    ).toEqual([]);
  });

  it('lets be a newer deployment that shifts production onto the same group (a deploy after the rollback)', () => {
    expect(
      rollbackClearsProduction(
        T + ROLLBACK_GRACE_MS,
        [record()],
        () => ({ [BLUE]: 500, [GREEN]: 500 }),
        () => true,
      ),
    ).toEqual([]);
  });

  it('lets traffic stay while the group rolled back to has nothing healthy, then gives the grace again', () => {
    const records = [record()];
    let blueHealthy = 0;
    const healthyIn = (group: string) => (group === BLUE ? blueHealthy : 2);
    const onGreen = () => ({ [BLUE]: 0, [GREEN]: 1 });
    expect(rollbackClearsProduction(T + ROLLBACK_GRACE_MS, records, onGreen, never, healthyIn)).toEqual([]);
    expect(rollbackClearsProduction(T + 3 * ROLLBACK_GRACE_MS, records, onGreen, never, healthyIn)).toEqual(
      [],
    );
    blueHealthy = 1;
    // The rollback's tasks serve from here: one more grace, then the failed group must be clear.
    const later = T + 3 * ROLLBACK_GRACE_MS;
    expect(rollbackClearsProduction(later + 1_000, records, onGreen, never, healthyIn)).toEqual([]);
    expect(
      rollbackClearsProduction(later + ROLLBACK_GRACE_MS, records, onGreen, never, healthyIn).map(
        (v) => v.invariant,
      ),
    ).toEqual(['rollbackClearsProduction']);
  });

  it('measures the grace from the last step the group rolled back to was down, not from the judging step (seed 770)', () => {
    const records = [record()];
    let blueHealthy = 0;
    const healthyIn = (group: string) => (group === BLUE ? blueHealthy : 2);
    const onGreen = () => ({ [BLUE]: 0, [GREEN]: 1 });
    const step = 5_000;
    // Down at every step through T + 15 s (a crash loop), then serving from T + 20 s.
    for (let at = T + step; at <= T + 3 * step; at += step)
      expect(rollbackClearsProduction(at, records, onGreen, never, healthyIn)).toEqual([]);
    blueHealthy = 2;
    // One step of serving is not the grace.
    expect(rollbackClearsProduction(T + 4 * step, records, onGreen, never, healthyIn)).toEqual([]);
    // A whole grace since it was last seen down: production owes it now.
    expect(
      rollbackClearsProduction(T + 3 * step + ROLLBACK_GRACE_MS, records, onGreen, never, healthyIn).map(
        (v) => v.invariant,
      ),
    ).toEqual(['rollbackClearsProduction']);
  });

  // Seed 3046: a deploy 3 minutes after the failure shifted onto its group while the group rolled back to
  // never served (its grace kept starting again); once it did, the excuse looked for a deploy newer than
  // the grace's start, not than the failure, and blamed the newer deployment's 50 % on the failed one.
  it('excuses a deployment made after the failure that shifts onto its group, though the grace started again later', () => {
    const records = [record()];
    let blueHealthy = 0;
    const healthyIn = (group: string) => (group === BLUE ? blueHealthy : 2);
    const half = () => ({ [BLUE]: 500, [GREEN]: 500 });
    const madeAt = T + 60_000;
    const shiftingOnto = (_service: string, group: string, since: number) =>
      group === GREEN && madeAt >= since;
    const downUntil = T + 120_000;
    expect(rollbackClearsProduction(downUntil, records, half, shiftingOnto, healthyIn)).toEqual([]);
    blueHealthy = 1;
    expect(
      rollbackClearsProduction(downUntil + ROLLBACK_GRACE_MS, records, half, shiftingOnto, healthyIn),
    ).toEqual([]);
    expect(records[0]?.judged).toBe(true);
  });
});

describe("rollbackClearsProduction's excuse, a newer shift onto the group (newerShiftOnto)", () => {
  const shifted = (createdAt: number, productionPercent: number, status: Deployment['status'] = 'PRIMARY') =>
    deployment('d3', 'web:3', {
      status,
      createdAt: new Date(createdAt).toISOString(),
      trafficShift: {
        strategy: 'CANARY',
        stage: 'PRODUCTION_TRAFFIC_SHIFT',
        stageStartedAt: new Date(createdAt).toISOString(),
        productionPercent,
        routes: [{ targetGroupArn: BLUE, from: BLUE, to: GREEN }],
        bakeTimeInMinutes: 0,
      },
    });

  it('counts a deploy made in the same instant as the failure (seed 1724) or after it', () => {
    expect(newerShiftOnto([shifted(T, 90.1)], GREEN, T)).toBe(true);
    expect(newerShiftOnto([shifted(T + 1, 90.1)], GREEN, T)).toBe(true);
  });

  it('not one made before the failure, one not yet shifting, one not PRIMARY, or another group', () => {
    expect(newerShiftOnto([shifted(T - 1, 90.1)], GREEN, T)).toBe(false);
    expect(newerShiftOnto([shifted(T, 0)], GREEN, T)).toBe(false);
    expect(newerShiftOnto([shifted(T, 90.1, 'ACTIVE')], GREEN, T)).toBe(false);
    expect(newerShiftOnto([shifted(T, 90.1)], BLUE, T)).toBe(false);
  });
});

describe('noTrafficToEmptyGroup', () => {
  const view = (weights: Record<string, number>, healthy: Record<string, number>): RuleView => ({
    service: 'web',
    rule: RULE,
    groups: [BLUE, GREEN],
    weights,
    healthy,
  });

  it('flags all the weight on a group with no healthy target while the other has some, past the grace (planted)', () => {
    const since = emptyGroupMemory();
    const starved = view({ [BLUE]: 0, [GREEN]: 1 }, { [BLUE]: 2, [GREEN]: 0 });
    const found = [];
    for (let now = T; now <= T + EMPTY_GROUP_GRACE_MS + 10_000; now += 5_000)
      found.push(...noTrafficToEmptyGroup(now, [starved], since));
    expect(found.map((v) => v.invariant)).toEqual(['noTrafficToEmptyGroup']);
  });

  it('lets be the old group of a shift in progress (seed 2: a deploy mending a revision that never served)', () => {
    const since = emptyGroupMemory();
    const old = view({ [BLUE]: 1, [GREEN]: 0 }, { [BLUE]: 0, [GREEN]: 6 });
    for (let now = T; now <= T + 2 * EMPTY_GROUP_GRACE_MS; now += 5_000)
      expect(
        noTrafficToEmptyGroup(now, [old], since, (_, group) => (group === BLUE ? T : undefined)),
      ).toEqual([]);
    // Its new group gets no such pass.
    const onNew = view({ [BLUE]: 0, [GREEN]: 1 }, { [BLUE]: 2, [GREEN]: 0 });
    const found = [];
    const memory = emptyGroupMemory();
    for (let now = T; now <= T + 2 * EMPTY_GROUP_GRACE_MS; now += 5_000)
      found.push(
        ...noTrafficToEmptyGroup(now, [onNew], memory, (_, group) => (group === BLUE ? T : undefined)),
      );
    expect(found).toHaveLength(1);
  });

  // Seed 3158: a deploy made while the shift before it was at CLEAN_UP shifted from the group its old
  // tasks had drained from; production, all on the healthy group, went all to the empty one.
  it('flags production moved onto the empty old group of a shift after the shift began (planted)', () => {
    const memory = emptyGroupMemory();
    const serving = view({ [BLUE]: 0, [GREEN]: 1 }, { [BLUE]: 0, [GREEN]: 5 });
    const moved = view({ [BLUE]: 1, [GREEN]: 0 }, { [BLUE]: 0, [GREEN]: 5 });
    const keeps = (_: RuleView, group: string) => (group === BLUE ? T : undefined);
    expect(noTrafficToEmptyGroup(T - 5_000, [serving], memory, keeps)).toEqual([]);
    const found = [];
    for (let now = T + 5_000; now <= T + 2 * EMPTY_GROUP_GRACE_MS; now += 5_000)
      found.push(...noTrafficToEmptyGroup(now, [moved], memory, keeps));
    expect(found.map((v) => v.invariant)).toEqual(['noTrafficToEmptyGroup']);
  });

  it('lets be a short episode, a split, both groups empty, and the serving group healthy', () => {
    const since = emptyGroupMemory();
    const cases = [
      view({ [BLUE]: 500, [GREEN]: 500 }, { [BLUE]: 2, [GREEN]: 0 }),
      view({ [BLUE]: 1 }, { [BLUE]: 0, [GREEN]: 0 }),
      view({ [BLUE]: 1, [GREEN]: 0 }, { [BLUE]: 1, [GREEN]: 3 }),
    ];
    for (let now = T; now <= T + 2 * EMPTY_GROUP_GRACE_MS; now += 5_000)
      expect(noTrafficToEmptyGroup(now, cases, since)).toEqual([]);
    // Starved for less than the grace, then healthy again.
    const starved = view({ [GREEN]: 1 }, { [BLUE]: 1, [GREEN]: 0 });
    const healed = view({ [GREEN]: 1 }, { [BLUE]: 1, [GREEN]: 1 });
    expect(noTrafficToEmptyGroup(T, [starved], since)).toEqual([]);
    expect(noTrafficToEmptyGroup(T + EMPTY_GROUP_GRACE_MS - 5_000, [starved], since)).toEqual([]);
    expect(noTrafficToEmptyGroup(T + EMPTY_GROUP_GRACE_MS, [healed], since)).toEqual([]);
    expect(noTrafficToEmptyGroup(T + EMPTY_GROUP_GRACE_MS + 5_000, [starved], since)).toEqual([]);
  });
});

describe('weightsNeverAllZero', () => {
  it('flags a forward whose weights are all 0 (planted), not one with weight or none at all', () => {
    expect(weightsNeverAllZero('web', RULE, { [BLUE]: 0, [GREEN]: 0 }, T).map((v) => v.invariant)).toEqual([
      'weightsNeverAllZero',
    ]);
    expect(weightsNeverAllZero('web', RULE, { [BLUE]: 0, [GREEN]: 1 }, T)).toEqual([]);
    expect(weightsNeverAllZero('web', RULE, {}, T)).toEqual([]);
  });
});

describe('hooksOnlyWhileLive', () => {
  const shift = (stage: TrafficShift['stage']): TrafficShift =>
    ({
      strategy: 'CANARY',
      stage,
      stageStartedAt: new Date(T).toISOString(),
      productionPercent: 0,
      routes: [],
      bakeTimeInMinutes: 0,
    }) as TrafficShift;
  const withDeployment = (overrides: Partial<Deployment>, status: Service['status'] = 'ACTIVE'): Service =>
    service({ serviceName: 'web', status, deployments: [deployment('d2', 'web:2', overrides)] });
  const call = (stage: HookCall['stage']): HookCall => ({
    at: T,
    service: 'web',
    deploymentId: 'd2',
    stage,
    target: 'fn',
  });

  it('lets be a call for an IN_PROGRESS PRIMARY', () => {
    const live = withDeployment({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      trafficShift: shift('PRODUCTION_TRAFFIC_SHIFT'),
    });
    expect(hooksOnlyWhileLive(call('PRODUCTION_TRAFFIC_SHIFT'), live, undefined)).toEqual([]);
  });

  it('flags a call for a COMPLETED or INACTIVE deployment (planted)', () => {
    const completed = withDeployment({
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      trafficShift: shift('CLEAN_UP'),
    });
    const inactive = withDeployment({
      status: 'INACTIVE',
      rolloutState: 'STOPPED',
      trafficShift: shift('BAKE_TIME'),
    });
    expect(hooksOnlyWhileLive(call('POST_PRODUCTION_TRAFFIC_SHIFT'), completed, undefined)).toHaveLength(1);
    expect(hooksOnlyWhileLive(call('PRODUCTION_TRAFFIC_SHIFT'), inactive, undefined)).toHaveLength(1);
  });

  it('flags a call for a service being deleted, or after its DELETE, even for an IN_PROGRESS PRIMARY (planted)', () => {
    const draining = withDeployment(
      { status: 'PRIMARY', rolloutState: 'IN_PROGRESS', trafficShift: shift('SCALE_UP') },
      'DRAINING',
    );
    expect(hooksOnlyWhileLive(call('PRE_SCALE_UP'), draining, undefined)).toHaveLength(1);
    const live = withDeployment({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      trafficShift: shift('SCALE_UP'),
    });
    expect(hooksOnlyWhileLive(call('PRE_SCALE_UP'), live, T - 1)).toHaveLength(1);
  });

  it("lets be a failed deployment's rollback hooks at the traffic-shift stages only, INACTIVE or not", () => {
    for (const status of ['ACTIVE', 'INACTIVE'] as const) {
      const rolling = withDeployment({ status, rolloutState: 'FAILED', trafficShift: shift('ROLLBACK') });
      expect(hooksOnlyWhileLive(call('TEST_TRAFFIC_SHIFT'), rolling, undefined)).toEqual([]);
      expect(hooksOnlyWhileLive(call('PRODUCTION_TRAFFIC_SHIFT'), rolling, undefined)).toEqual([]);
      expect(hooksOnlyWhileLive(call('POST_SCALE_UP'), rolling, undefined)).toHaveLength(1);
    }
    // A failure without rollback (ABORT) calls nothing.
    const aborted = withDeployment({
      status: 'PRIMARY',
      rolloutState: 'FAILED',
      trafficShift: shift('BAKE_TIME'),
    });
    expect(hooksOnlyWhileLive(call('PRODUCTION_TRAFFIC_SHIFT'), aborted, undefined)).toHaveLength(1);
  });
});

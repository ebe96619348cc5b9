import { describe, expect, it } from 'vitest';
import type { DeploymentConfiguration } from '../../../lib/domain';
import { deployment, deploymentConfiguration, service } from '../../support/plan';
import { type Revision, Simulation } from './sim';

const settledOn = (sim: Simulation, taskDefinition: string) =>
  sim.primary().taskDefinition === taskDefinition && sim.primary().rolloutState === 'COMPLETED';

/** A service of `desired` healthy web:1 tasks, its deployment COMPLETED, as the simulation leaves it. */
const steadyService = (
  desired: number,
  config: Partial<DeploymentConfiguration>,
  revisions: Record<string, Revision>,
  stepMs = 10_000,
) => {
  const sim = new Simulation(
    service({ desiredCount: desired, deploymentConfiguration: deploymentConfiguration(config) }),
    revisions,
    stepMs,
  );
  sim.runUntil((s) => settledOn(s, 'web:1'));
  expect(sim.liveTasksOf('web:1')).toHaveLength(desired);
  return sim;
};

describe('rolling deployment (simulated, invariants checked at every step)', () => {
  const revisions = (hasHealthCheck: boolean): Record<string, Revision> => ({
    'web:1': { hasHealthCheck, behaviour: 'healthy' },
    'web:2': { hasHealthCheck, behaviour: 'healthy' },
  });

  it.each([
    { min: 100, max: 200, desired: 4, hasHealthCheck: false, firstLaunch: 4, firstStops: 0 },
    { min: 100, max: 200, desired: 3, hasHealthCheck: true, firstLaunch: 3, firstStops: 0 },
    { min: 50, max: 100, desired: 4, hasHealthCheck: false, firstLaunch: 2, firstStops: 2 },
    { min: 50, max: 100, desired: 3, hasHealthCheck: true, firstLaunch: 1, firstStops: 1 },
    { min: 0, max: 100, desired: 4, hasHealthCheck: false, firstLaunch: 4, firstStops: 4 },
    { min: 100, max: 150, desired: 4, hasHealthCheck: true, firstLaunch: 2, firstStops: 0 },
    { min: 50, max: 200, desired: 5, hasHealthCheck: false, firstLaunch: 5, firstStops: 2 },
  ])('$min/$max with $desired tasks (health check: $hasHealthCheck) converges to the new revision', (c) => {
    const sim = steadyService(
      c.desired,
      { minimumHealthyPercent: c.min, maximumPercent: c.max, minReadySeconds: 20 },
      revisions(c.hasHealthCheck),
    );
    const oldDeployment = sim.primary().id;
    const newDeployment = sim.deploy('web:2');

    const first = sim.step();
    const launches = first.actions.filter((a) => a.type === 'launch');
    const stops = first.actions.filter((a) => a.type === 'stop');
    expect(launches.reduce((n, a) => n + (a.type === 'launch' ? a.count : 0), 0)).toBe(c.firstLaunch);
    expect(stops).toHaveLength(c.firstStops);
    for (const action of first.actions) expect(action.reason.length).toBeGreaterThan(0);

    sim.runUntil((s) => settledOn(s, 'web:2'));
    expect(sim.liveTasksOf('web:2')).toHaveLength(c.desired);
    expect(sim.liveTasksOf('web:1')).toHaveLength(0);
    const old = sim.service.deployments.find((d) => d.id === oldDeployment);
    expect(old?.status).toBe('INACTIVE');
    expect(sim.primary()).toMatchObject({ id: newDeployment, status: 'PRIMARY', runningCount: c.desired });
    expect(sim.events.at(-1)).toBe('service web has reached a steady state.');
  });

  it('a blocked 100/100 deploy stays put with an event saying why, then fails at the progress deadline', () => {
    const sim = steadyService(
      3,
      { minimumHealthyPercent: 100, maximumPercent: 100, progressDeadlineSeconds: 60 },
      revisions(false),
    );
    const stuck = sim.deploy('web:2');
    const first = sim.step();
    expect(first.actions.filter((a) => a.type !== 'hold')).toEqual([]);
    expect(first.events).toHaveLength(1);
    expect(first.events[0]).toMatch(
      /cannot make progress: maximumPercent 100 allows 3 running or pending tasks/,
    );
    const second = sim.step();
    expect(second.events).toEqual(first.events);
    sim.runUntil((s) => s.service.deployments.find((d) => d.id === stuck)?.rolloutState === 'FAILED', 10);
    expect(sim.liveTasksOf('web:1')).toHaveLength(3);
  });

  it('scales up and down, stopping the newest tasks', () => {
    const sim = steadyService(2, { minimumHealthyPercent: 100, maximumPercent: 200 }, revisions(false));
    sim.service.desiredCount = 5;
    const up = sim.step();
    expect(up.actions).toEqual([expect.objectContaining({ type: 'launch', count: 3 })]);
    sim.runUntil((s) => s.liveTasksOf('web:1').length === 5 && s.healthyCount() === 5);
    const newest = sim.liveTasksOf('web:1').slice(-2);
    sim.service.desiredCount = 3;
    const down = sim.step();
    expect(
      down.actions
        .filter((a) => a.type === 'stop')
        .map((a) => (a.type === 'stop' ? a.taskArn : ''))
        .sort(),
    ).toEqual(newest.map((t) => t.taskArn).sort());
    sim.runUntil((s) => s.liveTasksOf('web:1').length === 3);
  });

  it('replaces a lost task at once, then records the steady state again', () => {
    const sim = steadyService(3, {}, revisions(true));
    sim.step();
    expect(sim.results.at(-1)?.events).toEqual([]);
    sim.kill(sim.liveTasksOf('web:1')[0]!.taskArn);
    const replace = sim.step();
    expect(replace.actions).toEqual([expect.objectContaining({ type: 'launch', count: 1 })]);
    sim.runUntil(
      (s) => s.results.at(-1)?.events.includes('service web has reached a steady state.') ?? false,
    );
  });
});

describe('failing deployments (simulated)', () => {
  const breaker = { enable: true, rollback: true };

  it('a crashing revision trips the circuit breaker and rolls back to the last COMPLETED revision', () => {
    const sim = steadyService(
      3,
      { deploymentCircuitBreaker: breaker, minReadySeconds: 40 },
      {
        'web:1': { hasHealthCheck: false, behaviour: 'healthy' },
        'web:2': { hasHealthCheck: false, behaviour: 'crash', crashAfterMs: 10_000 },
      },
    );
    const before = sim.liveTasksOf('web:1').map((t) => t.taskArn);
    const bad = sim.deploy('web:2');
    sim.runUntil((s) => s.service.deployments.find((d) => d.id === bad)?.rolloutState === 'FAILED');
    const failed = sim.service.deployments.find((d) => d.id === bad)!;
    // Three launched at once, three crashed before minReady: exactly the default threshold.
    expect(failed.failedTasks).toBe(3);
    expect(failed.rolloutStateReason).toMatch(/circuit breaker: 3 tasks failed .* \(threshold 3\)/);
    expect(failed.status).not.toBe('PRIMARY');
    // The web:1 tasks never stopped: the rollback adopts them, and is done at once.
    expect(sim.primary()).toMatchObject({
      taskDefinition: 'web:1',
      rollbackOf: bad,
      rolloutState: 'COMPLETED',
      runningCount: 3,
    });
    expect(sim.events.some((e) => /rolling back to task definition web:1/.test(e))).toBe(true);
    expect(sim.service.taskDefinition).toBe('web:1');

    sim.runUntil((s) => settledOn(s, 'web:1') && s.liveTasksOf('web:2').length === 0);
    expect(sim.liveTasksOf('web:1').map((t) => t.taskArn)).toEqual(before);
    expect(sim.service.deployments.find((d) => d.id === bad)).toMatchObject({
      rolloutState: 'FAILED',
      status: 'INACTIVE',
    });
  });

  it('an UNHEALTHY revision is stopped after the grace period, counted, and rolled back', () => {
    const sim = steadyService(
      2,
      { deploymentCircuitBreaker: breaker },
      {
        'web:1': { hasHealthCheck: true, behaviour: 'healthy' },
        'web:2': { hasHealthCheck: true, behaviour: 'unhealthy' },
      },
    );
    sim.service.healthCheckGracePeriodSeconds = 15;
    const bad = sim.deploy('web:2');
    sim.runUntil((s) => s.service.deployments.find((d) => d.id === bad)?.rolloutState === 'FAILED');
    const unhealthyStops = sim.results.flatMap((r) =>
      r.actions.filter((a) => a.type === 'stop' && a.cause === 'unhealthy'),
    );
    expect(unhealthyStops.length).toBeGreaterThanOrEqual(3);
    sim.runUntil((s) => settledOn(s, 'web:1') && s.liveTasksOf('web:2').length === 0);
    expect(sim.liveTasksOf('web:1')).toHaveLength(2);
  });

  it('without rollback a failed deployment launches nothing more and the old tasks keep serving', () => {
    const sim = steadyService(
      3,
      { deploymentCircuitBreaker: { enable: true, rollback: false }, minReadySeconds: 40 },
      {
        'web:1': { hasHealthCheck: false, behaviour: 'healthy' },
        'web:2': { hasHealthCheck: false, behaviour: 'failToStart' },
      },
    );
    const bad = sim.deploy('web:2');
    sim.runUntil((s) => s.primary().rolloutState === 'FAILED');
    expect(sim.primary().id).toBe(bad);
    for (let i = 0; i < 10; i++) {
      const result = sim.step();
      expect(result.actions.filter((a) => a.type === 'launch')).toEqual([]);
    }
    expect(sim.liveTasksOf('web:1')).toHaveLength(3);
  });

  it('crash loops back off exponentially up to the maximum, and a new deployment resets the wait', () => {
    const sim = new Simulation(
      service({
        desiredCount: 1,
        deploymentConfiguration: deploymentConfiguration({
          minReadySeconds: 40,
          progressDeadlineSeconds: 86_400,
        }),
        deployments: [deployment('dep-1', 'web:1', { desiredCount: 1 })],
      }),
      {
        'web:1': { hasHealthCheck: false, behaviour: 'crash', crashAfterMs: 0 },
        'web:2': { hasHealthCheck: false, behaviour: 'healthy' },
      },
      1_000,
      { backoffBaseMs: 4_000, backoffMaxMs: 30_000 },
    );
    const launchTimes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const at = sim.now;
      if (sim.step().actions.some((a) => a.type === 'launch')) launchTimes.push(at);
    }
    const gaps = launchTimes.slice(1).map((t, i) => t - launchTimes[i]!);
    // Each launch fails 2 steps later (provisioning, then a crash); waits of 0, 4, 8, 16, then 30 s.
    expect(gaps.slice(0, 6)).toEqual([2_000, 6_000, 10_000, 18_000, 32_000, 32_000]);
    expect(sim.primary().consecutiveFailures).toBeGreaterThanOrEqual(6);

    sim.deploy('web:2');
    const fresh = sim.step();
    expect(fresh.actions).toEqual([
      expect.objectContaining({ type: 'launch', taskDefinition: 'web:2', count: 1 }),
    ]);
  });
});

describe('draining (simulated)', () => {
  it('stops every task, then the service becomes INACTIVE', () => {
    const sim = steadyService(3, {}, { 'web:1': { hasHealthCheck: false, behaviour: 'healthy' } });
    sim.service.status = 'DRAINING';
    const first = sim.step();
    expect(first.actions.filter((a) => a.type === 'stop')).toHaveLength(3);
    expect(first.serviceStatus).toBe('DRAINING');
    sim.runUntil((s) => s.service.status === 'INACTIVE', 5);
    expect(sim.liveCount()).toBe(0);
    expect(sim.service.deployments.every((d) => d.status === 'INACTIVE')).toBe(true);
    expect(sim.events.at(-1)).toBe('service web has stopped all its tasks and is now INACTIVE.');
    expect(sim.step().actions).toEqual([]);
  });
});

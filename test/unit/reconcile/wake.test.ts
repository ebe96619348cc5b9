/**
 * When a pass asks to be woken: a crash loop's back-off may outlast the deployment's progress deadline,
 * and the deployment must still be judged at its deadline (a defect the scenario fuzzer found: a
 * backing-off deployment stayed IN_PROGRESS past progressDeadlineSeconds until its back-off ended); and
 * production kept off its serving group waits on the load balancer's health checks, not on minReadySeconds.
 */
import { describe, expect, it } from 'vitest';
import { TARGET_HEALTH_PACE_MS, wakeDelay } from '../../../lib/reconcile/pass/wake';
import { plan } from '../../../lib/reconcile/plan/plan';
import { deployment, deploymentConfiguration, iso, S, service, T0, task } from '../../support/plan';
import { slowReadyCanaryAt10Percent } from '../../support/traffic-world';

/** A PRIMARY whose tasks crashed `crashes` times, the last one just now: a long back-off. */
const crashLoop = (crashes: number, lastProgressAgoMs: number, progressDeadlineSeconds?: number) => {
  const svc = service({
    desiredCount: 1,
    deploymentConfiguration: deploymentConfiguration({
      ...(progressDeadlineSeconds === undefined ? {} : { progressDeadlineSeconds }),
    }),
    deployments: [deployment('dep-1', 'web:1', { lastProgressAt: iso(T0 - lastProgressAgoMs) })],
  });
  const crashed = Array.from({ length: crashes }, (_, index) => {
    const at = T0 - (crashes - 1 - index) * 5 * S;
    return task('dep-1', {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      createdAt: at - 3 * S,
      startedAt: at - 2 * S,
      stoppingAt: at,
      stoppedAt: at + S,
    });
  });
  const result = plan({ service: svc, observedTasks: crashed, taskDefinitions: {}, now: T0 });
  return { svc, result };
};

describe('wakeDelay', () => {
  it('wakes a backing-off in-progress deployment at its progress deadline when the back-off ends later', () => {
    const { svc, result } = crashLoop(8, 590 * S, 600);
    const hold = result.actions.find((action) => action.type === 'hold' && action.until !== undefined);
    expect(hold && hold.type === 'hold' ? (hold.until ?? 0) - T0 : 0).toBeGreaterThan(10 * S);
    expect(wakeDelay(svc, result, T0)).toBe(10 * S);
  });

  it('wakes at the back-off end when it comes before the deadline', () => {
    const { svc, result } = crashLoop(2, 0, 600);
    const hold = result.actions.find((action) => action.type === 'hold' && action.until !== undefined);
    const until = hold && hold.type === 'hold' ? hold.until : undefined;
    expect(until).toBeDefined();
    expect(wakeDelay(svc, result, T0)).toBe((until ?? 0) - T0);
  });
});

describe('wakeDelay while production waits on a group to serve', () => {
  // Fuzz seeds 3046, 3158, 3192: a rollback to a revision with no task left keeps production on the failed
  // group until its own tasks serve, but looked again only at minReadySeconds' pace (up to 30 s) or at a
  // Spot back-off's end: production stayed on the failed group 15-20 s after ELB called them healthy.
  it("looks again at the load balancer's pace, and takes production back once the targets are healthy", () => {
    const world = slowReadyCanaryAt10Percent();
    world.die('dep-1');
    world.service = {
      ...world.service,
      deployments: world.service.deployments.map((d) =>
        d.id === 'dep-2' ? { ...d, stopRequested: { stopType: 'ROLLBACK', at: iso(world.now) } } : d,
      ),
    };
    world.checksTakeMs = 10 * S;
    world.pass();
    expect(world.primary).toMatchObject({ rollbackOf: 'dep-2', rolloutState: 'IN_PROGRESS' });
    // The rollback's tasks run and register; ELB has not called them healthy yet.
    world.now += S;
    const registering = world.pass();
    expect(world.share()).toBe(100);
    expect(wakeDelay(world.service, registering, world.now)).toBe(TARGET_HEALTH_PACE_MS);
    world.now += TARGET_HEALTH_PACE_MS;
    expect(wakeDelay(world.service, world.pass(), world.now)).toBe(TARGET_HEALTH_PACE_MS);
    expect(world.share()).toBe(100);
    world.now += TARGET_HEALTH_PACE_MS;
    const serving = world.pass();
    expect(world.share()).toBe(0);
    // Nothing waits on ELB any more: the rollout's own pace (minReadySeconds, at most 30 s).
    expect(serving.trafficAwaitsHealth).toBeUndefined();
    expect(wakeDelay(world.service, serving, world.now)).toBe(30 * S);
  });
});

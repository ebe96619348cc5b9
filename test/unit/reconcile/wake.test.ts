/**
 * When a pass asks to be woken: a crash loop's back-off may outlast the deployment's progress deadline,
 * and the deployment must still be judged at its deadline (a defect the scenario fuzzer found: a
 * backing-off deployment stayed IN_PROGRESS past progressDeadlineSeconds until its back-off ended).
 */
import { describe, expect, it } from 'vitest';
import { wakeDelay } from '../../../lib/reconcile/pass/wake';
import { plan } from '../../../lib/reconcile/plan/plan';
import { deployment, deploymentConfiguration, iso, S, service, T0, task } from '../../support/plan';

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

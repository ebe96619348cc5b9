import { describe, expect, it } from 'vitest';
import { schedulerMetrics } from '../../../lib/reconcile/scheduler/metrics';
import type { SchedulerReport } from '../../../lib/reconcile/scheduler/scheduler';

const steady: SchedulerReport = {
  clusters: 1,
  services: 1000,
  enqueued: 0,
  unknownTasks: 0,
  vanishedTasks: 0,
  alreadyRequested: 0,
  failedClusters: [],
};

describe('schedulerMetrics', () => {
  it('a steady run sends ServicesScanned alone: the zero counts would each be a billed metric', () => {
    expect(schedulerMetrics(steady)).toEqual([['ServicesScanned', 1000]]);
  });

  it('sends every count that is not zero', () => {
    expect(
      schedulerMetrics({
        ...steady,
        enqueued: 3,
        alreadyRequested: 2,
        unknownTasks: 1,
        vanishedTasks: 4,
        failedClusters: [{ cluster: 'b', error: new Error('x') }],
        targetGroupsUnread: 2,
      }),
    ).toEqual([
      ['ClusterCheckFailures', 1],
      ['ServicesScanned', 1000],
      ['ServicesEnqueued', 3],
      ['ServicesAlreadyRequested', 2],
      ['TasksOutOfStep', 5],
      ['TargetGroupsUnread', 2],
    ]);
  });
});

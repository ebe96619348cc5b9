import type { SchedulerReport } from './scheduler';

/**
 * The CloudWatch metrics of one scheduler run, by name. A custom metric is billed for each hour it
 * receives data ($0.30 a month when sent every hour), so the counts that are zero at steady state are
 * sent only when they are not: a steady fleet pays for ServicesScanned alone. A missing data point of
 * the others means 0 (alarm on them with treatMissingData: notBreaching).
 */
export const schedulerMetrics = (report: SchedulerReport): Array<[name: string, count: number]> => {
  const all: Array<[string, number]> = [
    ['ClusterCheckFailures', report.failedClusters.length],
    ['ServicesScanned', report.services],
    ['ServicesEnqueued', report.enqueued],
    ['ServicesAlreadyRequested', report.alreadyRequested],
    // Tasks the level check found out of step with the inventory: lost or late events.
    ['TasksOutOfStep', report.unknownTasks + report.vanishedTasks],
    // Target groups the run could not read before its deadline, or that ELB failed to describe.
    ['TargetGroupsUnread', report.targetGroupsUnread ?? 0],
  ];
  return all.filter(([name, count]) => name === 'ServicesScanned' || count > 0);
};

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createSchedulerElbDescribePacer } from '../lib/elb/calls';
import { tugboatMetrics } from '../lib/metrics';
import { schedulerDeadline } from '../lib/reconcile/scheduler/deadline';
import { schedulerMetrics } from '../lib/reconcile/scheduler/metrics';
import { runReconcileScheduler } from '../lib/reconcile/scheduler/scheduler';
import { runtimeNow } from '../lib/runtime-clock';
import { createBaseRuntime } from '../lib/wiring-base';
import { elbGatewayOnce } from '../lib/wiring-elb';

const runtime = createBaseRuntime();
// The scheduler's own share of ELB's Describe* budget (lib/elb/calls.ts), on real time (a virtual clock
// that stands still would never refill it); the target-group check's deadline bounds each wait for room.
const elb = elbGatewayOnce(() => ({
  describePacer: createSchedulerElbDescribePacer(),
  maxRoomWaitMs: Number.POSITIVE_INFINITY,
}));
const logger = new Logger({ serviceName: 'tugboat-reconcile-scheduler' });
const metrics = tugboatMetrics('tugboat-reconcile-scheduler');
const queue = runtime.reconcileQueue();
/** Other installations' running tasks, remembered while this instance is warm. */
const foreignTasks = new Set<string>();

export const handler = middy<ScheduledEvent, unknown, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    const report = await runReconcileScheduler({
      store: runtime.store,
      ecsFor: runtime.ecsFor,
      elb: elb(),
      // The schedule's event id is the correlation id of the passes it asks for.
      enqueue: (requests) =>
        queue.enqueue(requests.map((request) => ({ correlationId: event.id, ...request }))),
      now: runtimeNow,
      ...(runtime.config.installation ? { installation: runtime.config.installation } : {}),
      foreignTasks,
      deadline: schedulerDeadline(runtimeNow(), context.getRemainingTimeInMillis()),
    });
    const { failedClusters, failedTargetGroups = [], retirementFailure, ...counts } = report;
    for (const { cluster, error } of failedClusters) {
      logger.error('cluster check failed; skipped until the next run', { cluster, error });
    }
    for (const { targetGroupArn, error } of failedTargetGroups) {
      logger.error('target group not read; its services are checked at the next run', {
        targetGroupArn,
        error,
      });
    }
    if (retirementFailure !== undefined) {
      logger.error('retiring unused ECS task definitions failed; tried again next run', {
        error: retirementFailure,
      });
    }
    logger.info('reconcile pass scheduled', {
      ...counts,
      failedClusters: failedClusters.length,
      failedTargetGroups: failedTargetGroups.length,
    });
    for (const [name, count] of schedulerMetrics(report)) metrics.addMetric(name, MetricUnit.Count, count);
    return report;
  });

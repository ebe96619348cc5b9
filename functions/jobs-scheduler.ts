import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { tugboatMetrics } from '../lib/metrics';
import { schedulerDeadline } from '../lib/reconcile/scheduler/deadline';
import { runtimeNow } from '../lib/runtime-clock';
import { runJobsPass } from '../lib/use-cases/job-ticks';
import { createBaseRuntime } from '../lib/wiring-base';

/** Jobs launch and stop one-off tasks: the base runtime (no reconciler, ELB, CloudWatch or Lambda). */
const runtime = createBaseRuntime();
const logger = new Logger({ serviceName: 'tugboat-jobs-scheduler' });
const metrics = tugboatMetrics('tugboat-jobs-scheduler');

/** The pass's instant is the schedule's: the event's time (the local stack's clock, when virtual). */
const instantOf = (event: ScheduledEvent): number => {
  const at = Date.parse(event.time);
  return Number.isFinite(at) ? at : runtimeNow();
};

export const handler = middy<ScheduledEvent, unknown, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    const report = await runJobsPass({
      context: runtime.useCases,
      now: instantOf(event),
      clock: runtimeNow,
      deadline: schedulerDeadline(runtimeNow(), context.getRemainingTimeInMillis()),
      onRunFailed: (run) => {
        // One metric per job, so an alarm can page on one job's failures.
        const single = metrics.singleMetric();
        single.addDimension('JobName', run.jobName);
        single.addMetric('JobRunsFailed', MetricUnit.Count, 1);
        logger.warn('job run failed', {
          cluster: run.cluster,
          jobName: run.jobName,
          scheduledAt: run.scheduledAt,
          attempt: run.attempt,
          verdict: run.verdict,
          reason: run.reason,
        });
      },
    });
    const { failedJobs, ...counts } = report;
    for (const { cluster, jobName, error } of failedJobs) {
      logger.error('job pass failed; tried again next run', { cluster, jobName, error });
    }
    logger.info('jobs evaluated', { ...counts, failedJobs: failedJobs.length });
    metrics.addMetric('JobRunsLaunched', MetricUnit.Count, report.launched);
    metrics.addMetric('JobTicksRecorded', MetricUnit.Count, report.recorded);
    metrics.addMetric('JobPassFailures', MetricUnit.Count, failedJobs.length);
    return report;
  });

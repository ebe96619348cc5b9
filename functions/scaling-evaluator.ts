import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createSharedElbDescribePacer } from '../lib/elb/calls';
import { tugboatMetrics } from '../lib/metrics';
import { runtimeNow } from '../lib/runtime-clock';
import { createAlarmClient, createMetricReader } from '../lib/scaling/cloudwatch';
import { evaluateScaling } from '../lib/scaling/evaluate';
import { createQueueBacklogReader } from '../lib/scaling/queue-backlog';
import { createTargetHealthReader } from '../lib/scaling/target-health';
import { createBaseRuntime } from '../lib/wiring-base';
import { elbGatewayOnce } from '../lib/wiring-elb';

const runtime = createBaseRuntime();
// The passes' share of ELB's Describe* budget (lib/elb/calls.ts): its reads take turns with theirs.
const elb = elbGatewayOnce(() => ({
  describePacer: createSharedElbDescribePacer(runtime.store, { now: runtimeNow }),
}));
const logger = new Logger({ serviceName: 'tugboat-scaling-evaluator' });
const metrics = tugboatMetrics('tugboat-scaling-evaluator');
const queue = runtime.reconcileQueue();
const cloudWatch = new CloudWatchClient({});
const metricReader = createMetricReader(cloudWatch);
const alarmClient = createAlarmClient(cloudWatch);
const queues = createQueueBacklogReader(runtime.sqs());
// Target health is read only for services scaled on requests per target: the ELB client is built then.
const targets = createTargetHealthReader({
  describeTargetHealth: (targetGroupArn) => elb().describeTargetHealth(targetGroupArn),
});

/** The evaluation instant is the schedule's: the event's time (the local stack's clock, when virtual). */
const instantOf = (event: ScheduledEvent): number => {
  const at = Date.parse(event.time);
  return Number.isFinite(at) ? at : Date.now();
};

export const handler = middy<ScheduledEvent, unknown, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const report = await evaluateScaling({
      scaling: runtime.scaling,
      history: runtime.scalingHistory,
      store: runtime.store,
      metrics: metricReader,
      alarms: alarmClient,
      queues,
      targets,
      enqueue: (requests) => queue.enqueue(requests),
      now: instantOf(event),
      newId: runtime.useCases.newId,
      ...(runtime.config.installation ? { installation: runtime.config.installation } : {}),
    });
    const { changes, readFailures, ...counts } = report;
    for (const change of changes) logger.info('scaled', { ...change });
    logger.info('scaling evaluated', { ...counts, readFailures, changes: changes.length });
    metrics.addMetric('ScaledServices', MetricUnit.Count, report.services);
    metrics.addMetric('ScalingChanges', MetricUnit.Count, changes.length);
    metrics.addMetric('GetMetricDataCalls', MetricUnit.Count, report.metricCalls);
    metrics.addMetric('MetricsRequested', MetricUnit.Count, report.metricsRequested);
    metrics.addMetric('DescribeAlarmsCalls', MetricUnit.Count, report.alarmCalls);
    metrics.addMetric('AlarmsPut', MetricUnit.Count, report.alarmsPut);
    // One metric per reason, so an alarm can watch a reason (a queue, CloudWatch, target health) alone.
    for (const [reason, count] of Object.entries(readFailures)) {
      const single = metrics.singleMetric();
      single.addDimension('Reason', reason);
      single.addMetric('ScalingReadFailures', MetricUnit.Count, count);
    }
    return report;
  });

import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Powertools warns on every invocation that published no metric (a quiet scheduler run, say); that is
 * normal for Tugboat, so the warning is dropped and every other message goes to the console.
 */
const EMPTY_METRICS_WARNING = 'No application metrics to publish';
const metricsLogger = {
  trace: console.trace,
  debug: console.debug,
  info: console.info,
  error: console.error,
  warn: (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith(EMPTY_METRICS_WARNING)) return;
    console.warn(...args);
  },
};

/** CloudWatch metrics (embedded metric format) of one Tugboat function, in the Tugboat namespace. */
export const tugboatMetrics = (serviceName: string): Metrics =>
  new Metrics({ namespace: 'Tugboat', serviceName, logger: metricsLogger });

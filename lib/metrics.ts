import { Metrics } from '@aws-lambda-powertools/metrics';

/** CloudWatch metrics (embedded metric format) of one Tugboat function, in the Tugboat namespace. */
export const tugboatMetrics = (serviceName: string): Metrics =>
  new Metrics({ namespace: 'Tugboat', serviceName });

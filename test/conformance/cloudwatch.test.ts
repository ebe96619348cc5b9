/**
 * The local CloudWatch endpoint held to the CloudWatch service model (local/models/cloudwatch.json), over
 * AWS JSON 1.0, the protocol the SDK and botocore pick from the model's list: a request without a required
 * member gets MissingParameter, one with a value outside its enum, length or range InvalidParameterValue
 * (the codes of the model's MissingRequiredParameterException and InvalidParameterValueException, as the
 * awsQueryCompatible header carries them), and each answer is walked against the output shape. The same
 * again over the older query protocol, which the endpoint also answers (in XML).
 */
import { describe } from 'vitest';
import { supportedActions } from '../../local/cloudwatch';
import { startCloudWatchHarness } from '../local-cloudwatch/helpers';
import type { Json } from './shapes';
import { type Call, describeConformance, jsonCaller, queryCaller } from './suite';

const now = () => Math.floor(Date.now() / 1000);

/** Valid requests; timestamps as each protocol writes them (epoch seconds in JSON, ISO 8601 in a query). */
const fixtures = (
  time: (seconds: number) => number | string,
): Record<string, (call: Call) => Promise<Json>> => ({
  GetMetricData: async () => ({
    MetricDataQueries: [
      {
        Id: 'q1',
        MetricStat: {
          Metric: { Namespace: 'Conformance', MetricName: 'Requests' },
          Period: 60,
          Stat: 'Sum',
        },
      },
    ],
    StartTime: time(now() - 600),
    EndTime: time(now()),
  }),
  PutMetricData: async () => ({
    Namespace: 'Conformance',
    MetricData: [{ MetricName: 'Requests', Value: 1 }],
  }),
  PutMetricAlarm: async () => ({
    AlarmName: 'conformance',
    Namespace: 'Conformance',
    MetricName: 'Requests',
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanThreshold',
  }),
  DeleteAlarms: async () => ({ AlarmNames: ['conformance'] }),
});

const validationCode = (_operation: string, kind: 'required' | 'constraint') =>
  kind === 'required' ? 'MissingParameter' : 'InvalidParameterValue';

describe('AWS JSON 1.0', () => {
  describeConformance({
    service: 'cloudwatch',
    wire: 'json',
    operations: supportedActions,
    async start() {
      const harness = await startCloudWatchHarness();
      return {
        call: jsonCaller('cloudwatch', harness.server.url, '1.0', true),
        close: () => harness.close(),
      };
    },
    fixtures: fixtures((seconds) => seconds),
    validationCode,
  });
});

describe('query protocol', () => {
  describeConformance({
    service: 'cloudwatch',
    wire: 'query',
    operations: supportedActions,
    async start() {
      const harness = await startCloudWatchHarness();
      return { call: queryCaller('cloudwatch', harness.server.url), close: () => harness.close() };
    },
    fixtures: fixtures((seconds) => new Date(seconds * 1000).toISOString()),
    validationCode,
  });
});

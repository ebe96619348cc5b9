/**
 * The local CloudWatch endpoint held to the CloudWatch service model (local/models/cloudwatch.json), over
 * AWS JSON 1.0, the protocol the SDK and botocore pick from the model's list: a request without a required
 * member gets MissingParameter, one with a value outside its enum, length or range InvalidParameterValue
 * (the codes of the model's MissingRequiredParameterException and InvalidParameterValueException, as the
 * awsQueryCompatible header carries them), and each answer is walked against the output shape.
 */
import { supportedActions } from '../../local/cloudwatch';
import { startCloudWatchHarness } from '../local-cloudwatch/helpers';
import { describeConformance, jsonCaller } from './suite';

const now = () => Math.floor(Date.now() / 1000);

describeConformance({
  service: 'cloudwatch',
  wire: 'json',
  operations: supportedActions,
  async start() {
    const harness = await startCloudWatchHarness();
    return { call: jsonCaller('cloudwatch', harness.server.url, '1.0', true), close: () => harness.close() };
  },
  fixtures: {
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
      StartTime: now() - 600,
      EndTime: now(),
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
  },
  validationCode: (_operation, kind) => (kind === 'required' ? 'MissingParameter' : 'InvalidParameterValue'),
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../lib/queue/sqs-client';
import type { EvaluationReport } from '../../lib/scaling/evaluate';
import { registerTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

// A queue made the usual way (the AWS CLI, or the SDK's CreateQueue) against the local SQS endpoint has a
// URL on `sqs.us-east-1.localhost`, a host that does not resolve everywhere: the scaler must reach it.
const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };
const credentials = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_DEFAULT_REGION: 'us-east-1',
};

// The ECS endpoint's clock a minute ahead, with starts of a second and stops of half a second.
const local = useTestStack({
  contract: true,
  timing: 'virtual',
  ecs: { startTime: Date.now() + 60_000, startMs: 1_000, stopMs: 500 },
});
let sqs: ReturnType<typeof createSqsClient>;

beforeAll(() => {
  sqs = createSqsClient({
    endpoint: local.stack.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(() => {
  sqs?.destroy();
});

/** The queue's URL as the AWS CLI prints it (the SDK's CreateQueue where the CLI is not installed). */
const createQueue = async (name: string): Promise<string> => {
  try {
    const { stdout } = await promisify(execFile)(
      'aws',
      [
        'sqs',
        'create-queue',
        '--queue-name',
        name,
        '--endpoint-url',
        local.stack.sqsEndpoint,
        '--output',
        'json',
      ],
      { env: { ...process.env, ...credentials } },
    );
    return (JSON.parse(stdout) as { QueueUrl: string }).QueueUrl;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    return QueueUrl!;
  }
};

const worker = async (serviceName: string, queueUrl: string) => {
  const created = await local.api.post('/clusters/default/services', {
    serviceName,
    taskDefinition: await registerTaskDefinition(local.api, serviceName, 'nginx:1'),
    desiredCount: 0,
    networkConfiguration: network,
    autoScaling: {
      minCapacity: 0,
      maxCapacity: 5,
      targetTracking: [
        {
          name: 'jobs',
          metric: { queueBacklogPerTask: { queueUrl } },
          targetValue: 5,
          scaleOutCooldownSeconds: 0,
        },
      ],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
};

const desiredCount = async (serviceName: string): Promise<number> => {
  const response = await local.api.get(`/clusters/default/services/${serviceName}`);
  expect(response.status).toBe(200);
  return response.body.desiredCount;
};

describe('the scaler reads queues made the usual way, and one bad queue stops no one else', () => {
  it('scales a worker on a queue the AWS CLI made, while another service names a queue that does not exist', async () => {
    const queueUrl = await createQueue('cli-jobs');
    expect(new URL(queueUrl).hostname).toBe('sqs.us-east-1.localhost');
    await worker('cli-worker', queueUrl);
    await worker('lost-worker', queueUrl.replace(/cli-jobs$/, 'no-such-queue'));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `job ${i}` })),
      }),
    );

    const report = (await local.stack.runScalingEvaluation()) as EvaluationReport;
    expect(report.readFailures).toEqual({ QueueAttributes: 1 });
    expect(await desiredCount('cli-worker')).toBe(2);
    expect(await desiredCount('lost-worker')).toBe(0);
    const events = await local.api.get('/clusters/default/services/lost-worker');
    expect(JSON.stringify(events.body.events)).toContain('no-such-queue cannot be read');
  }, 60_000);
});

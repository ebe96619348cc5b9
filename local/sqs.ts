import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

/** The queues Tugboat uses; each has a `<name>-dlq` twin. */
export const TUGBOAT_QUEUE_NAMES = ['tugboat-reconcile', 'tugboat-task-events', 'tugboat-deploys'] as const;

export interface RunningLocalSqs {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs (an SQS-compatible server) in this process. Built from fauxqs' `buildApp` rather than
 * `startFauxqs`, because the latter always listens on 0.0.0.0 and local queues should not be reachable
 * from the network. Queue URLs take the host of the request, so they point at this endpoint.
 */
export const startLocalSqs = async (options: { port: number; host?: string }): Promise<RunningLocalSqs> => {
  const host = options.host ?? '127.0.0.1';
  const app = buildApp({ logger: false });
  try {
    await app.listen({ port: options.port, host });
  } catch (error) {
    await app.close();
    throw new Error(`fauxqs failed to start on ${host}:${options.port}: ${(error as Error).message}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () => app.close(),
  };
};

export interface QueueWithDlq {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface QueueOptions {
  /** Receives before SQS moves a message to the DLQ. */
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

const queueArn = async (client: SQSClient, url: string): Promise<string> => {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS returned no QueueArn for ${url}`);
  return arn;
};

/**
 * CreateQueue by name alone, which returns the existing queue's URL, then SetQueueAttributes, so a queue
 * created earlier with other settings is brought to these. (CreateQueue with attributes would instead
 * answer QueueNameExists, and fauxqs 2.4 reports that under a query-error code the SDK does not map
 * to its QueueNameExists class.)
 */
const ensureQueue = async (
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> => {
  const { QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: name }));
  if (!url) throw new Error(`SQS returned no QueueUrl for ${name}`);
  await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  return { url, arn: await queueArn(client, url) };
};

/**
 * Creates each queue and its `<name>-dlq` twin, with a RedrivePolicy on the main queue. Safe to run
 * against queues that already exist.
 */
export const createQueues = async <Name extends string>(
  client: SQSClient,
  names: readonly Name[],
  options: QueueOptions,
): Promise<Record<Name, QueueWithDlq>> => {
  if (
    !Number.isInteger(options.maxReceiveCount) ||
    options.maxReceiveCount < 1 ||
    options.maxReceiveCount > 1000
  )
    throw new Error(`maxReceiveCount must be an integer from 1 to 1000, got ${options.maxReceiveCount}`);
  const entries = await Promise.all(
    names.map(async (name): Promise<[Name, QueueWithDlq]> => {
      // A DLQ keeps messages for the maximum, 14 days, so failures stay around to be looked at.
      const dlq = await ensureQueue(client, `${name}-dlq`, { MessageRetentionPeriod: '1209600' });
      const queue = await ensureQueue(client, name, {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: options.maxReceiveCount,
        }),
      });
      return [name, { url: queue.url, arn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn }];
    }),
  );
  return Object.fromEntries(entries) as Record<Name, QueueWithDlq>;
};

/**
 * fauxqs names queues `http://sqs.<region>.localhost:<port>/...`, a host that does not resolve
 * everywhere; it finds a queue by its path alone, so the URLs are rewritten onto its loopback endpoint.
 */
export const onEndpoint = <Name extends string>(
  queues: Record<Name, QueueWithDlq>,
  endpoint: string,
): Record<Name, QueueWithDlq> => {
  const rewrite = (url: string) => `${endpoint}${new URL(url).pathname}`;
  const result = {} as Record<Name, QueueWithDlq>;
  for (const [name, queue] of Object.entries(queues) as Array<[Name, QueueWithDlq]>) {
    result[name] = { ...queue, url: rewrite(queue.url), dlqUrl: rewrite(queue.dlqUrl) };
  }
  return result;
};

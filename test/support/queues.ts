import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import type { LocalStack } from '../../local/stack';

/** Asserts that no message of the stack's queues went to a dead-letter queue. */
export const expectEmptyDeadLetterQueues = async (stack: LocalStack): Promise<void> => {
  const sqs = new SQSClient({
    endpoint: stack.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    for (const queue of Object.values(stack.queues)) {
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      expect(attributes.Attributes?.ApproximateNumberOfMessages, queue.dlqUrl).toBe('0');
    }
  } finally {
    sqs.destroy();
  }
};

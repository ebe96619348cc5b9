/** The SQS adapter of the scaler: a queue's backlog (ApproximateNumberOfMessages), on an injected client. */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DependencyError } from '../errors';

export interface QueueBacklogReader {
  /** Visible messages in the queue (ApproximateNumberOfMessages). */
  backlog(queueUrl: string): Promise<number>;
}

export const createQueueBacklogReader = (client: SQSClient): QueueBacklogReader => ({
  async backlog(queueUrl) {
    try {
      const answer = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0);
    } catch (error) {
      throw new DependencyError(`SQS GetQueueAttributes of ${queueUrl} failed`, error);
    }
  },
});

/**
 * The SQS adapter of the scaler, on an injected client: a queue's visible backlog
 * (ApproximateNumberOfMessages) and the messages in flight (ApproximateNumberOfMessagesNotVisible), which
 * workers hold and which keep their tasks from being scaled in.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DependencyError } from '../errors';

export interface QueueDepth {
  /** Messages waiting (ApproximateNumberOfMessages). */
  visible: number;
  /** Messages received and not yet deleted (ApproximateNumberOfMessagesNotVisible). */
  inFlight: number;
}

export interface QueueBacklogReader {
  backlog(queueUrl: string): Promise<QueueDepth>;
}

export const createQueueBacklogReader = (client: SQSClient): QueueBacklogReader => ({
  async backlog(queueUrl) {
    try {
      const answer = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    } catch (error) {
      throw new DependencyError(`SQS GetQueueAttributes of ${queueUrl} failed`, error);
    }
  },
});

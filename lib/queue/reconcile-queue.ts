import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DependencyError } from '../errors';

/** A request to reconcile one service: the message body of the reconcile queue. */
export interface ReconcileRequest {
  cluster: string;
  serviceName: string;
  /** Why it was asked for (a task stopped, the schedule, a wake-up); for logs only. */
  reason: string;
  /**
   * When the request was made or, if delayed, falls due (epoch ms); a pass that started later answers
   * it. The queue stamps it when the sender leaves it out; a retry keeps the original.
   */
  requestedAt?: number;
  /**
   * What caused the request (the API request's id, the source event's id): the pass logs it and its
   * service events record it.
   */
  correlationId?: string;
  /** Who made the change through the API: the pass's service events record it. */
  principal?: string;
  /**
   * How many passes for this request failed in a row with an unexpected error: the worker asks again
   * shortly a few times (worker.ts), then lets the message fail into SQS's redrive and dead-letter queue.
   */
  failedPasses?: number;
  /**
   * The scheduler found a target group that differs from what the inventory says (an unhealthy or stray
   * target): the pass reads every target group of the service rather than take any from the inventory.
   */
  readTargetGroups?: boolean;
}

export interface ReconcileQueue {
  /** Sends each request as one message, 10 to a SendMessageBatch call. */
  enqueue(requests: ReconcileRequest[], delaySeconds?: number): Promise<void>;
}

/** Gives each request without a `requestedAt` the instant it falls due. */
export const stampRequests = (requests: ReconcileRequest[], dueAt: number): ReconcileRequest[] =>
  requests.map((request) =>
    request.requestedAt === undefined ? { ...request, requestedAt: dueAt } : request,
  );

/**
 * The `requestedAt` of one request that answers two: the later instant, since a pass that started
 * before it would leave the later request unanswered. A request without one is newest of all (the queue
 * stamps it when sent; at the worker, an older sender's request must always run), so it wins.
 */
export const newestRequestedAt = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : Math.max(a, b);

/** SQS caps DelaySeconds at 15 minutes. */
export const MAX_DELAY_SECONDS = 900;
const MAX_BATCH = 10;

export class SqsReconcileQueue implements ReconcileQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async enqueue(requests: ReconcileRequest[], delaySeconds = 0): Promise<void> {
    const delay = Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds)));
    const stamped = stampRequests(requests, this.now() + delay * 1000);
    const batches: SendMessageBatchRequestEntry[][] = [];
    for (let start = 0; start < stamped.length; start += MAX_BATCH) {
      batches.push(
        stamped.slice(start, start + MAX_BATCH).map((request, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(request),
          ...(delay > 0 ? { DelaySeconds: delay } : {}),
        })),
      );
    }
    await Promise.all(batches.map((entries) => this.sendBatch(entries)));
  }

  private async sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    // Entries SQS refused as a sender fault are not retried; the rest get a few more tries.
    for (let attempt = 0; attempt < 4 && pending.length > 0; attempt++) {
      let failed: string[];
      try {
        const result = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const senderFaults = (result.Failed ?? []).filter((failure) => failure.SenderFault);
        if (senderFaults.length > 0) {
          throw new DependencyError(
            `SQS refused reconcile requests: ${senderFaults.map((f) => f.Message).join('; ')}`,
          );
        }
        failed = (result.Failed ?? []).map((failure) => failure.Id ?? '');
      } catch (error) {
        if (error instanceof DependencyError || attempt === 3)
          throw new DependencyError('SQS send failed', error);
        failed = pending.map((entry) => entry.Id ?? '');
      }
      pending = pending.filter((entry) => failed.includes(entry.Id ?? ''));
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
    if (pending.length > 0)
      throw new DependencyError(`SQS did not accept ${pending.length} reconcile requests`);
  }
}

import { ValidationError } from '../errors';

/** The part of an SQS record a batch processor reads. */
export interface QueueRecord {
  messageId: string;
  body: string;
}

/**
 * What a queue intake reports of each record it took: the record's outcome, or the error it failed with,
 * with the fields its log lines name (cluster, service, correlation id...), from the record's one parse.
 * The deploys and task-events queues report this way; the reconcile queue reports its per-service
 * outcome apart (one pass answers every message of a service) and its failures this way.
 */
export interface IntakeLog<Outcome> {
  processed(messageId: string, outcome: Outcome, fields: Record<string, string>): void;
  failed(messageId: string, error: unknown, fields: Record<string, string>): void;
}

/** A message body as JSON; one that does not parse is a 400-class failure of that message alone. */
export const parseJsonMessage = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ValidationError(
      `Message body is not valid JSON: ${(error as Error).message}`,
      undefined,
      error,
    );
  }
};

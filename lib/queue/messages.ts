import { ValidationError } from '../errors';

/** The part of an SQS record a batch processor reads. */
export interface QueueRecord {
  messageId: string;
  body: string;
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

/**
 * SQS partial batch responses (ReportBatchItemFailures) for every queue handler, through
 * @middy/sqs-partial-batch-failure: the handler returns one settled result per record, in the order of
 * `event.Records`, and the middleware answers Lambda with the records whose results were rejected.
 */
import type { MiddlewareObj } from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';

/** One record's result, as the middleware reads it. */
export type RecordResult = PromiseSettledResult<string>;

/** The batch's results from the message ids its processor reports failed (processors batch per service). */
export const recordResults = (
  records: ReadonlyArray<{ messageId: string }>,
  failed: readonly string[],
): RecordResult[] => {
  const failedIds = new Set(failed);
  return records.map(({ messageId }) =>
    failedIds.has(messageId)
      ? { status: 'rejected', reason: messageId }
      : { status: 'fulfilled', value: messageId },
  );
};

/**
 * The middleware for a queue handler. The processors log each failure with what its message names, so
 * the middleware logs none; and its onError is left out, so a handler that throws still fails its whole
 * batch as a Lambda error rather than as a response listing every record.
 */
export const partialBatchFailures = (): MiddlewareObj => ({
  after: sqsPartialBatchFailure({ logger: () => {} }).after,
});

import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { partialBatchFailures, type RecordResult, recordResults } from '../../lib/queue/partial-batch';

const record = (messageId: string) => ({ messageId, body: '{}' }) as SQSRecord;
const event: SQSEvent = { Records: ['m-1', 'm-2', 'm-3'].map(record) };

const handlerFailing = (failed: string[] | Error) =>
  middy<SQSEvent, RecordResult[], Error, Context>()
    .use(partialBatchFailures())
    .handler(async (batch) => {
      if (failed instanceof Error) throw failed;
      return recordResults(batch.Records, failed);
    });

describe('partialBatchFailures', () => {
  it('answers Lambda with the records the processor reported failed, in batch order', async () => {
    expect(await handlerFailing(['m-3', 'm-1'])(event, {} as Context)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-3' }],
    });
  });

  it('answers an empty list when every record succeeded', async () => {
    expect(await handlerFailing([])(event, {} as Context)).toEqual({ batchItemFailures: [] });
  });

  it('lets a handler that throws fail as a Lambda error (the whole batch returns to the queue)', async () => {
    await expect(handlerFailing(new Error('boom'))(event, {} as Context)).rejects.toThrow('boom');
  });
});

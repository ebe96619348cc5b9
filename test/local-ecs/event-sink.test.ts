import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createSqsEventSink } from '../../local/ecs/server';
import type { TaskStateChangeEvent } from '../../local/ecs/types';

const event = (n: number) =>
  ({ id: `event-${n}`, detail: { version: n } }) as unknown as TaskStateChangeEvent;

/** A client that answers SendMessageBatch, slowly, and records each call's bodies. */
const recordingClient = (failOnce?: string) => {
  const calls: string[][] = [];
  let failed = false;
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof SendMessageBatchCommand)) throw new Error('only SendMessageBatch expected');
      const entries = command.input.Entries ?? [];
      calls.push(entries.map((entry) => (JSON.parse(entry.MessageBody!) as { id: string }).id));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const failing = entries.find((entry) => entry.MessageBody?.includes(`"${failOnce}"`));
      if (failing && !failed) {
        failed = true;
        return { Successful: [], Failed: [{ Id: failing.Id, SenderFault: false, Code: 'InternalError' }] };
      }
      return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
    },
  } as unknown as SQSClient;
  return { client, calls };
};

describe('createSqsEventSink', () => {
  it('sends a burst of events ten to a SendMessageBatch, in order', async () => {
    const { client, calls } = recordingClient();
    const { sink, drain } = createSqsEventSink('http://queue', client);
    for (let n = 1; n <= 25; n++) sink(event(n));
    await drain();
    expect(calls.map((ids) => ids.length)).toEqual([10, 10, 5]);
    expect(calls.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `event-${i + 1}`));
  });

  it('gathers the events that come while a batch is in flight into the next one', async () => {
    const { client, calls } = recordingClient();
    const { sink, drain } = createSqsEventSink('http://queue', client);
    sink(event(1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let n = 2; n <= 4; n++) sink(event(n));
    await drain();
    expect(calls).toEqual([['event-1'], ['event-2', 'event-3', 'event-4']]);
  });

  it('sends an entry SQS failed again before the events after it', async () => {
    const { client, calls } = recordingClient('event-2');
    const { sink, drain } = createSqsEventSink('http://queue', client);
    for (let n = 1; n <= 12; n++) sink(event(n));
    await drain();
    expect(calls[1]).toEqual(['event-2']);
    expect(calls.flat().filter((id) => id === 'event-2')).toHaveLength(2);
    expect(calls[2]?.[0]).toBe('event-11');
  });
});

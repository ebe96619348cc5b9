/**
 * Task state change events: built as a DescribeTasks snapshot of their instant, held in an outbox and
 * delivered to the sink after each call (optionally duplicated and shuffled, the hard way of at-least-once).
 */
import { randomUUID } from 'node:crypto';
import type { TaskState } from './model';
import type { EcsState } from './state';
import type { TaskStateChangeEvent } from './types';
import { taskView } from './views';

export interface Events {
  /** Queues the task's state change event (when there is a sink). */
  emit(task: TaskState, at: number): void;
  /** Delivers the queued events. */
  flushEvents(): void;
}

export const createEvents = (state: EcsState): Events => {
  const { options, random, accountId, region } = state;
  const chaos = options.eventChaos
    ? {
        duplicateRate:
          typeof options.eventChaos === 'object' ? (options.eventChaos.duplicateRate ?? 0.3) : 0.3,
      }
    : undefined;
  let outbox: TaskStateChangeEvent[] = [];

  const deliver = (event: TaskStateChangeEvent) => {
    const sink = options.eventSink;
    if (!sink) return;
    try {
      const result = sink(event);
      if (result && typeof (result as Promise<void>).catch === 'function') {
        (result as Promise<void>).catch((error: unknown) =>
          console.error('local ECS: event sink failed', error),
        );
      }
    } catch (error) {
      console.error('local ECS: event sink failed', error);
    }
  };

  const flushEvents = () => {
    if (outbox.length === 0) return;
    let batch = outbox;
    outbox = [];
    if (chaos) {
      const withDuplicates: TaskStateChangeEvent[] = [];
      for (const event of batch) {
        withDuplicates.push(event);
        if (random() < chaos.duplicateRate) withDuplicates.push(event);
      }
      for (let i = withDuplicates.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [withDuplicates[i], withDuplicates[j]] = [withDuplicates[j]!, withDuplicates[i]!];
      }
      batch = withDuplicates;
    }
    for (const event of batch) deliver(event);
  };

  const emit = (task: TaskState, at: number) => {
    if (!options.eventSink) return;
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const detail = {
      ...taskView(task, iso, false),
      updatedAt: iso(at),
    } as unknown as TaskStateChangeEvent['detail'];
    outbox.push({
      version: '0',
      id: randomUUID(),
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: accountId,
      time: new Date(at).toISOString(),
      region,
      resources: [task.taskArn],
      detail,
    });
  };

  return { emit, flushEvents };
};

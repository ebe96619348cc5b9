/**
 * An in-memory SQS queue on virtual time, with what the pipeline relies on: DelaySeconds, batches of up
 * to 10, a visibility timeout that returns failed messages, and a dead-letter count after maxReceiveCount.
 * Lambda's event source mapping is modelled by pollers that take whatever is visible, up to the batch size.
 */

import type { QueueRecord } from '../../lib/queue/messages';
import { type ReconcileQueue, type ReconcileRequest, stampRequests } from '../../lib/queue/reconcile-queue';
import { MinHeap } from '../../local/ecs/heap';

interface Message {
  messageId: string;
  body: string;
  receiveCount: number;
}

export interface QueueStats {
  sendCalls: number;
  messagesSent: number;
  messagesReceived: number;
  receiveCalls: number;
  failedMessages: number;
  deadLettered: number;
}

export class SimQueue {
  private visible: Message[] = [];
  private head = 0;
  private readonly delayed = new MinHeap<Message>();
  private order = 0;
  private nextId = 0;
  private waiters: Array<() => void> = [];
  private readonly inflight = new Map<string, Message>();
  readonly stats: QueueStats = {
    sendCalls: 0,
    messagesSent: 0,
    messagesReceived: 0,
    receiveCalls: 0,
    failedMessages: 0,
    deadLettered: 0,
  };

  constructor(
    private readonly now: () => number,
    private readonly visibilityTimeoutMs: number,
    private readonly maxReceiveCount = 5,
  ) {}

  /** One SendMessage(Batch) call per 10 bodies, as the SQS client would make. */
  send(bodies: string[], delayMs = 0): void {
    this.stats.sendCalls += Math.ceil(bodies.length / 10);
    this.stats.messagesSent += bodies.length;
    for (const body of bodies) {
      const message = { messageId: `m-${this.nextId++}`, body, receiveCount: 0 };
      if (delayMs > 0) this.delayed.push({ at: this.now() + delayMs, order: this.order++, value: message });
      else this.visible.push(message);
    }
    this.wake();
  }

  get depth(): number {
    return this.visible.length - this.head + this.delayed.size;
  }

  nextVisibleAt(): number | undefined {
    return this.delayed.peek()?.at;
  }

  /** Makes delayed messages that are due visible; wakes idle pollers. */
  wake(): void {
    for (;;) {
      const top = this.delayed.peek();
      if (!top || top.at > this.now()) break;
      this.delayed.pop();
      this.visible.push(top.value);
    }
    if (this.visible.length > this.head) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  receive(max: number): Message[] {
    this.wake();
    const batch = this.visible.slice(this.head, this.head + max);
    this.head += batch.length;
    if (this.head > 1024 && this.head * 2 > this.visible.length) {
      this.visible = this.visible.slice(this.head);
      this.head = 0;
    }
    for (const message of batch) {
      message.receiveCount++;
      this.inflight.set(message.messageId, message);
    }
    if (batch.length > 0) this.stats.receiveCalls++;
    this.stats.messagesReceived += batch.length;
    return batch;
  }

  /** Failed messages come back after the visibility timeout, or go to the DLQ. */
  settle(batch: Message[], failedIds: string[]): void {
    const failed = new Set(failedIds);
    for (const message of batch) this.inflight.delete(message.messageId);
    for (const message of batch) {
      if (!failed.has(message.messageId)) continue;
      this.stats.failedMessages++;
      if (message.receiveCount >= this.maxReceiveCount) this.stats.deadLettered++;
      else
        this.delayed.push({ at: this.now() + this.visibilityTimeoutMs, order: this.order++, value: message });
    }
  }

  /** Every message the queue holds, and where it is (a diagnostic of stalled runs). */
  inspect(): Array<{
    body: string;
    state: 'visible' | 'delayed' | 'inflight';
    at?: number;
    receiveCount: number;
  }> {
    return [
      ...this.visible
        .slice(this.head)
        .map((m) => ({ body: m.body, state: 'visible' as const, receiveCount: m.receiveCount })),
      ...this.delayed.entries().map((e) => ({
        body: e.value.body,
        state: 'delayed' as const,
        at: e.at,
        receiveCount: e.value.receiveCount,
      })),
      ...[...this.inflight.values()].map((m) => ({
        body: m.body,
        state: 'inflight' as const,
        receiveCount: m.receiveCount,
      })),
    ];
  }

  waitForMessage(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases pollers so they can stop. */
  release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** The reconcile queue port on a SimQueue, as SqsReconcileQueue would send it. */
export const simReconcileQueue = (queue: SimQueue, now: () => number): ReconcileQueue => ({
  async enqueue(requests: ReconcileRequest[], delaySeconds = 0) {
    const delay = Math.max(0, Math.min(900, Math.ceil(delaySeconds)));
    queue.send(
      stampRequests(requests, now() + delay * 1000).map((request) => JSON.stringify(request)),
      delay * 1000,
    );
  },
});

/** Lambda-like pollers: `concurrency` loops, each handing batches to the handler. */
export const startPollers = (
  queue: SimQueue,
  concurrency: number,
  /** `instance` says which poller (a Lambda instance, with its own process state) handles the batch. */
  handler: (records: QueueRecord[], instance: number) => Promise<string[]>,
  batchSize = 10,
): { stop(): Promise<void> } => {
  let stopped = false;
  const loop = async (_: unknown, instance: number) => {
    while (!stopped) {
      const batch = queue.receive(batchSize);
      if (batch.length === 0) {
        await queue.waitForMessage();
        continue;
      }
      let failed: string[];
      try {
        failed = await handler(
          batch.map(({ messageId, body }) => ({ messageId, body })),
          instance,
        );
      } catch {
        failed = batch.map((message) => message.messageId);
      }
      queue.settle(batch, failed);
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    async stop() {
      stopped = true;
      queue.release();
      await Promise.all(loops);
    },
  };
};

/**
 * Virtual time for the pipeline benchmarks. The local ECS endpoint's virtual clock is the master clock;
 * Tugboat's own waits (gateway retry sleeps, queue delays, the schedule) are timers on it. Time only moves
 * when every flow is blocked on a timer or idle, so real I/O (DynamoDB Local, HTTP to the ECS endpoint)
 * costs no simulated time, and a simulated second is exactly what the ECS limits and Tugboat's waits make it.
 */
import type { LocalEcs } from '../../local/ecs';
import { MinHeap } from '../../local/ecs/heap';

export class VirtualTime {
  private readonly timers = new MinHeap<() => void>();
  private order = 0;
  /** Real I/O calls in flight; time may not move while any is. */
  inflight = 0;

  constructor(private readonly ecs: LocalEcs) {}

  readonly now = (): number => this.ecs.now();

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.now() + Math.max(0, ms), order: this.order++, value: resolve });
    });

  nextTimerAt(): number | undefined {
    return this.timers.peek()?.at;
  }

  /** Moves the clock to `at`: ECS applies its due changes (emitting events), then due timers fire. */
  advanceTo(at: number): void {
    const ms = at - this.now();
    if (ms > 0) this.ecs.advance(ms);
    for (;;) {
      const top = this.timers.peek();
      if (!top || top.at > this.now()) break;
      this.timers.pop();
      top.value();
    }
  }

  /** Counts a real I/O call, so time stays put until it is answered. */
  async io<T>(call: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await call();
    } finally {
      this.inflight--;
    }
  }

  /** Resolves once nothing has run for a few turns of the event loop: every flow is waiting on time. */
  async quiesce(): Promise<void> {
    let idleTurns = 0;
    while (idleTurns < 3) {
      await new Promise((resolve) => setImmediate(resolve));
      idleTurns = this.inflight === 0 ? idleTurns + 1 : 0;
    }
  }
}

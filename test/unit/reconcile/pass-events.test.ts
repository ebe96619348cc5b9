import { describe, expect, it } from 'vitest';
import type { ServiceEvent } from '../../../lib/domain';
import type { ReconcilerDeps } from '../../../lib/reconcile/pass/reconcile';
import { createPassWriter } from '../../../lib/reconcile/pass/writes';
import type { TugboatStore } from '../../../lib/store/port';
import { service, T0 } from '../../support/plan';

/** A store of one service's events, newest first, counting its reads. */
const eventStore = (stored: ServiceEvent[] = []) => {
  const events = [...stored];
  const counts = { reads: 0, writes: 0 };
  const store = {
    listServiceEvents: async (_cluster: string, _service: string, page: { limit: number }) => {
      counts.reads++;
      return { items: events.slice(0, page.limit) };
    },
    addServiceEvents: async (_cluster: string, _service: string, added: ServiceEvent[]) => {
      counts.writes++;
      events.unshift(...[...added].reverse());
    },
  } as unknown as TugboatStore;
  let id = 0;
  const deps = { store, now: () => T0, newId: () => `e-${id++}` } as unknown as ReconcilerDeps;
  return { writer: createPassWriter({ deps, called: () => {} }), events, counts };
};

describe("a pass's service events", () => {
  it('reads the newest stored events once in a pass that writes twice, and writes both', async () => {
    const { writer, events, counts } = eventStore([
      { id: 'old', createdAt: new Date(T0 - 60_000).toISOString(), message: 'service web scaled to 2.' },
    ]);
    const record = writer.passEvents();
    await record(service(), ['service web has started deployment d-2.']);
    await record(service(), ['service web has started 1 tasks: task abc.']);
    expect(counts).toEqual({ reads: 1, writes: 2 });
    expect(events.map((event) => event.message)).toEqual([
      'service web has started 1 tasks: task abc.',
      'service web has started deployment d-2.',
      'service web scaled to 2.',
    ]);
  });

  it("judges a repeat by its own pass's write, as a read would have", async () => {
    const { writer, counts, events } = eventStore();
    const record = writer.passEvents();
    await record(service(), ['service web has reached a steady state.']);
    await record(service(), ['service web has reached a steady state.']);
    expect(counts).toEqual({ reads: 1, writes: 1 });
    expect(events).toHaveLength(1);
  });

  it('reads again when it knows fewer events than a write needs to compare', async () => {
    const older = (message: string, agoMs: number, id: string): ServiceEvent => ({
      id,
      createdAt: new Date(T0 - agoMs).toISOString(),
      message,
    });
    const { writer, counts } = eventStore([older('b', 1000, '2'), older('a', 2000, '1')]);
    const record = writer.passEvents();
    await record(service(), ['c']);
    // Knows c and b: a, c, b would need three to compare with the newest three.
    await record(service(), ['x', 'y', 'z']);
    expect(counts.reads).toBe(2);
  });

  it('each recordEvents call outside a pass reads the newest events itself', async () => {
    const { writer, counts } = eventStore();
    await writer.recordEvents(service(), ['one']);
    await writer.recordEvents(service(), ['two']);
    expect(counts).toEqual({ reads: 2, writes: 2 });
  });
});

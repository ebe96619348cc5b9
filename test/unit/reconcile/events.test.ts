import { describe, expect, it } from 'vitest';
import type { ServiceEvent } from '../../../lib/domain';
import { eventGist, messagesToRecord, REPEAT_WINDOW_MS } from '../../../lib/reconcile/pass/events';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const stored = (message: string, agoMs: number, id = 'e'): ServiceEvent => ({
  id,
  createdAt: new Date(NOW - agoMs).toISOString(),
  message,
});
const backingOff = (failures: number, next: string) =>
  `service web deployment d-1 is backing off after ${failures} tasks in a row stopped on their own or failed to launch; next launch at ${next}.`;

describe('service events: what a pass writes', () => {
  it('takes times and counts out of the gist, and keeps ids and names', () => {
    expect(eventGist(backingOff(3, '2026-11-25T12:01:00.000Z'))).toBe(
      eventGist(backingOff(4, '2026-11-25T12:03:30.000Z')),
    );
    expect(eventGist('service web deployment d-1 completed.')).not.toBe(
      eventGist('service web deployment d-2 completed.'),
    );
    expect(eventGist('service web deployment ab12 completed.')).not.toBe(
      eventGist('service web deployment ab13 completed.'),
    );
  });

  it('does not write a crash loop again within five minutes, only the time and count having changed', () => {
    const newest = stored(backingOff(3, '2026-11-25T12:00:30.000Z'), 60_000);
    expect(messagesToRecord([backingOff(4, '2026-11-25T12:02:00.000Z')], [newest], NOW)).toEqual([]);
  });

  it('writes it again once the newest such event is five minutes old', () => {
    const newest = stored(backingOff(3, '2026-11-25T11:55:30.000Z'), REPEAT_WINDOW_MS);
    const again = backingOff(9, '2026-11-25T12:10:00.000Z');
    expect(messagesToRecord([again], [newest], NOW)).toEqual([again]);
  });

  it('writes a different message at once, and a repeat within one pass only once', () => {
    const newest = stored('service web has reached a steady state.', 1000);
    const started = 'service web has started deployment d-2 of task definition web:4.';
    expect(messagesToRecord([started, started], [newest], NOW)).toEqual([started]);
  });

  it('drops only the repeat of the newest event: an older identical event does not count', () => {
    const older = stored(backingOff(2, '2026-11-25T11:59:00.000Z'), 120_000, 'a');
    const newest = stored('service web deployment d-1 completed.', 60_000, 'b');
    const again = backingOff(3, '2026-11-25T12:01:00.000Z');
    expect(messagesToRecord([again], [newest, older], NOW)).toEqual([again]);
  });

  it('writes nothing when the pass says exactly what the newest events say, however old they are', () => {
    const messages = ['service web a.', 'service web b.'];
    const storedNewestFirst = [
      stored('service web b.', 3_600_000, 'b'),
      stored('service web a.', 3_600_001, 'a'),
    ];
    expect(messagesToRecord(messages, storedNewestFirst, NOW)).toEqual([]);
    expect(messagesToRecord(messages, [], NOW)).toEqual(messages);
  });

  // Fuzz seed 3223: a back-off said "next launch at 00:02:10" at 00:02:00; new failures lengthened it to
  // 00:07:40, and for five minutes the newest event still named the passed time: nothing said why the
  // service was short.
  it('writes a repeat at once when the newest event named a time that has passed and the repeat another', () => {
    const newest = stored(backingOff(2, '2026-11-25T11:59:10.000Z'), 60_000);
    const longer = backingOff(7, '2026-11-25T12:04:40.000Z');
    expect(messagesToRecord([longer], [newest], NOW)).toEqual([longer]);
    // The same passed time named again is no news.
    expect(messagesToRecord([backingOff(3, '2026-11-25T11:59:10.000Z')], [newest], NOW)).toEqual([]);
  });
});

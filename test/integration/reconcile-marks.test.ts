import { describe, expect, it } from 'vitest';
import { useTestTable } from '../support/stack';

const { store } = useTestTable('tugboat-marks');

describe('the scheduler marks on the lease items, against DynamoDB Local', () => {
  it('reads 150 services in batches: scheduled, completed passes, and nothing for the unknown', async () => {
    const names = Array.from({ length: 150 }, (_, index) => `svc-${index}`);
    for (const name of names.slice(0, 120)) await store.markScheduled('default', name, 1_000);
    // svc-0 then completed a pass that started at 2,000; svc-130 had a pass but was never scheduled.
    for (const name of ['svc-0', 'svc-130']) {
      expect(await store.acquireLease('default', name, 'worker', 60_000, 2_000)).toBe('acquired');
      await store.releaseLease('default', name, 'worker', 2_000);
    }
    // A lease taken after the mark keeps it.
    expect(await store.acquireLease('default', 'svc-1', 'worker', 60_000, 3_000)).toBe('acquired');

    const marks = await store.reconcileMarks('default', names);
    expect(marks.get('svc-0')).toEqual({ scheduledAt: 1_000, passStartedAt: 2_000 });
    expect(marks.get('svc-1')).toEqual({ scheduledAt: 1_000 });
    expect(marks.get('svc-119')).toEqual({ scheduledAt: 1_000 });
    expect(marks.get('svc-130')).toEqual({ passStartedAt: 2_000 });
    expect(marks.has('svc-140')).toBe(false);
    expect(marks.size).toBe(121);

    // Marking again keeps the completed pass.
    await store.markScheduled('default', 'svc-0', 5_000);
    expect((await store.reconcileMarks('default', ['svc-0'])).get('svc-0')).toEqual({
      scheduledAt: 5_000,
      passStartedAt: 2_000,
    });
  });
});

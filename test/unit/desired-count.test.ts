import { describe, expect, it } from 'vitest';
import { primaryDesiredCount, withDesiredCount } from '../../lib/domain';
import { deployment, service } from '../support/plan';

const AT = '2026-12-05T12:00:00.000Z';

describe("a service's desired count, on the service and its PRIMARY alike", () => {
  it.each([
    { status: 'ACTIVE' as const, count: 5, primary: 5 },
    { status: 'ACTIVE' as const, count: 0, primary: 0 },
    { status: 'DRAINING' as const, count: 4, primary: 0 },
    { status: 'INACTIVE' as const, count: 2, primary: 0 },
  ])('$status with $count: the PRIMARY wants $primary', ({ status, count, primary }) => {
    expect(primaryDesiredCount(status, count)).toBe(primary);
    const before = service({
      status,
      deployments: [
        { ...deployment('dep-2', 'web:2'), status: 'PRIMARY', desiredCount: 3 },
        { ...deployment('dep-1', 'web:1'), status: 'ACTIVE', desiredCount: 3 },
      ],
    });
    const after = withDesiredCount(before, count, AT);
    expect(after.desiredCount).toBe(count);
    expect(after.deployments[0]).toMatchObject({ desiredCount: primary, updatedAt: AT });
    // Only the PRIMARY follows the service; an older deployment keeps its own count.
    expect(after.deployments[1]).toEqual(before.deployments[1]);
    expect(before.desiredCount).toBe(3);
  });

  it('leaves a PRIMARY already at the count as it was', () => {
    const before = service({
      desiredCount: 3,
      deployments: [{ ...deployment('dep-1', 'web:1'), desiredCount: 3 }],
    });
    expect(withDesiredCount(before, 3, AT).deployments[0]).toBe(before.deployments[0]);
  });
});

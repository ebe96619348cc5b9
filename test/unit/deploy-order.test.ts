import { describe, expect, it } from 'vitest';
import type { Deployment, Service } from '../../lib/domain';
import { eventInstant, outOfOrderReason } from '../../lib/use-cases/deploy-order';

const deployment = (fields: Partial<Deployment>): Deployment =>
  ({ id: 'd', status: 'INACTIVE', taskDefinition: 'web:1', ...fields }) as Deployment;
const serviceWith = (...deployments: Deployment[]) =>
  ({ serviceName: 'web', deployments }) as unknown as Service;

describe('the order deploys apply in', () => {
  const primaryAt = (at: string | undefined) =>
    serviceWith(deployment({ id: 'p', status: 'PRIMARY', ...(at ? { sourceEventAt: at } : {}) }));

  it.each([
    { case: 'older by a second', source: '2026-11-25T10:00:09.000Z', skipped: true },
    { case: 'newer', source: '2026-11-25T10:00:11.000Z', skipped: false },
    { case: 'the same instant', source: '2026-11-25T10:00:10.000Z', skipped: false },
    // ECR's event times are whole seconds: a push in the PRIMARY's second is not taken for an older one.
    {
      case: 'earlier within the same second',
      source: '2026-11-25T10:00:10.000Z',
      primary: '2026-11-25T10:00:10.900Z',
      skipped: false,
    },
  ])('$case: skipped $skipped', ({ source, primary, skipped }) => {
    const reason = outOfOrderReason(primaryAt(primary ?? '2026-11-25T10:00:10.000Z'), { at: source });
    expect(reason !== undefined).toBe(skipped);
    if (skipped) expect(reason).toMatch(/^service web skipped a deploy whose source event .* is older than/);
  });

  it('applies an explicit rollback whatever its time', () => {
    expect(
      outOfOrderReason(primaryAt('2026-11-25T10:00:10.000Z'), {
        at: '2026-11-25T09:00:00.000Z',
        rollback: true,
      }),
    ).toBeUndefined();
  });

  it('applies anything when the PRIMARY has no source time (made before deployments recorded it)', () => {
    expect(outOfOrderReason(primaryAt(undefined), { at: '2000-01-01T00:00:00.000Z' })).toBeUndefined();
  });

  it("judges against a circuit breaker's rollback by the failed deployment it stands for", () => {
    const service = serviceWith(
      deployment({ id: 'rollback', status: 'PRIMARY', rollbackOf: 'failed' }),
      deployment({ id: 'failed', status: 'ACTIVE', sourceEventAt: '2026-11-25T10:00:10.000Z' }),
    );
    expect(outOfOrderReason(service, { at: '2026-11-25T10:00:05.000Z' })).toBeDefined();
    expect(outOfOrderReason(service, { at: '2026-11-25T10:00:15.000Z' })).toBeUndefined();
  });

  it.each([
    ['2026-11-25T10:00:00Z', '2026-11-25T10:00:00.000Z'],
    ['1764064800000', '2025-11-25T10:00:00.000Z'],
    ['not a time', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (value, expected) => {
    expect(eventInstant(value)).toBe(expected);
  });
});

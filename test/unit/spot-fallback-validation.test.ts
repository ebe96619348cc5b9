/** `spotFallback` on service create and PATCH: defaults, and a 400 naming the field. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors';
import { parseInput } from '../../lib/validation/parse';
import { createServiceSchema, updateServiceSchema } from '../../lib/validation/schemas';
import { mergeSpotFallback } from '../../lib/validation/spot-fallback';

const create = (extra: Record<string, unknown>) => ({
  serviceName: 'web',
  taskDefinition: 'web:1',
  desiredCount: 4,
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
  ...extra,
});

const problem = (
  schema: ReturnType<typeof createServiceSchema> | ReturnType<typeof updateServiceSchema>,
  body: unknown,
) => {
  try {
    parseInput(schema, body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).statusCode).toBe(400);
    return (error as Error).message;
  }
  return undefined;
};

describe('spotFallback', () => {
  it('fills the defaults on create', () => {
    expect(
      parseInput(createServiceSchema(), create({ spotFallback: { enabled: true } })).spotFallback,
    ).toEqual({
      enabled: true,
      fallbackAfterSeconds: 60,
      returnAfterSeconds: 900,
      maxOnDemandPercent: 100,
    });
  });

  it.each([
    [{ spotFallback: {} }, 'spotFallback.enabled: is required'],
    [{ spotFallback: { enabled: 'yes' } }, 'spotFallback.enabled: must be true or false'],
    [
      { spotFallback: { enabled: true, fallbackAfterSeconds: -1 } },
      'spotFallback.fallbackAfterSeconds: must be between 0 and 86400',
    ],
    [
      { spotFallback: { enabled: true, returnAfterSeconds: 1.5 } },
      'spotFallback.returnAfterSeconds: must be an integer',
    ],
    [
      { spotFallback: { enabled: true, maxOnDemandPercent: 101 } },
      'spotFallback.maxOnDemandPercent: must be between 0 and 100',
    ],
    [{ spotFallback: { enabled: true, extra: 1 } }, 'spotFallback.extra: unknown field'],
    [
      {
        spotFallback: { enabled: true },
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      },
      "spotFallback.enabled: enabled needs FARGATE_SPOT in the service's capacityProviderStrategy",
    ],
  ])('create %j: %s', (extra, message) => {
    expect(problem(createServiceSchema(), create(extra))).toContain(message);
  });

  it("PATCH takes any of the fields and merges them over the service's", () => {
    const patch = parseInput(updateServiceSchema(), { spotFallback: { returnAfterSeconds: 20 } })
      .spotFallback!;
    expect(problem(updateServiceSchema(), { spotFallback: { maxOnDemandPercent: -5 } })).toContain(
      'spotFallback.maxOnDemandPercent: must be between 0 and 100',
    );
    expect(
      mergeSpotFallback(
        { enabled: true, fallbackAfterSeconds: 5, returnAfterSeconds: 900, maxOnDemandPercent: 50 },
        patch,
      ),
    ).toEqual({ enabled: true, fallbackAfterSeconds: 5, returnAfterSeconds: 20, maxOnDemandPercent: 50 });
    expect(mergeSpotFallback(undefined, { enabled: true })).toEqual({
      enabled: true,
      fallbackAfterSeconds: 60,
      returnAfterSeconds: 900,
      maxOnDemandPercent: 100,
    });
  });
});

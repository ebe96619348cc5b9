/**
 * The `spotFallback` object of a service: the single source of its field rules. On create
 * every field but `enabled` has a default; a PATCH gives any of them and is merged over what is there.
 */
import * as z from 'zod';
import type { SpotFallback } from '../domain';
import { onFirstUse } from './on-first-use';

const intIn = (min: number, max: number) =>
  z
    .number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number') })
    .int('must be an integer')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

export const SPOT_FALLBACK_DEFAULTS: Omit<SpotFallback, 'enabled'> = {
  fallbackAfterSeconds: 60,
  returnAfterSeconds: 900,
  maxOnDemandPercent: 100,
};

const fields = onFirstUse(() => ({
  enabled: z.boolean({
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be true or false'),
  }),
  fallbackAfterSeconds: intIn(0, 86400),
  returnAfterSeconds: intIn(0, 604800),
  maxOnDemandPercent: intIn(0, 100),
}));

export const spotFallbackSchema = onFirstUse(() =>
  z
    .strictObject({
      enabled: fields().enabled,
      fallbackAfterSeconds: fields().fallbackAfterSeconds.default(
        SPOT_FALLBACK_DEFAULTS.fallbackAfterSeconds,
      ),
      returnAfterSeconds: fields().returnAfterSeconds.default(SPOT_FALLBACK_DEFAULTS.returnAfterSeconds),
      maxOnDemandPercent: fields().maxOnDemandPercent.default(SPOT_FALLBACK_DEFAULTS.maxOnDemandPercent),
    })
    .describe(
      'When FARGATE_SPOT has no capacity (RunTask failures, or interruptions faster than replacements) and the service has been under its desired count for fallbackAfterSeconds, the missing Spot share is launched on FARGATE, within maxOnDemandPercent of desired; after returnAfterSeconds without a Spot failure it moves back to FARGATE_SPOT one batch at a time. Needs FARGATE_SPOT in capacityProviderStrategy.',
    ),
);

export const spotFallbackPatchSchema = onFirstUse(() =>
  z
    .strictObject({
      enabled: fields().enabled.optional(),
      fallbackAfterSeconds: fields().fallbackAfterSeconds.optional(),
      returnAfterSeconds: fields().returnAfterSeconds.optional(),
      maxOnDemandPercent: fields().maxOnDemandPercent.optional(),
    })
    .describe(
      "Any fields of SpotFallback, merged over the service's (a service without one starts from the defaults, not enabled).",
    ),
);

export type SpotFallbackPatch = z.output<ReturnType<typeof spotFallbackPatchSchema>>;

/** A PATCH over the service's spotFallback (defaults, not enabled, when it has none). */
export const mergeSpotFallback = (
  current: SpotFallback | undefined,
  patch: SpotFallbackPatch,
): SpotFallback => {
  const merged: SpotFallback = { enabled: false, ...SPOT_FALLBACK_DEFAULTS, ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
};

/** Fallback moves FARGATE_SPOT tasks to FARGATE: an enabled one needs FARGATE_SPOT in the strategy. */
export const spotFallbackProblem = (
  spotFallback: { enabled: boolean } | undefined,
  strategy: { capacityProvider: string }[] | undefined,
): string | undefined =>
  spotFallback?.enabled && !(strategy ?? []).some((item) => item.capacityProvider === 'FARGATE_SPOT')
    ? "enabled needs FARGATE_SPOT in the service's capacityProviderStrategy"
    : undefined;

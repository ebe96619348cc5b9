/** Capacity providers and the Spot fallback: the service's setting and the deployment's state. */

export type CapacityProviderName = 'FARGATE' | 'FARGATE_SPOT';

export interface CapacityProviderStrategyItem {
  capacityProvider: CapacityProviderName;
  base?: number;
  weight?: number;
}

/**
 * The Spot fallback: when FARGATE_SPOT has no capacity (or its tasks are interrupted faster than they are
 * replaced), Tugboat launches the missing Spot share on FARGATE, and moves it back later.
 */
export interface SpotFallback {
  enabled: boolean;
  /** Seconds under the desired count, with Spot failing, before the missing share goes to FARGATE. */
  fallbackAfterSeconds: number;
  /** Seconds without a Spot capacity failure before the FARGATE share moves back to FARGATE_SPOT. */
  returnAfterSeconds: number;
  /** At most this percent of the desired count runs on FARGATE in place of FARGATE_SPOT. */
  maxOnDemandPercent: number;
}

/** Reconciler bookkeeping on a deployment: where its Spot fallback stands (the API shows active, since, reason). */
export interface SpotFallbackState {
  active: boolean;
  /** When it last switched on or off (ISO). */
  since?: string;
  reason?: string;
  /**
   * When Spot first failed (ISO) while the service is under its desired count; cleared once it is back
   * at it. The fallback is due fallbackAfterSeconds later.
   */
  failingSince?: string;
  /** The newest Spot failure: a capacity refusal, or an interruption (ISO). */
  lastSpotFailureAt?: string;
  /** What that failure was, in ECS's words. */
  lastSpotFailure?: string;
  /**
   * FARGATE_SPOT launches refused for capacity in a row, since a Spot task last launched: the next Spot
   * launch backs off (plan/phases/spot-retry.ts).
   */
  spotRefusalsInRow?: number;
  /** Set while the FARGATE share moves back to FARGATE_SPOT (ISO: when the return started). */
  returningSince?: string;
}

/**
 * `apply -f` is declarative (as `kubectl apply` and ecspresso): the file is the whole of what can change on
 * a service. Every field PATCH can change is compared with the defaults filled in on both sides, so a field
 * or sub-field the file leaves out returns to its default (a field an earlier apply set goes away) and the
 * diff shows it before anything is written. Two exceptions: a file without `desiredCount` leaves the count
 * as it is, and while auto scaling is on the scaler owns the count (the file's is ignored, with a note).
 */

import type { ServiceDescription } from '../../client/api-types';
import { DEFAULT_DEPLOYMENT_CONFIGURATION } from '../../lib/use-cases/service-deployments';
import { autoScalingSchema } from '../../lib/validation/autoscaling';
import { SPOT_FALLBACK_DEFAULTS } from '../../lib/validation/spot-fallback';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What PATCH can change on an existing service (anything else is fixed at creation), in the diff's order,
 * each with its value once defaults are filled in: what a service that leaves it out has.
 */
const DECLARED: Record<string, (value: unknown) => unknown> = {
  taskDefinition: (value) => value,
  desiredCount: (value) => value,
  deploymentConfiguration: (value) => {
    const given = isObject(value) ? value : {};
    const breaker = isObject(given.deploymentCircuitBreaker) ? given.deploymentCircuitBreaker : {};
    return {
      ...DEFAULT_DEPLOYMENT_CONFIGURATION,
      ...given,
      deploymentCircuitBreaker: { ...DEFAULT_DEPLOYMENT_CONFIGURATION.deploymentCircuitBreaker, ...breaker },
    };
  },
  healthCheckGracePeriodSeconds: (value) => value ?? 0,
  loadBalancers: (value) => value ?? [],
  autoDeploy: (value) =>
    isObject(value) ? { tagPattern: value.tagPattern, pinDigest: value.pinDigest ?? false } : null,
  // The API fills in a policy's cooldowns and the like: parsed the same way, an unchanged file compares equal.
  autoScaling: (value) => {
    if (value === undefined || value === null) return null;
    const parsed = autoScalingSchema().safeParse(value);
    return parsed.success ? parsed.data : value;
  },
  spotFallback: (value) => ({ enabled: false, ...SPOT_FALLBACK_DEFAULTS, ...(isObject(value) ? value : {}) }),
};

export const PATCHABLE = new Set(Object.keys(DECLARED));

export interface DeclaredService {
  /** serviceName and every PATCHABLE field, as the file declares them with defaults filled in. */
  service: Fields;
  /** The same fields of the stored service, defaults filled in the same way: the diff's left side. */
  stored: Fields;
  /** The fields that differ, as PATCH takes them (`autoScaling: null`, `loadBalancers: []` remove). */
  patch: Fields;
  /** Lines to show with the diff (the file's desiredCount ignored, say). */
  notes: string[];
}

/** Keys sorted at every level: the API's answers (from DynamoDB) keep no key order. */
export const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : isObject(value)
      ? Object.fromEntries(
          Object.keys(value)
            .filter((key) => value[key] !== undefined)
            .sort()
            .map((key) => [key, canonical(value[key])]),
        )
      : value;

const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** The file's service (`desired`) against the `stored` one. */
export const declaredService = (stored: ServiceDescription, desired: Fields): DeclaredService => {
  const storedFields = stored as unknown as Fields;
  const service: Fields = { serviceName: desired.serviceName };
  const before: Fields = { serviceName: stored.serviceName };
  const patch: Fields = {};
  const notes: string[] = [];
  const autoScaling = desired.autoScaling as { minCapacity: number; maxCapacity: number } | undefined;
  for (const [field, declared] of Object.entries(DECLARED)) {
    if (field === 'desiredCount') {
      if (desired.desiredCount === undefined) continue; // not declared: left as it is
      if (autoScaling) {
        notes.push(
          `note: desiredCount ${String(desired.desiredCount)} in the file is ignored while auto scaling is on (minCapacity ${autoScaling.minCapacity}, maxCapacity ${autoScaling.maxCapacity}): the scaler sets it (now ${stored.desiredCount})`,
        );
        continue;
      }
    }
    const want = declared(desired[field]);
    const have = declared(storedFields[field]);
    service[field] = canonical(want);
    before[field] = canonical(have);
    if (!same(want, have)) patch[field] = field === 'autoDeploy' && isObject(want) ? desired[field] : want;
  }
  return { service, stored: before, patch, notes };
};

/**
 * `apply -f` is declarative: the file is the whole of what can change on a service. A field the file no
 * longer has is set back to what a service without it has (so a field an earlier apply set goes away,
 * and the diff shows it), and while auto scaling is on the scaler owns the desired count.
 */

import type { ServiceDescription } from '../../client/api-types';
import { DEFAULT_DEPLOYMENT_CONFIGURATION } from '../../lib/use-cases/service-deployments';

/** What PATCH can change on an existing service; anything else is fixed at creation. */
export const PATCHABLE = new Set([
  'desiredCount',
  'taskDefinition',
  'deploymentConfiguration',
  'healthCheckGracePeriodSeconds',
  'loadBalancers',
  'autoDeploy',
  'autoScaling',
  'spotFallback',
]);

export interface DeclaredService {
  /** The service as the file declares it, with the fields it left out set back; only PATCHABLE keys. */
  service: Record<string, unknown>;
  /** Lines to show with the diff (the file's desiredCount ignored, say). */
  notes: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The file's service (`desired`, PATCHABLE keys and serviceName) against the `stored` one. */
export const declaredService = (
  stored: ServiceDescription,
  desired: Record<string, unknown>,
): DeclaredService => {
  const service: Record<string, unknown> = Object.fromEntries(
    Object.entries(desired).filter(([key]) => PATCHABLE.has(key) || key === 'serviceName'),
  );
  const notes: string[] = [];

  // Left out: no auto scaling, no auto deploy, no Spot fallback, no grace period, ECS's default rollout.
  if (desired.autoScaling === undefined && stored.autoScaling) service.autoScaling = null;
  if (desired.autoDeploy === undefined && stored.autoDeploy) service.autoDeploy = null;
  if (desired.spotFallback === undefined && stored.spotFallback?.enabled)
    service.spotFallback = { enabled: false };
  if (
    desired.healthCheckGracePeriodSeconds === undefined &&
    (stored.healthCheckGracePeriodSeconds ?? 0) !== 0
  )
    service.healthCheckGracePeriodSeconds = 0;
  const fileConfiguration = (desired.deploymentConfiguration ?? {}) as Record<string, unknown>;
  const storedConfiguration = stored.deploymentConfiguration as unknown as Record<string, unknown>;
  const resetConfiguration = Object.entries(DEFAULT_DEPLOYMENT_CONFIGURATION).filter(
    ([field, value]) => fileConfiguration[field] === undefined && !same(storedConfiguration[field], value),
  );
  if (resetConfiguration.length > 0)
    service.deploymentConfiguration = { ...fileConfiguration, ...Object.fromEntries(resetConfiguration) };

  const autoScaling = desired.autoScaling as { minCapacity: number; maxCapacity: number } | undefined;
  if (autoScaling && desired.desiredCount !== undefined) {
    delete service.desiredCount;
    notes.push(
      `note: desiredCount ${String(desired.desiredCount)} in the file is ignored while auto scaling is on (minCapacity ${autoScaling.minCapacity}, maxCapacity ${autoScaling.maxCapacity}): the scaler sets it (now ${stored.desiredCount})`,
    );
  }
  return { service, notes };
};

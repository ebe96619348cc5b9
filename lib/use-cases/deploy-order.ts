/**
 * Deploys apply in the order of the events that caused them. The deploys queue is a standard queue:
 * a retried push of `release-2` can arrive after `release-3` was applied. Each deployment records when
 * its source event happened (`sourceEventAt`); a deploy whose source is older than the one behind the
 * service's current PRIMARY is skipped. Explicit rollbacks through the API are exempt: going back is
 * their point.
 */
import type { Deployment, Service } from '../domain';
import { epochSeconds, isoOf } from '../time';

export interface DeploySource {
  /** When the event behind the deploy happened (ISO-8601): ECR's `time`, the message's `sentAt`, the API request. */
  at: string;
  /** An explicit rollback: applies whatever the order. */
  rollback?: boolean;
}

/**
 * When the event behind the PRIMARY deployment happened. A rollback the circuit breaker made has no
 * source event of its own: it stands for the failed deployment it replaces.
 */
const primarySourceAt = (service: Service): number | undefined => {
  const primary = service.deployments.find((deployment) => deployment.status === 'PRIMARY');
  const behind: Deployment | undefined =
    primary?.sourceEventAt === undefined && primary?.rollbackOf !== undefined
      ? service.deployments.find((deployment) => deployment.id === primary.rollbackOf)
      : primary;
  return behind?.sourceEventAt === undefined ? undefined : Date.parse(behind.sourceEventAt);
};

/** Why the deploy must not apply (its source is older than the PRIMARY's), or undefined if it may. */
export const outOfOrderReason = (service: Service, source: DeploySource): string | undefined => {
  if (source.rollback) return undefined;
  const primaryAt = primarySourceAt(service);
  // Compared to the second: ECR's event times have no finer resolution, so a push in the same second
  // as the API request that made the PRIMARY is not taken for an older one.
  if (primaryAt === undefined || epochSeconds(Date.parse(source.at)) >= epochSeconds(primaryAt))
    return undefined;
  return `service ${service.serviceName} skipped a deploy whose source event (${source.at}) is older than the one behind its current PRIMARY deployment (${isoOf(primaryAt)}).`;
};

/** An ISO-8601 instant from an event's own time (`2026-11-25T10:00:00Z`, epoch ms); undefined if unreadable. */
export const eventInstant = (value: string | number | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? isoOf(ms) : undefined;
};

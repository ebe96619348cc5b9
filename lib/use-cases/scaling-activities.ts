/** A service's scaling activities, newest first, paged, and its policies' recent metrics. */
import type { Page, ScalingActivity } from '../domain';
import { ValidationError } from '../errors';
import { POLICY_HISTORY_HOURS } from '../store/scaling-history';
import { isoOf } from '../time';
import type { UseCaseContext } from './context';
import { getService } from './services';

export const listScalingActivities = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<ScalingActivity>> => {
  const service = await getService(context, cluster, serviceName);
  if (!context.scaling) return { items: [] };
  return context.scaling.listScalingActivities(service.cluster, service.serviceName, page);
};

/** How many hours of policy metrics GET .../scaling/metrics answers at most (what the history keeps). */
export const MAX_METRIC_HOURS = POLICY_HISTORY_HOURS;

export interface PolicyMetricHistory {
  policies: {
    name: string;
    targetValue: number;
    points: { at: string; value: number }[];
  }[];
}

/**
 * Each target tracking policy's metric readings of the last `hours` (in its target's units), oldest
 * first, with its target: what the scaling evaluator read each minute it read the policy.
 */
export const policyMetricHistory = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  hours: string | undefined,
): Promise<PolicyMetricHistory> => {
  const span = hours === undefined ? 3 : Number(hours);
  if (!/^\d+$/.test(hours ?? '3') || span < 1 || span > MAX_METRIC_HOURS)
    throw new ValidationError(`hours: must be an integer between 1 and ${MAX_METRIC_HOURS}`);
  const service = await getService(context, cluster, serviceName);
  const policies = service.autoScaling?.targetTracking ?? [];
  const since = context.now().getTime() - span * 3_600_000;
  const points =
    policies.length > 0 && context.scalingHistory
      ? await context.scalingHistory.readPolicyPoints(service.cluster, service.serviceName, since)
      : [];
  return {
    policies: policies.map((policy) => ({
      name: policy.name,
      targetValue: policy.targetValue,
      points: points
        .filter((point) => point.policy === policy.name)
        .map((point) => ({ at: isoOf(point.at), value: point.value })),
    })),
  };
};

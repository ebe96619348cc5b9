/** A service's scaling activities, newest first, paged. */
import type { Page, ScalingActivity } from '../domain';
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

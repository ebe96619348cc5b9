/**
 * The API side of auto scaling: a service's `autoScaling` on create and PATCH, the count kept in
 * its range, and the sparse index entry (the scaling state) kept in step. A service
 * written without autoScaling (`null` on PATCH) keeps its entry, which records its scale-out alarms: the evaluator
 * (which alone talks to CloudWatch) deletes those alarms on its next pass and then the entry, as for a deleted
 * service.
 */

import type { AutoScaling } from '../domain';
import { ValidationError } from '../errors';
import type { UseCaseContext } from './context';

/** With auto scaling, the count stays within [minCapacity, maxCapacity]; a PATCH of it is clamped too. */
export const clampToAutoScaling = (count: number, autoScaling: AutoScaling | undefined): number =>
  autoScaling ? Math.min(autoScaling.maxCapacity, Math.max(autoScaling.minCapacity, count)) : count;

const scalingStore = (context: UseCaseContext) => {
  if (!context.scaling) throw new ValidationError('autoScaling: auto scaling is not configured here');
  return context.scaling;
};

/**
 * Before a service is written with autoScaling: its index entry, so the evaluator finds it. Written first,
 * a crash before the service write leaves only an entry the evaluator removes as an orphan.
 */
export const registerAutoScaling = async (
  context: UseCaseContext,
  cluster: string,
  serviceName: string,
  autoScaling: AutoScaling | null | undefined,
): Promise<void> => {
  if (autoScaling) await scalingStore(context).registerScaling(cluster, serviceName, context.now().getTime());
};

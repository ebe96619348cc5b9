/**
 * POST /__local/load: `{ cluster, family, cpu?, memory?, requestsPerSecond? }` sets the demand on a task
 * family from the endpoint's current time on. A field left out keeps its previous value (0 at first);
 * `cluster` (a name or ARN) defaults to `default`, as in the ECS API.
 */
import type { LocalEcs } from './engine';
import { EcsServiceError } from './errors';
import { clusterNameOf, type Demand } from './usage';

const invalid = (message: string) => new EcsServiceError('InvalidParameterException', message, 400);

const requiredName = (input: Record<string, unknown>, field: string): string => {
  const value = input[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} must be a non-empty string`);
  return value;
};

export const readLoadRequest = (input: Record<string, unknown>, ecs: LocalEcs) => {
  const cluster = clusterNameOf(input.cluster === undefined ? 'default' : requiredName(input, 'cluster'));
  const family = requiredName(input, 'family');
  const demand: Partial<Demand> = {};
  for (const field of ['cpu', 'memory', 'requestsPerSecond'] as const) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw invalid(`${field} must be a number >= 0`);
    demand[field] = value;
  }
  ecs.tick();
  const at = ecs.now();
  const set = ecs.usage.setDemand(cluster, family, demand, at);
  const runningTasks = ecs.usage
    .runningIntervals(cluster, family)
    .filter((interval) => interval.to === undefined).length;
  return {
    cluster,
    family,
    cpu: set.cpu,
    memory: set.memory,
    requestsPerSecond: set.requestsPerSecond,
    runningTasks,
    at: new Date(at).toISOString(),
  };
};

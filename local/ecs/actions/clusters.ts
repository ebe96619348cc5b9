/** Cluster actions: CreateCluster, DescribeClusters, ListClusters and PutClusterCapacityProviders. */
import { EcsServiceError, invalidParameter } from '../errors';
import {
  checkMaxResults,
  decodeToken,
  encodeToken,
  optionalArray,
  optionalInt,
  optionalString,
  readTags,
} from '../input';
import { getCluster as clusterIn, clusterNameOf, type EcsState } from '../state';
import type { ClusterState, Json, StrategyItem } from '../types';
import { clusterView } from '../views';

export const readStrategy = (value: unknown): StrategyItem[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameter('capacityProviderStrategy must be a list.');
  return value.map((raw) => {
    const item = (raw ?? {}) as Json;
    if (typeof item.capacityProvider !== 'string') {
      throw invalidParameter('capacityProvider must be specified in a capacity provider strategy item.');
    }
    const weight = typeof item.weight === 'number' ? item.weight : undefined;
    const base = typeof item.base === 'number' ? item.base : undefined;
    if (weight !== undefined && (weight < 0 || weight > 1000))
      throw invalidParameter('weight must be 0-1000.');
    if (base !== undefined && (base < 0 || base > 100000)) throw invalidParameter('base must be 0-100000.');
    return { capacityProvider: item.capacityProvider, weight, base };
  });
};

/** A cluster's capacity providers (Fargate's two only) and a default strategy within them. */
export const readClusterCapacityProviders = (input: Json) => {
  const capacityProviders = (optionalArray(input, 'capacityProviders') ?? []).map(String);
  for (const provider of capacityProviders) {
    if (provider !== 'FARGATE' && provider !== 'FARGATE_SPOT') {
      throw invalidParameter(`The specified capacity provider '${provider}' is not valid.`);
    }
  }
  const strategy = readStrategy(input.defaultCapacityProviderStrategy);
  for (const item of strategy) {
    if (!capacityProviders.includes(item.capacityProvider)) {
      throw invalidParameter(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.',
      );
    }
  }
  return { capacityProviders: [...new Set(capacityProviders)], strategy };
};

export const clusterActions = (state: EcsState) => {
  const { clusters, arnPrefix, now } = state;
  const getCluster = (reference: string | undefined) => clusterIn(state, reference);

  const createCluster = (input: Json): Json => {
    const name = optionalString(input, 'clusterName') ?? 'default';
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      throw invalidParameter(
        'Cluster name must be between 1 and 255 characters and contain only letters, numbers, hyphens and underscores.',
      );
    }
    const existing = clusters.get(name);
    if (existing) return { cluster: clusterView(existing, ['TAGS']) };
    const { capacityProviders, strategy } = readClusterCapacityProviders(input);
    const cluster: ClusterState = {
      name,
      arn: `${arnPrefix}:cluster/${name}`,
      tags: readTags(input.tags),
      capacityProviders,
      defaultCapacityProviderStrategy: strategy,
      createdAt: now(),
      tasks: new Map(),
      order: [],
      clientTokens: new Map(),
      pendingCount: 0,
      runningCount: 0,
    };
    clusters.set(name, cluster);
    return { cluster: clusterView(cluster, ['TAGS']) };
  };

  /**
   * Replaces the cluster's capacity providers and default strategy (both required). A provider left out
   * is disassociated, which ECS allows only while no task of the cluster uses it (ResourceInUseException).
   */
  const putClusterCapacityProviders = (input: Json): Json => {
    const reference = optionalString(input, 'cluster');
    if (!reference) throw invalidParameter('cluster must be specified.');
    if (optionalArray(input, 'capacityProviders') === undefined) {
      throw invalidParameter('capacityProviders must be specified.');
    }
    if (optionalArray(input, 'defaultCapacityProviderStrategy') === undefined) {
      throw invalidParameter('defaultCapacityProviderStrategy must be specified.');
    }
    const cluster = getCluster(reference);
    const { capacityProviders, strategy } = readClusterCapacityProviders(input);
    for (const removed of cluster.capacityProviders.filter((name) => !capacityProviders.includes(name))) {
      const inUse = [...cluster.tasks.values()].some(
        (task) => task.capacityProviderName === removed && task.lastStatus !== 'STOPPED',
      );
      if (inUse) {
        throw new EcsServiceError(
          'ResourceInUseException',
          `The specified capacity provider ${removed} is in use and cannot be removed.`,
        );
      }
    }
    cluster.capacityProviders = capacityProviders;
    cluster.defaultCapacityProviderStrategy = strategy;
    return { cluster: clusterView(cluster, []) };
  };

  const describeClusters = (input: Json): Json => {
    const include = (optionalArray(input, 'include') ?? []).map(String);
    const references = (optionalArray(input, 'clusters') ?? ['default']).map(String);
    if (references.length > 100) throw invalidParameter('Clusters cannot have more than 100 elements.');
    const found: Json[] = [];
    const failures: Json[] = [];
    for (const reference of references) {
      const cluster = clusters.get(clusterNameOf(reference));
      if (cluster) found.push(clusterView(cluster, include));
      else
        failures.push({
          arn: reference.startsWith('arn:') ? reference : `${arnPrefix}:cluster/${reference}`,
          reason: 'MISSING',
        });
    }
    return { clusters: found, failures };
  };

  const listClusters = (input: Json): Json => {
    const maxResults = optionalInt(input, 'maxResults');
    checkMaxResults(maxResults);
    const start = decodeToken(optionalString(input, 'nextToken')) ?? 0;
    const arns = [...clusters.values()].map((cluster) => cluster.arn);
    const limit = maxResults ?? 100;
    const page = arns.slice(start, start + limit);
    return {
      clusterArns: page,
      nextToken: start + limit < arns.length ? encodeToken(start + limit) : undefined,
    };
  };

  return { createCluster, describeClusters, listClusters, putClusterCapacityProviders };
};

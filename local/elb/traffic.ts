/**
 * The traffic model: each listener receives the requests per second set with POST /__local/traffic; a
 * request goes to the rule it matches (the default rule unless the traffic names a path, host, method or
 * headers a rule matches), is split by the forward action's weights across target groups, then evenly across
 * each group's healthy targets (all its targets when none is healthy: the load balancer fails open), and is
 * served as the task's image says: a tag containing `errors<N>` answers N % with 5xx, `slow<N>` adds N ms to a
 * response time of a few ms. A group with no target to send to, or a weight total of 0, is answered by the
 * load balancer itself with 503 (HTTPCode_ELB_5XX_Count).
 *
 * Traffic is accounted in steps of the clock up to each call (every ELB call and metric read accounts first,
 * so weights and registrations take effect at the instant they changed), into one bucket per minute, load
 * balancer and target group, from which metrics.ts answers the AWS/ApplicationELB metrics.
 */
import type { TaskSnapshot } from '../ecs/engine';
import { imageTag } from '../ecs/model';
import type { BalancerStore } from './balancers';
import { listenerNotFound } from './balancers';
import { validationError } from './errors';
import { matchingRule, type SimulatedRequest } from './routing';

export const minuteMs = 60_000;
const stepMs = 5_000;
/** Steps one accounting may take; a clock moved by days takes longer steps. */
const maxSteps = 20_000;
const retentionMs = 24 * 3_600_000;
/** A healthy target's own response time, ms, and how it spreads: [factor, share of requests]. */
const baseMs = 5;
const spread: [number, number][] = [
  [0.8, 0.25],
  [1, 0.5],
  [1.25, 0.24],
  [2, 0.01],
];

export interface TargetAt {
  id: string;
  state: 'initial' | 'healthy' | 'unhealthy' | 'unavailable';
  task?: TaskSnapshot;
}

export interface TrafficDependencies {
  store: BalancerStore;
  now(): number;
  /** A target group's registered targets that are not draining, with their health at `at`. */
  targetsAt(targetGroupArn: string, at: number): TargetAt[] | undefined;
}

/** One minute of one target group behind one load balancer (targetGroup '' for the load balancer's own). */
export interface Bucket {
  minute: number;
  loadBalancer: string;
  targetGroup: string;
  requests: number;
  targetErrors: number;
  elbErrors: number;
  /** Requests divided by the targets that served them, summed over the steps (RequestCountPerTarget). */
  perTarget: number;
  /** Response time in ms to requests. */
  latency: Map<number, number>;
}

interface ListenerTraffic {
  requestsPerSecond: number;
  request: SimulatedRequest;
}

export interface TrafficModel {
  /** POST /__local/traffic's body: sets a listener's traffic from now on; returns what was set. */
  set(body: unknown): Record<string, unknown>;
  /** Accounts traffic up to now. */
  accrue(): void;
  /** Buckets of the minutes in [start, end) completed by now. */
  completedBuckets(start: number, end: number): Bucket[];
}

/** A task's behaviour from its essential images' tags. */
export const behaviourOf = (task: TaskSnapshot) => {
  const tags = task.essentialImages.map(imageTag);
  const number = (pattern: RegExp) => Math.max(0, ...tags.map((tag) => Number(pattern.exec(tag)?.[1] ?? 0)));
  return { errorRate: Math.min(100, number(/errors(\d+)/)) / 100, slowMs: number(/slow(\d+)/) };
};

const dimensionOf = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);

const readRequest = (body: Record<string, unknown>): SimulatedRequest => {
  const text = (field: string) => {
    const value = body[field];
    if (value !== undefined && typeof value !== 'string') throw validationError(`${field} must be a string`);
    return value as string | undefined;
  };
  const headers = body.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers))
    throw validationError('headers must be an object of header names to values');
  return {
    path: text('path') ?? '/',
    ...(text('host') !== undefined ? { host: text('host')! } : {}),
    method: text('method') ?? 'GET',
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
    ),
  };
};

export const createTrafficModel = (deps: TrafficDependencies): TrafficModel => {
  const { store } = deps;
  const traffic = new Map<string, ListenerTraffic>();
  const buckets = new Map<string, Bucket>();
  let accountedTo = deps.now();

  const bucketOf = (minute: number, loadBalancer: string, targetGroup: string): Bucket => {
    const key = `${minute}|${loadBalancer}|${targetGroup}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = {
        minute,
        loadBalancer,
        targetGroup,
        requests: 0,
        targetErrors: 0,
        elbErrors: 0,
        perTarget: 0,
        latency: new Map(),
      };
      buckets.set(key, bucket);
    }
    return bucket;
  };

  const serveGroup = (at: number, minute: number, loadBalancer: string, arn: string, requests: number) => {
    const balancerBucket = bucketOf(minute, loadBalancer, '');
    const targets = deps.targetsAt(arn, at) ?? [];
    const healthy = targets.filter((target) => target.state === 'healthy' || target.state === 'unavailable');
    const serving = healthy.length > 0 ? healthy : targets;
    if (serving.length === 0) {
      balancerBucket.elbErrors += requests;
      return;
    }
    const bucket = bucketOf(minute, loadBalancer, dimensionOf(arn));
    bucket.requests += requests;
    bucket.perTarget += requests / serving.length;
    const each = requests / serving.length;
    for (const target of serving) {
      const task = target.task;
      const running =
        task?.startedAt !== undefined &&
        task.startedAt <= at &&
        (task.stoppingAt === undefined || task.stoppingAt > at);
      if (!task || !running) {
        // Nothing answers at the address: the load balancer's 502.
        balancerBucket.elbErrors += each;
        continue;
      }
      const { errorRate, slowMs } = behaviourOf(task);
      bucket.targetErrors += each * errorRate;
      for (const [factor, share] of spread) {
        const ms = Math.round(baseMs * factor + slowMs);
        bucket.latency.set(ms, (bucket.latency.get(ms) ?? 0) + each * share);
      }
    }
  };

  /** Serves `seconds` of every listener's traffic with the state at `at`. */
  const serve = (at: number, seconds: number) => {
    const minute = Math.floor(at / minuteMs) * minuteMs;
    for (const [listenerArn, { requestsPerSecond, request }] of traffic) {
      const listener = store.listeners.get(listenerArn);
      const balancer = listener && store.loadBalancers.get(listener.loadBalancerArn);
      if (!listener || !balancer || requestsPerSecond <= 0) continue;
      const requests = requestsPerSecond * seconds;
      const balancerBucket = bucketOf(minute, balancer.dimension, '');
      balancerBucket.requests += requests;
      const forward = matchingRule(store, listenerArn, request)?.actions.find(
        (action) => action.forward,
      )?.forward;
      if (!forward) continue;
      const total = forward.groups.reduce((sum, group) => sum + group.weight, 0);
      if (total === 0) {
        balancerBucket.elbErrors += requests;
        continue;
      }
      for (const group of forward.groups)
        if (group.weight > 0)
          serveGroup(at, minute, balancer.dimension, group.arn, (requests * group.weight) / total);
    }
  };

  const accrue = () => {
    const now = deps.now();
    if (now <= accountedTo) return;
    if ([...traffic.values()].some((one) => one.requestsPerSecond > 0)) {
      const step = Math.max(stepMs, Math.ceil((now - accountedTo) / maxSteps / 1000) * 1000);
      for (let at = accountedTo; at < now; ) {
        const next = Math.min(now, Math.floor(at / minuteMs) * minuteMs + minuteMs, at + step);
        serve(at, (next - at) / 1000);
        at = next;
      }
    }
    accountedTo = now;
    for (const [key, bucket] of buckets) if (bucket.minute < now - retentionMs) buckets.delete(key);
  };

  return {
    accrue,
    set(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw validationError('The body must be a JSON object');
      const input = body as Record<string, unknown>;
      const listenerArn = input.listenerArn;
      if (typeof listenerArn !== 'string' || listenerArn === '')
        throw validationError('listenerArn must be a listener ARN');
      const requestsPerSecond = input.requestsPerSecond;
      if (
        typeof requestsPerSecond !== 'number' ||
        !Number.isFinite(requestsPerSecond) ||
        requestsPerSecond < 0
      )
        throw validationError('requestsPerSecond must be a number >= 0');
      const request = readRequest(input);
      if (!store.listeners.has(listenerArn)) throw listenerNotFound(listenerArn);
      accrue();
      traffic.set(listenerArn, { requestsPerSecond, request });
      const rule = matchingRule(store, listenerArn, request);
      return {
        listenerArn,
        requestsPerSecond,
        ruleArn: rule?.arn,
        targetGroups: rule?.actions.flatMap(
          (action) =>
            action.forward?.groups.map((group) => ({ targetGroupArn: group.arn, weight: group.weight })) ??
            [],
        ),
        at: new Date(deps.now()).toISOString(),
      };
    },
    completedBuckets(start, end) {
      accrue();
      const now = deps.now();
      return [...buckets.values()].filter(
        (bucket) =>
          bucket.minute >= Math.floor(start / minuteMs) * minuteMs &&
          bucket.minute < end &&
          bucket.minute + minuteMs <= now,
      );
    },
  };
};

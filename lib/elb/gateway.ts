/**
 * Tugboat's Elastic Load Balancing gateway, on an injected ElasticLoadBalancingV2Client: registrations and
 * deregistrations batched into one call per target group, target health read with one DescribeTargetHealth
 * per target group, and each target group's deregistration delay and health check timing read once and cached.
 *
 * Retries follow the ECS gateway (lib/ecs/gateway.ts): throttling, and here also the service's own 5xx
 * faults, are retried with full jitter and injectable sleep/random; build the client with `maxAttempts: 1`
 * (createElbClientForGateway) so the SDK's retries do not stack on these.
 */
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type ElasticLoadBalancingV2ClientConfig,
  RegisterTargetsCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { defaultRetryPolicy, type RetryPolicy, retryDelayMs } from '../ecs/gateway';
import { DependencyError, ValidationError } from '../errors';

/** The reference's default when a target group does not say otherwise. */
export const defaultDeregistrationDelaySeconds = 300;
const delayAttribute = 'deregistration_delay.timeout_seconds';

export interface Target {
  /** For target type `ip`, the task's private IPv4 address. */
  id: string;
  port: number;
}

export interface TargetRegistration {
  targetGroupArn: string;
  target: Target;
}

/** How soon a newly registered target can be healthy: ELB checks it every interval, healthyThreshold passes in a row. */
export interface HealthCheckTiming {
  intervalSeconds: number;
  healthyThreshold: number;
}

export interface ElbGatewayOptions {
  client: ElasticLoadBalancingV2Client;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** How long a deregistration delay or health check timing read stays cached (default 5 minutes). */
  delayCacheMs?: number;
  now?: () => number;
}

export interface ElbGateway {
  /** One RegisterTargets per target group named in `registrations`. */
  registerTargets(registrations: TargetRegistration[]): Promise<void>;
  /** One DeregisterTargets per target group named in `registrations`. */
  deregisterTargets(registrations: TargetRegistration[]): Promise<void>;
  /** Every registered target of the group (or only `targets`) with its health, in one DescribeTargetHealth. */
  describeTargetHealth(targetGroupArn: string, targets?: Target[]): Promise<TargetHealthDescription[]>;
  /** The same for several target groups: one DescribeTargetHealth per distinct target group. */
  describeTargetHealthOf(targetGroupArns: Iterable<string>): Promise<Map<string, TargetHealthDescription[]>>;
  /** `deregistration_delay.timeout_seconds`, from DescribeTargetGroupAttributes, cached. */
  deregistrationDelaySeconds(targetGroupArn: string): Promise<number>;
  /** `HealthCheckIntervalSeconds` and `HealthyThresholdCount`, from DescribeTargetGroups, cached. */
  healthCheckTiming(targetGroupArn: string): Promise<HealthCheckTiming>;
}

/** An ElasticLoadBalancingV2Client whose own retries leave transient errors to the gateway. */
export const createElbClientForGateway = (
  config: ElasticLoadBalancingV2ClientConfig = {},
): ElasticLoadBalancingV2Client => new ElasticLoadBalancingV2Client({ maxAttempts: 1, ...config });

/** Throttling (ELB's code is `Throttling`) or a fault on the service's side. */
export const isTransientElbError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  if (
    ['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded'].includes(
      error.name,
    )
  )
    return true;
  return (error as { $fault?: string }).$fault === 'server';
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Targets grouped by target group, each target once, in first-seen order. */
export const byTargetGroup = (registrations: TargetRegistration[]): Map<string, Target[]> => {
  const groups = new Map<string, Map<string, Target>>();
  for (const { targetGroupArn, target } of registrations) {
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535)
      throw new ValidationError(`target port must be an integer from 1 to 65535, not ${target.port}`);
    const targets = groups.get(targetGroupArn) ?? new Map<string, Target>();
    targets.set(`${target.id}:${target.port}`, target);
    groups.set(targetGroupArn, targets);
  }
  return new Map([...groups].map(([arn, targets]) => [arn, [...targets.values()]]));
};

export const createElbGateway = (options: ElbGatewayOptions): ElbGateway => {
  const { client } = options;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const delayCacheMs = options.delayCacheMs ?? 300_000;
  const delays = new Map<string, { seconds: number; readAt: number }>();
  const timings = new Map<string, { timing: HealthCheckTiming; readAt: number }>();

  const withRetry = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isTransientElbError(error)) throw error;
        if (attempt + 1 >= policy.maxAttempts) {
          throw new DependencyError(
            `Elastic Load Balancing ${operation} still failing after ${policy.maxAttempts} attempts`,
            error,
          );
        }
        await sleep(retryDelayMs(attempt, policy, random));
      }
    }
  };

  const targetsOf = (targets: Target[]) => targets.map((target) => ({ Id: target.id, Port: target.port }));

  const describeTargetHealth = async (
    targetGroupArn: string,
    targets?: Target[],
  ): Promise<TargetHealthDescription[]> => {
    const output = await withRetry('DescribeTargetHealth', () =>
      client.send(
        new DescribeTargetHealthCommand({
          TargetGroupArn: targetGroupArn,
          ...(targets ? { Targets: targetsOf(targets) } : {}),
        }),
      ),
    );
    return output.TargetHealthDescriptions ?? [];
  };

  return {
    async registerTargets(registrations) {
      for (const [arn, targets] of byTargetGroup(registrations)) {
        await withRetry('RegisterTargets', () =>
          client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targetsOf(targets) })),
        );
      }
    },

    async deregisterTargets(registrations) {
      for (const [arn, targets] of byTargetGroup(registrations)) {
        await withRetry('DeregisterTargets', () =>
          client.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: targetsOf(targets) })),
        );
      }
    },

    describeTargetHealth,

    async describeTargetHealthOf(targetGroupArns) {
      const health = new Map<string, TargetHealthDescription[]>();
      for (const arn of new Set(targetGroupArns)) health.set(arn, await describeTargetHealth(arn));
      return health;
    },

    async deregistrationDelaySeconds(targetGroupArn) {
      const cached = delays.get(targetGroupArn);
      if (cached && now() - cached.readAt < delayCacheMs) return cached.seconds;
      const output = await withRetry('DescribeTargetGroupAttributes', () =>
        client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn })),
      );
      const value = output.Attributes?.find((attribute) => attribute.Key === delayAttribute)?.Value;
      const parsed = Number(value);
      const seconds =
        value !== undefined && Number.isInteger(parsed) && parsed >= 0
          ? parsed
          : defaultDeregistrationDelaySeconds;
      delays.set(targetGroupArn, { seconds, readAt: now() });
      return seconds;
    },

    async healthCheckTiming(targetGroupArn) {
      const cached = timings.get(targetGroupArn);
      if (cached && now() - cached.readAt < delayCacheMs) return cached.timing;
      const output = await withRetry('DescribeTargetGroups', () =>
        client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] })),
      );
      const group = output.TargetGroups?.[0];
      // The reference's defaults for an ip target group over HTTP, should ELB leave them out.
      const timing = {
        intervalSeconds: group?.HealthCheckIntervalSeconds ?? 30,
        healthyThreshold: group?.HealthyThresholdCount ?? 5,
      };
      timings.set(targetGroupArn, { timing, readAt: now() });
      return timing;
    },
  };
};

/**
 * Tugboat's Elastic Load Balancing gateway, on an injected ElasticLoadBalancingV2Client: registrations and
 * deregistrations batched into one call per target group, target health read with one DescribeTargetHealth
 * per target group, and each target group's deregistration delay and health check timing read once and cached.
 *
 * Calls go through calls.ts: transient errors retried, and each Describe* paced to ELB's published budget
 * when the gateway is given a pacer; a read that would wait past its deadline (or MAX_ROOM_WAIT_MS)
 * throws PacingDeadlineError.
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
import { ValidationError } from '../errors';
import { type CallDeadline, createElbCaller, type ElbCallOptions } from './calls';

export { isTransientElbError } from './calls';

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

export interface ElbGatewayOptions extends ElbCallOptions {
  client: ElasticLoadBalancingV2Client;
  /** How long a deregistration delay or health check timing read stays cached (default 5 minutes). */
  delayCacheMs?: number;
}

export interface ElbGateway {
  /** One RegisterTargets per target group named in `registrations`. */
  registerTargets(registrations: TargetRegistration[]): Promise<void>;
  /** One DeregisterTargets per target group named in `registrations`. */
  deregisterTargets(registrations: TargetRegistration[]): Promise<void>;
  /** Every registered target of the group (or only `targets`) with its health, in one DescribeTargetHealth. */
  describeTargetHealth(
    targetGroupArn: string,
    targets?: Target[],
    options?: CallDeadline,
  ): Promise<TargetHealthDescription[]>;
  /** The same for several target groups: one DescribeTargetHealth per distinct target group. */
  describeTargetHealthOf(targetGroupArns: Iterable<string>): Promise<Map<string, TargetHealthDescription[]>>;
  /** `deregistration_delay.timeout_seconds`, from DescribeTargetGroupAttributes, cached. */
  deregistrationDelaySeconds(targetGroupArn: string, options?: CallDeadline): Promise<number>;
  /** `HealthCheckIntervalSeconds` and `HealthyThresholdCount`, from DescribeTargetGroups, cached. */
  healthCheckTiming(targetGroupArn: string, options?: CallDeadline): Promise<HealthCheckTiming>;
}

/** An ElasticLoadBalancingV2Client whose own retries leave transient errors to the gateway. */
export const createElbClientForGateway = (
  config: ElasticLoadBalancingV2ClientConfig = {},
): ElasticLoadBalancingV2Client => new ElasticLoadBalancingV2Client({ maxAttempts: 1, ...config });

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
  const call = createElbCaller(options);
  const now = options.now ?? Date.now;
  const delayCacheMs = options.delayCacheMs ?? 300_000;
  const delays = new Map<string, { seconds: number; readAt: number }>();
  const timings = new Map<string, { timing: HealthCheckTiming; readAt: number }>();

  const targetsOf = (targets: Target[]) => targets.map((target) => ({ Id: target.id, Port: target.port }));

  const describeTargetHealth = async (
    targetGroupArn: string,
    targets?: Target[],
    { deadline, ifRoomNow }: CallDeadline = {},
  ): Promise<TargetHealthDescription[]> => {
    const output = await call(
      'DescribeTargetHealth',
      () =>
        client.send(
          new DescribeTargetHealthCommand({
            TargetGroupArn: targetGroupArn,
            ...(targets ? { Targets: targetsOf(targets) } : {}),
          }),
        ),
      deadline,
      ifRoomNow,
    );
    return output.TargetHealthDescriptions ?? [];
  };

  return {
    async registerTargets(registrations) {
      for (const [arn, targets] of byTargetGroup(registrations)) {
        await call('RegisterTargets', () =>
          client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targetsOf(targets) })),
        );
      }
    },

    async deregisterTargets(registrations) {
      for (const [arn, targets] of byTargetGroup(registrations)) {
        await call('DeregisterTargets', () =>
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

    async deregistrationDelaySeconds(targetGroupArn, { deadline } = {}) {
      const cached = delays.get(targetGroupArn);
      if (cached && now() - cached.readAt < delayCacheMs) return cached.seconds;
      const output = await call(
        'DescribeTargetGroupAttributes',
        () => client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn })),
        deadline,
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

    async healthCheckTiming(targetGroupArn, { deadline } = {}) {
      const cached = timings.get(targetGroupArn);
      if (cached && now() - cached.readAt < delayCacheMs) return cached.timing;
      const output = await call(
        'DescribeTargetGroups',
        () => client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] })),
        deadline,
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

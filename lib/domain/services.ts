import type { DeploymentAnalysis } from './analysis';
import type { ApprovalConfiguration } from './approval';
import type { Deployment } from './deployments';
import type { LifecycleHook } from './lifecycle-hooks';
import type { AutoScaling } from './scaling';
import type { CapacityProviderStrategyItem, SpotFallback } from './spot';
import type { Tag } from './task-definitions';
import type {
  AdvancedConfiguration,
  CanaryConfiguration,
  DeploymentAlarms,
  DeploymentStrategy,
  LinearConfiguration,
} from './traffic';

/** A service: what the user asked for, with the reconciler's bookkeeping beside it, and its events. */

export interface AwsVpcConfiguration {
  subnets: string[];
  securityGroups?: string[];
  assignPublicIp?: 'ENABLED' | 'DISABLED';
}

export interface NetworkConfiguration {
  awsvpcConfiguration: AwsVpcConfiguration;
}

/** How the circuit breaker turns `value` into its threshold (ECS ThresholdType). */
export type ThresholdType = 'COUNT' | 'BOUNDED_PERCENT' | 'UNBOUNDED_PERCENT';

/**
 * ECS ThresholdConfiguration: COUNT takes `value` as the threshold; the percentages take `value` % of the
 * latest desired count, BOUNDED_PERCENT clamped to 3..200. ECS's default is BOUNDED_PERCENT 50.
 */
export interface ThresholdConfiguration {
  type: ThresholdType;
  value: number;
}

export interface DeploymentCircuitBreaker {
  enable: boolean;
  rollback: boolean;
  /** Tugboat's older shorthand for `thresholdConfiguration: { type: 'COUNT', value }`. */
  failureThreshold?: number;
  thresholdConfiguration?: ThresholdConfiguration;
  /**
   * ECS's: a task that becomes healthy resets the failure count (default true). Tugboat resets it only
   * when a task raises the deployment's healthy count above its earlier peak (phases/primary.ts).
   */
  resetOnHealthyTask?: boolean;
}

export interface DeploymentConfiguration {
  minimumHealthyPercent: number;
  maximumPercent: number;
  deploymentCircuitBreaker: DeploymentCircuitBreaker;
  /** Seconds a task without a health check must be RUNNING before it counts as healthy (ECS default 40). */
  minReadySeconds?: number;
  /** A deployment that makes no progress for this long fails (default 600). */
  progressDeadlineSeconds?: number;
  /** Absent: ROLLING. A change applies from the next deployment. */
  strategy?: DeploymentStrategy;
  /** Minutes both fleets stay up after production has fully shifted (0..1440; BLUE_GREEN requires it). */
  bakeTimeInMinutes?: number;
  canaryConfiguration?: CanaryConfiguration;
  linearConfiguration?: LinearConfiguration;
  alarms?: DeploymentAlarms;
  /** Tugboat: judge the new target group by the load balancer's metrics (non-rolling strategies only). */
  analysis?: DeploymentAnalysis;
  /** Holds a traffic shift at a stage until someone continues it (applies from the next deployment). */
  approval?: ApprovalConfiguration;
  /** ECS lifecycle hooks: functions invoked at a traffic shift's stages (applies from the next deployment). */
  lifecycleHooks?: LifecycleHook[];
}

export interface AutoDeploy {
  tagPattern: string;
  pinDigest?: boolean;
}

/** A target group the service's tasks register with (ECS's shape): the container and port traffic goes to. */
export interface LoadBalancer {
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
  /** The alternate target group and listener rules a non-rolling deployment shifts traffic with. */
  advancedConfiguration?: AdvancedConfiguration;
}

export type ServiceStatus = 'ACTIVE' | 'DRAINING' | 'INACTIVE';

export interface ServiceEvent {
  id: string;
  createdAt: string;
  message: string;
  /** Who made the change the event records: the caller's IAM principal (`local` locally). */
  principal?: string;
  /** What caused it: the API request's id or the source event's id, through the queue to the pass. */
  correlationId?: string;
}

/** A RunTask call the reconciler committed to before making it; replayed with the same token after a crash. */
export interface InflightLaunch {
  deploymentId: string;
  /** `family:revision` */
  taskDefinition: string;
  count: number;
  clientToken: string;
  startedBy: string;
  group: string;
  launchType?: 'FARGATE';
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
}

export interface Service {
  cluster: string;
  serviceName: string;
  serviceArn: string;
  status: ServiceStatus;
  /** `family:revision` */
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  launchType?: 'FARGATE';
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  /** The Spot fallback: FARGATE in place of FARGATE_SPOT while Spot has no capacity. */
  spotFallback?: SpotFallback;
  networkConfiguration: NetworkConfiguration;
  deploymentConfiguration: DeploymentConfiguration;
  healthCheckGracePeriodSeconds: number;
  /** Target groups every task registers with (at most 5); a change comes with a new deployment. */
  loadBalancers?: LoadBalancer[];
  autoDeploy?: AutoDeploy;
  /**
   * Load balancers with an alternate group: entry targetGroupArn -> the group production traffic goes to
   * now (absent: the entry's own). Swapped when a non-rolling deployment reaches CLEAN_UP (completed or
   * not), and back by a rollback of it.
   */
  servingTargetGroups?: Record<string, string>;
  /** Auto scaling: with it, desiredCount is what the scaler last chose, within [minCapacity, maxCapacity]. */
  autoScaling?: AutoScaling;
  tags: Tag[];
  deployments: Deployment[];
  /** Reconciler bookkeeping: launches committed to but not yet confirmed in the inventory. */
  inflightLaunches?: InflightLaunch[];
  /** Reconciler bookkeeping: a delayed reconcile is already scheduled for this instant (ISO). */
  wakeAt?: string;
  /**
   * Reconciler bookkeeping: its target groups' health check timing as a pass last read it, kept here so
   * every worker instance shares one DescribeTargetGroups per group (see reconcile/plan/first-checks.ts).
   */
  targetGroupHealthChecks?: Record<string, TargetGroupHealthCheckRead>;
  /**
   * Reconciler bookkeeping: when a pass last read each of its target groups (DescribeTargetHealth), ISO;
   * until TARGET_HEALTH_REFRESH_MS later a group may be taken as the inventory records it
   * (reconcile/pass/target-reads.ts).
   */
  targetHealthReadAt?: Record<string, string>;
  /**
   * Reconciler bookkeeping: each listener rule's forward weights (target group ARN -> weight) as a pass
   * last read or set them, and when (ISO); until LISTENER_RULE_REFRESH_MS later a pass takes them from
   * here. A rule a pass is about to set is dropped first, so a crash before its record reads it again.
   * `actions`: the rule's actions (ELB's Action shapes) as read or set, so setting the weights again
   * keeps the others without a DescribeRules first (a rollback's shift back waits on no read).
   */
  listenerRuleWeights?: Record<
    string,
    { weights: Record<string, number>; at: string; actions?: Array<Record<string, unknown>> }
  >;
  /**
   * Bumped by every change of what the user asked for (the ETag); status written by the reconciler
   * (counts, deployment progress, events) bumps only statusVersion, so If-Match stays meaningful.
   */
  version: number;
  statusVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** A target group's HealthCheckIntervalSeconds and HealthyThresholdCount, and when they were read (ISO). */
export interface TargetGroupHealthCheckRead {
  intervalSeconds: number;
  healthyThreshold: number;
  readAt: string;
}

/**
 * The target groups the service holds: a target group serves one service, the one that lists it in its
 * load balancers and is not INACTIVE (a DRAINING service still has tasks registered there).
 */
export const targetGroupsInUse = (service: Pick<Service, 'status' | 'loadBalancers'>): string[] =>
  service.status === 'INACTIVE'
    ? []
    : [
        ...new Set(
          (service.loadBalancers ?? []).flatMap((lb) =>
            lb.advancedConfiguration
              ? [lb.targetGroupArn, lb.advancedConfiguration.alternateTargetGroupArn]
              : [lb.targetGroupArn],
          ),
        ),
      ];

/** The group of a load balancer entry that production traffic goes to now. */
export const servingTargetGroup = (
  service: Pick<Service, 'servingTargetGroups'>,
  lb: Pick<LoadBalancer, 'targetGroupArn'>,
): string => service.servingTargetGroups?.[lb.targetGroupArn] ?? lb.targetGroupArn;

/** The PRIMARY deployment's desired count: the service's while it is ACTIVE; a draining service wants none. */
export const primaryDesiredCount = (status: ServiceStatus, desiredCount: number): number =>
  status === 'ACTIVE' ? desiredCount : 0;

/**
 * The service with `desiredCount`, on the service and its PRIMARY deployment alike (the one place that
 * writes it, for the API, the scaling evaluator and deletes; the planner keeps them equal by the rule
 * above). A PRIMARY it changes gets `updatedAt` `at`.
 */
export const withDesiredCount = (service: Service, desiredCount: number, at: string): Service => {
  const primaryCount = primaryDesiredCount(service.status, desiredCount);
  return {
    ...service,
    desiredCount,
    deployments: service.deployments.map((deployment) =>
      deployment.status === 'PRIMARY' && deployment.desiredCount !== primaryCount
        ? { ...deployment, desiredCount: primaryCount, updatedAt: at }
        : deployment,
    ),
  };
};

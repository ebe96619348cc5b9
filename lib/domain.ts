import type { AutoScaling } from './validation/autoscaling';

/**
 * Tugboat's desired-state model. Shapes follow ECS's where ECS has one, in camelCase.
 * These are plain data: the store persists them, the API returns them, the planner reads them.
 */

export interface Tag {
  key: string;
  value: string;
}

export interface KeyValuePair {
  name: string;
  value: string;
}

export interface PortMapping {
  containerPort: number;
  protocol?: 'tcp' | 'udp';
}

export interface HealthCheck {
  command: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  startPeriod?: number;
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential?: boolean;
  command?: string[];
  environment?: KeyValuePair[];
  portMappings?: PortMapping[];
  healthCheck?: HealthCheck;
}

export type TaskDefinitionStatus = 'ACTIVE' | 'INACTIVE';

/** A task definition revision's reference, `family:revision`, as services and deployments name it. */
export const revisionReference = (taskDefinition: { family: string; revision: number }): string =>
  `${taskDefinition.family}:${taskDefinition.revision}`;

/** The family and revision of a `family:revision` reference; revision undefined for a bare `family`. */
export const parseRevisionReference = (reference: string): { family: string; revision?: number } => {
  const colon = reference.lastIndexOf(':');
  return colon < 0
    ? { family: reference }
    : { family: reference.slice(0, colon), revision: Number(reference.slice(colon + 1)) };
};

export interface TaskDefinition {
  family: string;
  revision: number;
  taskDefinitionArn: string;
  status: TaskDefinitionStatus;
  cpu: string;
  memory: string;
  containerDefinitions: ContainerDefinition[];
  executionRoleArn?: string;
  taskRoleArn?: string;
  tags?: Tag[];
  requiresCompatibilities: ['FARGATE'];
  networkMode: 'awsvpc';
  registeredAt: string;
  deregisteredAt?: string;
  /** The ARN ECS gave this revision when Tugboat first launched it (registered lazily, once). */
  ecsTaskDefinitionArn?: string;
  /** Optimistic-locking counter; every write checks and bumps it. */
  version: number;
}

export type CapacityProviderName = 'FARGATE' | 'FARGATE_SPOT';

export interface CapacityProviderStrategyItem {
  capacityProvider: CapacityProviderName;
  base?: number;
  weight?: number;
}

/**
 * Issue 18: when FARGATE_SPOT has no capacity (or its tasks are interrupted faster than they are
 * replaced), Tugboat launches the missing Spot share on FARGATE, and moves it back later.
 */
export interface SpotFallback {
  enabled: boolean;
  /** Seconds under the desired count, with Spot failing, before the missing share goes to FARGATE. */
  fallbackAfterSeconds: number;
  /** Seconds without a Spot capacity failure before the FARGATE share moves back to FARGATE_SPOT. */
  returnAfterSeconds: number;
  /** At most this percent of the desired count runs on FARGATE in place of FARGATE_SPOT. */
  maxOnDemandPercent: number;
}

/** Reconciler bookkeeping on a deployment: where its Spot fallback stands (the API shows active, since, reason). */
export interface SpotFallbackState {
  active: boolean;
  /** When it last switched on or off (ISO). */
  since?: string;
  reason?: string;
  /**
   * When Spot first failed (ISO) while the service is under its desired count; cleared once it is back
   * at it. The fallback is due fallbackAfterSeconds later.
   */
  failingSince?: string;
  /** The newest Spot failure: a capacity refusal, or an interruption (ISO). */
  lastSpotFailureAt?: string;
  /** What that failure was, in ECS's words. */
  lastSpotFailure?: string;
  /** Set while the FARGATE share moves back to FARGATE_SPOT (ISO: when the return started). */
  returningSince?: string;
}

export interface AwsVpcConfiguration {
  subnets: string[];
  securityGroups?: string[];
  assignPublicIp?: 'ENABLED' | 'DISABLED';
}

export interface NetworkConfiguration {
  awsvpcConfiguration: AwsVpcConfiguration;
}

export interface DeploymentCircuitBreaker {
  enable: boolean;
  rollback: boolean;
  /** Failed launches that fail a deployment; ECS's default is ceil(0.5 x desired) clamped to 3..200. */
  failureThreshold?: number;
}

export interface DeploymentConfiguration {
  minimumHealthyPercent: number;
  maximumPercent: number;
  deploymentCircuitBreaker: DeploymentCircuitBreaker;
  /** Seconds a task without a health check must be RUNNING before it counts as healthy (ECS default 40). */
  minReadySeconds?: number;
  /** A deployment that makes no progress for this long fails (default 600). */
  progressDeadlineSeconds?: number;
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
}

/** One of a task's targets: its private IPv4 address on `port` in the target group. */
export interface TaskTarget {
  targetGroupArn: string;
  port: number;
}

/**
 * The reconciler's load-balancing bookkeeping on a task's inventory item (ECS events never carry it, so
 * their writes leave it alone). It survives a crash: the next pass knows what is registered and when a
 * draining task's StopTask is due.
 */
export interface TaskLoadBalancing {
  /** Targets Tugboat registered for the task. */
  targets: TaskTarget[];
  /** When every target was first seen `healthy` (ISO). */
  healthyAt?: string;
  /** When Tugboat deregistered the targets before stopping the task (ISO): the task is draining. */
  deregisteredAt?: string;
  /** deregisteredAt plus the longest deregistration delay of its target groups: StopTask is due then (ISO). */
  stopDueAt?: string;
  /** Why the task is stopped once drained (StopTask's reason, and the plan's stop cause). */
  stopCause?: string;
  stopReason?: string;
}

export type ServiceStatus = 'ACTIVE' | 'DRAINING' | 'INACTIVE';
export type DeploymentStatus = 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
/** STOPPED: superseded by a newer deployment (or the service deleted) before it completed. */
export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'STOPPED';

export interface Deployment {
  id: string;
  status: DeploymentStatus;
  /** `family:revision` */
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  failedTasks: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  createdAt: string;
  updatedAt: string;
  /** Reconciler bookkeeping: consecutive failed launches, for crash-loop back-off. */
  consecutiveFailures?: number;
  /** Reconciler bookkeeping: no launch before this instant (ISO), while backing off. */
  backoffUntil?: string;
  /**
   * Reconciler bookkeeping: when the deployment last made progress (ISO), for the progress deadline.
   * Unset until the first reconcile pass looks at the deployment, which starts the clock.
   */
  lastProgressAt?: string;
  /** Reconciler bookkeeping: launches issued so far; with the slot it makes RunTask clientTokens unique. */
  launchAttempts?: number;
  /** Reconciler bookkeeping: healthy tasks at the last pass; a rise is progress (progress deadline, steady state). */
  healthyCount?: number;
  /** Set on a deployment the circuit breaker created to roll back: the id of the deployment that failed. */
  rollbackOf?: string;
  /** Load-balanced services: the deployment's live tasks' targets that are `healthy`, and those draining. */
  healthyTargets?: number;
  drainingTargets?: number;
  /**
   * When the event that caused the deployment happened (ISO-8601): the ECR push event's `time`, the
   * deploy message's `sentAt`, or the API request's time. Deploys older than the PRIMARY's are skipped.
   */
  sourceEventAt?: string;
  /** Who caused the deployment through the API: the caller's IAM principal (`local` locally). */
  principal?: string;
  /**
   * Reconciler bookkeeping: launches ECS refused for good (a 4xx, or RunTask `failures`), newest last and
   * at most MAX_LAUNCH_REFUSALS_KEPT; the planner counts each refused task as a failed launch.
   */
  launchRefusals?: LaunchRefusal[];
  /** Issue 18: the deployment's Spot fallback (reconciler bookkeeping). */
  spotFallback?: SpotFallbackState;
  /** The deployment's live tasks per capacity provider (services with a capacity provider strategy). */
  tasksByCapacityProvider?: Record<CapacityProviderName, number>;
}

/** Tasks of one RunTask call that ECS refused (they never existed, so no inventory record shows them). */
export interface LaunchRefusal {
  /** ISO instant of the refusal. */
  at: string;
  count: number;
}

export const MAX_LAUNCH_REFUSALS_KEPT = 20;

/**
 * A new PRIMARY deployment, IN_PROGRESS, with nothing launched yet. Pure: id and time are given. Its
 * progress clock (lastProgressAt) starts at the first reconcile pass, not here.
 */
export const freshDeployment = (
  id: string,
  taskDefinition: string,
  desiredCount: number,
  at: string,
  rolloutStateReason = 'ECS deployment in progress.',
): Deployment => ({
  id,
  status: 'PRIMARY',
  taskDefinition,
  desiredCount,
  runningCount: 0,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: 'IN_PROGRESS',
  rolloutStateReason,
  createdAt: at,
  updatedAt: at,
  launchAttempts: 0,
  healthyCount: 0,
});

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
  /** Issue 18: FARGATE in place of FARGATE_SPOT while Spot has no capacity. */
  spotFallback?: SpotFallback;
  networkConfiguration: NetworkConfiguration;
  deploymentConfiguration: DeploymentConfiguration;
  healthCheckGracePeriodSeconds: number;
  /** Target groups every task registers with (at most 5); a change comes with a new deployment. */
  loadBalancers?: LoadBalancer[];
  autoDeploy?: AutoDeploy;
  /** Issue 15: with it, desiredCount is what the scaler last chose, within [minCapacity, maxCapacity]. */
  autoScaling?: AutoScaling;
  tags: Tag[];
  deployments: Deployment[];
  /** Reconciler bookkeeping: launches committed to but not yet confirmed in the inventory. */
  inflightLaunches?: InflightLaunch[];
  /** Reconciler bookkeeping: a delayed reconcile is already scheduled for this instant (ISO). */
  wakeAt?: string;
  /**
   * Bumped by every change of what the user asked for (the ETag); status written by the reconciler
   * (counts, deployment progress, events) bumps only statusVersion, so If-Match stays meaningful.
   */
  version: number;
  statusVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** One change of a scaled service's count (or range), as Application Auto Scaling's scaling activities. */
export interface ScalingActivity {
  id: string;
  startedAt: string;
  cause: string;
  fromCount: number;
  toCount: number;
  /** The target tracking policy or scheduled action that decided; absent for a range clamp by PATCH. */
  policy?: string;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * Tugboat's inventory entry for one ECS task, kept from ECS task state change events (and RunTask
 * answers). `eventVersion` is ECS's task `version`: an update older than the stored one is ignored.
 */
export interface TaskRecord {
  cluster: string;
  serviceName?: string;
  taskArn: string;
  taskId: string;
  deploymentId?: string;
  startedBy?: string;
  group?: string;
  taskDefinitionArn?: string;
  lastStatus: string;
  desiredStatus: string;
  healthStatus: string;
  launchType?: string;
  capacityProviderName?: string;
  cpu?: string;
  memory?: string;
  availabilityZone?: string;
  createdAt?: string;
  pullStartedAt?: string;
  pullStoppedAt?: string;
  startedAt?: string;
  stoppingAt?: string;
  stoppedAt?: string;
  executionStoppedAt?: string;
  stopCode?: string;
  stoppedReason?: string;
  containers?: Array<{
    name?: string;
    image?: string;
    lastStatus?: string;
    exitCode?: number;
    healthStatus?: string;
    reason?: string;
  }>;
  /** When the task was first reported HEALTHY (ISO). */
  healthyAt?: string;
  /** From the task's ENI attachment: the address its targets are registered by. */
  privateIpv4Address?: string;
  /** Written by the reconciler only (see TaskLoadBalancing). */
  loadBalancing?: TaskLoadBalancing;
  /**
   * When the scheduler first found the task neither listed nor described by ECS (ISO). Missing again at
   * the next run, it is recorded STOPPED; any newer word on the task clears it.
   */
  missingFromEcsAt?: string;
  eventVersion: number;
  updatedAt: string;
}

/**
 * The idempotency record of one deploy request (an ECR event or an explicit message) for one service.
 * The first worker creates it PENDING with a lease; a duplicate finds it and does nothing more, or,
 * when the lease lapsed (a crashed worker), takes it over and finishes with the revision already made.
 */
export interface DeployRequest {
  cluster: string;
  serviceName: string;
  /** `event:<EventBridge id>` or `key:<idempotencyKey>`. */
  requestKey: string;
  status: 'PENDING' | 'DONE';
  owner: string;
  /** Epoch ms after which another worker may take a PENDING request over. */
  leaseUntil: number;
  /** `family:revision` once chosen (a new revision is registered at most once per request). */
  taskDefinition?: string;
  deploymentId: string;
  createdAt: string;
  /**
   * Epoch seconds: DynamoDB's TTL removes the record after SQS could no longer redeliver. Every write
   * sets it; the store does not return it on reads.
   */
  expiresAt: number;
}

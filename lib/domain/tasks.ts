/** Tugboat's task inventory: one record per ECS task, with the reconciler's load-balancing bookkeeping. */

/** ECS's RunTask launches 1 to 10 tasks per call: the planner splits launches by it, the gateway checks it. */
export const MAX_TASKS_PER_RUN_TASK = 10;

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

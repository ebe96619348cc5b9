/**
 * Inputs and outputs of the reconciler's pure core, plan().
 *
 * plan() never performs I/O and never reads the clock: `now` is an input. Its result says what to do
 * (actions, each with a human-readable reason so a dry-run can show it) and what the service's
 * deployments look like afterwards (the executor persists `deployments`, `serviceStatus`,
 * `taskDefinition` and the counts with a conditional write, then applies the actions).
 *
 * State changes of deployments (FAILED, COMPLETED, INACTIVE, a rollback PRIMARY) are carried by
 * `PlanResult.deployments`; the `fail-deployment` and `rollback` actions restate them with a reason so
 * that a dry-run can show them. They need no ECS call: an executor applies them by persisting
 * `deployments`. `hold` actions explain why nothing is launched; an executor ignores them.
 */
import type {
  CapacityProviderName,
  CapacityProviderStrategyItem,
  Deployment,
  GroupFigures,
  HookResult,
  Service,
  ServiceStatus,
  TaskTarget,
} from '../../domain';

export type TaskLastStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';

export type TaskDesiredStatus = 'RUNNING' | 'STOPPED';
export type TaskHealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

/** ECS stop codes (TaskStopCode). */
export type TaskStopCode =
  | 'TaskFailedToStart'
  | 'EssentialContainerExited'
  | 'UserInitiated'
  | 'ServiceSchedulerInitiated'
  | 'SpotInterruption'
  | 'TerminationNotice'
  /** Tugboat's own: ECS no longer knew the task at two scheduler runs in a row; why it stopped is unknown. */
  | 'TaskNotFound';

/** A task as ECS (or the inventory) reports it, already attributed to a deployment via startedBy. */
export interface ObservedTask {
  taskArn: string;
  /** From parseStartedBy(); an id that is not one of the service's deployments makes the task an orphan. */
  deploymentId: string;
  lastStatus: TaskLastStatus;
  desiredStatus: TaskDesiredStatus;
  healthStatus: TaskHealthStatus;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms: when the task reached RUNNING. */
  startedAt?: number;
  /** Epoch ms: when ECS began to stop the task (its container exited, or StopTask was called). */
  stoppingAt?: number;
  /** Epoch ms. */
  stoppedAt?: number;
  stopCode?: TaskStopCode;
  /** ECS stoppedReason; the reason Tugboat gave StopTask when Tugboat stopped it. */
  stoppedReason?: string;
  /** Absent means a FARGATE launch type task. */
  capacityProvider?: CapacityProviderName;
  /**
   * Epoch ms when the task was first seen HEALTHY, if the inventory recorded it. ECS does not keep the
   * health of a stopped task, so without it a stopped task with a health check counts as having been
   * healthy only if its last reported healthStatus was HEALTHY.
   */
  healthyAt?: number;
  /** From the task's ENI attachment: the `ip` target id. */
  privateIpv4Address?: string;
  /** Load balancing as the inventory and the target groups show it (see targets.ts). */
  targets?: ObservedTaskTargets;
}

/** Target health states (ELBv2 TargetHealthStateEnum). */
export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

/** One registered target of a target group, as DescribeTargetHealth reports it. */
export interface ObservedTarget {
  id: string;
  port: number;
  state: TargetState;
  /** TargetHealth Reason (e.g. `Target.ResponseCodeMismatch`) and Description, when ELB gives them. */
  reason?: string;
  description?: string;
}

export interface ObservedTaskTargets {
  /** What Tugboat recorded registering (TaskLoadBalancing.targets). */
  registered: TaskTarget[];
  /** Epoch ms when every target was first seen healthy. */
  healthyAt?: number;
  /** Set once Tugboat deregistered the task to stop it: StopTask is due at stopDueAt (epoch ms). */
  drain?: { deregisteredAt: number; stopDueAt: number; cause: StopCause; reason: string };
  /** Derived by the plan (observeTargets): every expected target is `healthy`. */
  allHealthy?: boolean;
  /** Derived by the plan: a target is `unhealthy` and the grace period since RUNNING is over. */
  unhealthyAfterGrace?: boolean;
}

export interface TaskDefinitionFacts {
  /** An essential container of this revision has a healthCheck. */
  hasHealthCheck: boolean;
}

export interface PlanOptions {
  /** First crash-loop back-off wait (default 10 s); it doubles with each further failed launch. */
  backoffBaseMs?: number;
  /** Longest crash-loop back-off wait (default 15 minutes, as ECS). */
  backoffMaxMs?: number;
  /** A task healthy this long forgives the failures before it (default 10 minutes, as Kubernetes). */
  backoffResetMs?: number;
  /** The installation whose startedBy the plan's launches carry (default `local`). */
  installation?: string;
}

/** A target group's HealthCheckIntervalSeconds and HealthyThresholdCount. */
export interface TargetGroupHealthCheck {
  intervalSeconds: number;
  healthyThreshold: number;
}

/** What the target groups of a load-balanced service look like this pass. */
export interface LoadBalancingInput {
  /** Registered targets per target group ARN, from one DescribeTargetHealth each; a missing group was not read. */
  targetHealth: Record<string, ObservedTarget[]>;
  /** `deregistration_delay.timeout_seconds` per target group ARN (absent: the reference's 300). */
  deregistrationDelaySeconds: Record<string, number>;
  /**
   * Health check timing per target group ARN, read for the groups with a target still `initial`: how soon
   * such a target can be healthy (first-checks.ts). Absent: not known, and the pass looks again soon.
   */
  healthChecks?: Record<string, TargetGroupHealthCheck>;
  /**
   * Target groups ELB answered TargetGroupNotFound for (deleted under the service): nothing is registered
   * with them, and they hold no drain, since no target of theirs can take traffic.
   */
  notFound?: string[];
}

/** CloudWatch alarm states (StateValue). */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** What the listener rules and alarms of a service with a traffic shift look like this pass. */
export interface TrafficInput {
  /**
   * The forward weights of each production and test listener rule (or listener: its default action)
   * read this pass: target group ARN -> weight. A rule missing here was not read: nothing is set on it.
   */
  rules: Record<string, Record<string, number>>;
  /** The alarms a shifting deployment names, as DescribeAlarms reports them; a missing one was not read. */
  alarms?: Record<string, { state: AlarmState; reason?: string }>;
  /** The load balancer's figures of the last whole analysis interval of a shifting deployment with analysis. */
  analysis?: { start: string; end: string; canary: GroupFigures; baseline?: GroupFigures };
}

export interface PlanInput {
  service: Service;
  /** Services with advancedConfiguration: their listener rules' weights and deployment alarms. */
  traffic?: TrafficInput;
  /** The answer of the PRIMARY's lifecycle hook the pass called before planning (none in a dry run). */
  hookResult?: HookResult;
  /** Load-balanced services (and tasks still registered somewhere): target health and delays. */
  loadBalancing?: LoadBalancingInput;
  /** Every task attributed to the service, including STOPPED ones the inventory still remembers. */
  observedTasks: ObservedTask[];
  /** Keyed by `family:revision`; a revision missing here is taken to have no health check. */
  taskDefinitions: Record<string, TaskDefinitionFacts>;
  /** Epoch ms. */
  now: number;
  options?: PlanOptions;
}

/** One RunTask call: at most 10 tasks, one placement, one idempotency token. */
export interface RunTaskCall {
  count: number;
  /** Set when the service has no capacity provider strategy. */
  launchType?: 'FARGATE';
  /** A single-provider strategy: Tugboat splits by base and weight itself, across calls. */
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  /** Deterministic per (service, deployment, launch slot, attempt): a retried pass reuses it. */
  clientToken: string;
}

export interface LaunchAction {
  type: 'launch';
  deploymentId: string;
  /** `family:revision` */
  taskDefinition: string;
  count: number;
  startedBy: string;
  group: string;
  runTaskCalls: RunTaskCall[];
  reason: string;
}

export type StopCause = 'unhealthy' | 'replaced' | 'scale-in' | 'orphan' | 'draining';

export interface StopAction {
  type: 'stop';
  taskArn: string;
  deploymentId: string;
  cause: StopCause;
  /** Short enough for StopTask's reason (255 chars); unhealthy stops start with UNHEALTHY_STOP_REASON. */
  reason: string;
}

/** The deployment turned FAILED (see PlanResult.deployments): it launches nothing more. */
export interface FailDeploymentAction {
  type: 'fail-deployment';
  deploymentId: string;
  reason: string;
}

/** A new PRIMARY deployment (in PlanResult.deployments) goes back to a COMPLETED deployment's revision. */
export interface RollbackAction {
  type: 'rollback';
  failedDeploymentId: string;
  newDeploymentId: string;
  /** The COMPLETED deployment whose task definition is restored. */
  targetDeploymentId: string;
  taskDefinition: string;
  reason: string;
}

/** Nothing is launched for this deployment this pass, and why (blocked, backing off, failed, draining). */
export interface HoldAction {
  type: 'hold';
  /** Absent when the hold concerns the whole service (draining). */
  deploymentId?: string;
  /** Epoch ms when the hold ends by itself (back-off); absent when something else must change. */
  until?: number;
  reason: string;
}

export interface TargetRef {
  targetGroupArn: string;
  /** The task's private IPv4 address. */
  id: string;
  port: number;
}

/** RegisterTargets for a task that reached RUNNING; the executor batches them per target group. */
export interface RegisterTargetsAction {
  type: 'register-targets';
  taskArn: string;
  targets: TargetRef[];
  reason: string;
}

/**
 * DeregisterTargets. With `drain`, the first half of stopping a task that has targets: the executor
 * records deregisteredAt and stopDueAt on the task, and a later pass stops it when due. Without a
 * taskArn: strays (targets of no live task of the service).
 */
export interface DeregisterTargetsAction {
  type: 'deregister-targets';
  taskArn?: string;
  targets: TargetRef[];
  /** stopDueAt is planned from the pass's `now`; the executor counts delaySeconds from its own call. */
  drain?: { stopDueAt: number; delaySeconds: number; cause: StopCause; reason: string };
  reason: string;
}

/** Bookkeeping: every target of the task is healthy for the first time (it has been healthy). */
export interface MarkTargetsHealthyAction {
  type: 'mark-targets-healthy';
  taskArn: string;
  reason: string;
}

export type TargetAction = RegisterTargetsAction | DeregisterTargetsAction | MarkTargetsHealthyAction;

/**
 * Sets the forward weights of a listener rule (ModifyRule) or, for a listener ARN, of its default action
 * (ModifyListener): each target group and its weight (0..999).
 */
export interface SetTrafficAction {
  type: 'set-traffic';
  listenerRule: string;
  weights: Array<{ targetGroupArn: string; weight: number }>;
  reason: string;
}

export type Action =
  | LaunchAction
  | StopAction
  | FailDeploymentAction
  | RollbackAction
  | HoldAction
  | TargetAction
  | SetTrafficAction;

export interface PlanResult {
  /** Stops come before launches: a launch may use room that a stop in the same pass frees. */
  actions: Action[];
  /** The next state of every deployment, newest first; a rollback PRIMARY is included. */
  deployments: Deployment[];
  serviceStatus: ServiceStatus;
  /** The service's target `family:revision` (changes on rollback). */
  taskDefinition: string;
  /** Set when the serving groups change this pass (a shift's CLEAN_UP, a rollback of one): Service.servingTargetGroups. */
  servingTargetGroups?: Record<string, string>;
  /** ECS's runningCount: tasks whose last status is RUNNING, including those being stopped or drained. */
  runningCount: number;
  /** ECS's pendingCount: tasks PROVISIONING/PENDING/ACTIVATING, and the tasks this plan launches. */
  pendingCount: number;
  /**
   * Service event messages to record. Messages are stable for an unchanged situation (no timestamps
   * other than a back-off deadline), so the caller may drop one equal to the newest stored event.
   */
  events: string[];
  /**
   * Epoch ms: no PRIMARY task that is not healthy yet can be before then, since each awaits its first
   * target health checks (first-checks.ts). Absent when some such task could be sooner, or there is none.
   */
  healthyNoSoonerThan?: number;
  /**
   * A listener rule is kept off its serving group until the load balancer calls targets there healthy
   * (a rollback's tasks coming up): the next pass is due at the load balancer's pace (wake.ts).
   */
  trafficAwaitsHealth?: true;
}

/** StopTask reason prefix for tasks stopped for failing health checks; a failed launch is recognised by it. */
export const UNHEALTHY_STOP_REASON = 'Task failed container health checks';
/** ECS's stoppedReason prefix for a task stopped for failing its target group's health check. */
export const ELB_UNHEALTHY_STOP_REASON = 'Task failed ELB health checks in';

export const DEFAULT_MIN_READY_SECONDS = 40;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_BACKOFF_BASE_MS = 10_000;
export const DEFAULT_BACKOFF_MAX_MS = 15 * 60_000;
export const DEFAULT_BACKOFF_RESET_MS = 10 * 60_000;

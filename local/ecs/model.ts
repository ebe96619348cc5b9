/**
 * The endpoint's state as plain data, and the pure functions that move a task through ECS's lifecycle.
 * Times are epoch milliseconds. Every future change of a task is written into its `plan` when it is
 * launched or stopped, so its state at any instant follows from the clock alone.
 */

export interface Tag {
  key: string;
  value: string;
}

export type TaskStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';

export type StopCode =
  | 'UserInitiated'
  | 'EssentialContainerExited'
  | 'TaskFailedToStart'
  | 'SpotInterruption';

/** What the simulated containers do, chosen by image tag (see docs/local-ecs.md). */
export type Behaviour = 'runs' | 'crash' | 'exit' | 'pullfail' | 'unhealthy';

export type PlanStep =
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'HEALTH'
  | 'CRASH'
  | 'PULL_FAIL'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED'
  | 'REMOVE';

export interface PlannedChange {
  at: number;
  step: PlanStep;
}

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export interface ContainerState {
  name: string;
  image: string;
  essential: boolean;
  containerArn: string;
  cpu?: number;
  memory?: number;
  hasHealthCheck: boolean;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  exitCode?: number;
  reason?: string;
}

export interface TaskState {
  /** Launch order across the endpoint; ListTasks pages in this order. */
  seq: number;
  taskArn: string;
  taskId: string;
  clusterName: string;
  clusterArn: string;
  taskDefinitionArn: string;
  family: string;
  startedBy?: string;
  group?: string;
  tags: Tag[];
  launchType: 'FARGATE';
  capacityProviderName?: string;
  cpu: string;
  memory: string;
  availabilityZone: string;
  subnetId: string;
  privateIpv4Address: string;
  attachmentId: string;
  platformVersion: string;
  overrides: Record<string, unknown>;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  createdAt: number;
  connectivityAt?: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  stopCode?: StopCode;
  stoppedReason?: string;
  containers: ContainerState[];
  behaviour: Behaviour;
  healthStartPeriodMs: number;
  /** An essential container has a healthCheck, so the task gets a health transition after startPeriod. */
  hasHealthCheck: boolean;
  /** Task-level health as DescribeTasks reports it; containers with a healthCheck report the same. */
  healthStatus: HealthStatus;
  /** detail.version of the last state change event; bumped by every change. */
  version: number;
  plan: PlannedChange[];
  /** Bumped whenever the plan is replaced, so stale schedule entries can be told apart. */
  planGeneration: number;
}

export interface LifecycleTiming {
  startMs: number;
  stopMs: number;
  crashAfterMs: number;
  stoppedRetentionMs: number;
}

/** The image tag is the text after the last ':' unless that text is part of a registry host:port path. */
export const imageTag = (image: string): string => {
  const withoutDigest = image.split('@')[0] ?? image;
  const colon = withoutDigest.lastIndexOf(':');
  if (colon < 0) return '';
  const tag = withoutDigest.slice(colon + 1);
  return tag.includes('/') ? '' : tag;
};

/** `exit<N>`: a one-off job that finishes with code N a few seconds after RUNNING. */
const EXIT_TAG = /^exit(\d{1,3})$/;
/** How long an `exit<N>` container runs: a few seconds, longer than a crash, so RUNNING is seen. */
const exitAfterMs = (timing: LifecycleTiming) => timing.crashAfterMs * 3;

/** The exit code of a task's essential container when it crashes or finishes (`exit<N>` says N, else 1). */
export const exitCodeOf = (containers: { image: string; essential: boolean }[]): number => {
  const tag = containers
    .filter((container) => container.essential)
    .map((container) => EXIT_TAG.exec(imageTag(container.image)))
    .find(Boolean);
  return tag ? Number(tag[1]) % 256 : 1;
};

export const behaviourOf = (containers: { image: string; essential: boolean }[]): Behaviour => {
  const tags = containers.map((container) => ({
    tag: imageTag(container.image),
    essential: container.essential,
  }));
  if (tags.some(({ tag }) => tag.includes('pullfail'))) return 'pullfail';
  if (tags.some(({ tag, essential }) => essential && tag.includes('crash'))) return 'crash';
  if (tags.some(({ tag, essential }) => essential && EXIT_TAG.test(tag))) return 'exit';
  if (tags.some(({ tag, essential }) => essential && tag.includes('unhealthy'))) return 'unhealthy';
  return 'runs';
};

/** A `crash-<n>ms` tag (e.g. `web:crash-2500ms`): its essential container exits n ms after RUNNING. */
export const crashAfterMsOf = (containers: { image: string; essential: boolean }[]): number | undefined => {
  for (const container of containers) {
    if (!container.essential) continue;
    const match = /crash-(\d+)ms/.exec(imageTag(container.image));
    if (match) return Number(match[1]);
  }
  return undefined;
};

/**
 * The start plan: PROVISIONING now, then PENDING (image pull), ACTIVATING, RUNNING at createdAt + startMs, and
 * with a health check the health verdict at RUNNING + startPeriod. Changes are in timestamp order; at equal
 * times the order below holds (RUNNING before HEALTH, HEALTH before CRASH).
 */
export const planLaunch = (
  createdAt: number,
  behaviour: Behaviour,
  startMs: number,
  timing: LifecycleTiming,
  health: { hasHealthCheck: boolean; startPeriodMs: number },
  /** The image's own crash time (a `crash-<n>ms` tag), else the endpoint's crashAfterMs. */
  crashAfterMs = timing.crashAfterMs,
): PlannedChange[] => {
  const pendingAt = createdAt + Math.round(startMs * 0.25);
  const pulledAt = createdAt + Math.round(startMs * 0.75);
  if (behaviour === 'pullfail') {
    return [
      { at: pendingAt, step: 'PENDING' },
      { at: pulledAt, step: 'PULL_FAIL' },
    ];
  }
  const runningAt = createdAt + startMs;
  const plan: PlannedChange[] = [
    { at: pendingAt, step: 'PENDING' },
    { at: pulledAt, step: 'ACTIVATING' },
    { at: runningAt, step: 'RUNNING' },
  ];
  if (health.hasHealthCheck) plan.push({ at: runningAt + health.startPeriodMs, step: 'HEALTH' });
  if (behaviour === 'crash') plan.push({ at: runningAt + crashAfterMs, step: 'CRASH' });
  if (behaviour === 'exit') plan.push({ at: runningAt + exitAfterMs(timing), step: 'CRASH' });
  // Array.prototype.sort is stable, so ties keep the order they were pushed in.
  return plan.sort((a, b) => a.at - b.at);
};

/** The verdict of a health check once startPeriod is over: only `unhealthy` images fail it. */
export const healthVerdict = (behaviour: Behaviour): HealthStatus =>
  behaviour === 'unhealthy' ? 'UNHEALTHY' : 'HEALTHY';

const hasStarted = (task: TaskState) => task.lastStatus === 'ACTIVATING' || task.lastStatus === 'RUNNING';

/**
 * Begins stopping a task at `at`. A task that got as far as ACTIVATING goes DEACTIVATING -> STOPPING ->
 * DEPROVISIONING -> STOPPED; one that never started goes STOPPING -> DEPROVISIONING -> STOPPED. A task already
 * on its way down is returned unchanged (ECS keeps the first stop reason).
 */
export const beginStop = (
  task: TaskState,
  at: number,
  stop: { stopCode: StopCode; reason: string; exitCode?: number; containerReason?: string },
  stopMs: number,
  timing: LifecycleTiming,
): TaskState => {
  if (task.desiredStatus === 'STOPPED') return task;
  const started = hasStarted(task);
  const containersExitAt = stop.stopCode === 'EssentialContainerExited' ? at : undefined;
  const plan: PlannedChange[] = started
    ? [
        { at: at + Math.round(stopMs / 3), step: 'STOPPING' },
        { at: at + Math.round((stopMs * 2) / 3), step: 'DEPROVISIONING' },
        { at: at + stopMs, step: 'STOPPED' },
      ]
    : [
        { at: at + Math.round(stopMs / 2), step: 'DEPROVISIONING' },
        { at: at + stopMs, step: 'STOPPED' },
      ];
  plan.push({ at: at + stopMs + timing.stoppedRetentionMs, step: 'REMOVE' });
  return {
    ...task,
    lastStatus: started ? 'DEACTIVATING' : 'STOPPING',
    desiredStatus: 'STOPPED',
    stoppingAt: at,
    stopCode: stop.stopCode,
    stoppedReason: stop.reason,
    executionStoppedAt: containersExitAt ?? (started ? task.executionStoppedAt : at),
    // Health checks end with the stop; ECS then has no health status for the containers.
    healthStatus: 'UNKNOWN',
    containers: task.containers.map((container) => {
      if (stop.stopCode === 'EssentialContainerExited' && container.essential) {
        return { ...container, lastStatus: 'STOPPED', exitCode: stop.exitCode ?? 1 };
      }
      if (!started) {
        return stop.containerReason
          ? { ...container, lastStatus: 'STOPPED', reason: stop.containerReason }
          : { ...container, lastStatus: 'STOPPED' };
      }
      return container;
    }),
    version: task.version + 1,
    plan,
    planGeneration: task.planGeneration + 1,
  };
};

export const pullFailureReason = (image: string) =>
  `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found`;

/**
 * Applies the task's next planned change. Returns the new task and whether it is a state change that ECS
 * reports as an event (REMOVE is not one: the task simply stops being visible).
 */
export const applyPlannedChange = (
  task: TaskState,
  change: PlannedChange,
  stopMs: number,
  timing: LifecycleTiming,
): { task: TaskState; emits: boolean } => {
  const rest = task.plan.slice(1);
  const at = change.at;
  const advance = (patch: Partial<TaskState>): TaskState => ({
    ...task,
    ...patch,
    plan: rest,
    version: task.version + 1,
  });
  switch (change.step) {
    case 'PENDING':
      return { task: advance({ lastStatus: 'PENDING', connectivityAt: at, pullStartedAt: at }), emits: true };
    case 'ACTIVATING':
      return { task: advance({ lastStatus: 'ACTIVATING', pullStoppedAt: at }), emits: true };
    case 'RUNNING':
      return {
        task: advance({
          lastStatus: 'RUNNING',
          startedAt: at,
          containers: task.containers.map((container) => ({ ...container, lastStatus: 'RUNNING' })),
        }),
        emits: true,
      };
    case 'HEALTH':
      return { task: advance({ healthStatus: healthVerdict(task.behaviour) }), emits: true };
    case 'CRASH':
      return {
        task: beginStop(
          task,
          at,
          {
            stopCode: 'EssentialContainerExited',
            reason: 'Essential container in task exited',
            exitCode: exitCodeOf(task.containers),
          },
          stopMs,
          timing,
        ),
        emits: true,
      };
    case 'PULL_FAIL': {
      const failing = task.containers.find((container) => imageTag(container.image).includes('pullfail'));
      const reason = pullFailureReason(failing?.image ?? task.containers[0]?.image ?? '');
      const stopped = beginStop(
        { ...task, pullStoppedAt: at },
        at,
        { stopCode: 'TaskFailedToStart', reason, containerReason: reason },
        stopMs,
        timing,
      );
      return { task: stopped, emits: true };
    }
    case 'STOPPING':
      return { task: advance({ lastStatus: 'STOPPING' }), emits: true };
    case 'DEPROVISIONING': {
      return {
        task: advance({
          lastStatus: 'DEPROVISIONING',
          executionStoppedAt: task.executionStoppedAt ?? at,
          // Containers that were still running get SIGTERM and exit cleanly.
          containers: task.containers.map((container) =>
            container.lastStatus === 'RUNNING'
              ? { ...container, lastStatus: 'STOPPED', exitCode: 0 }
              : container,
          ),
        }),
        emits: true,
      };
    }
    case 'STOPPED':
      return { task: advance({ lastStatus: 'STOPPED', stoppedAt: at }), emits: true };
    case 'REMOVE':
      return { task: { ...task, plan: rest }, emits: false };
  }
};

/**
 * What the fuzzer knows of the run, independently of Tugboat: every task as the local ECS endpoint's
 * state change events describe it (its service, deployment, state and stop), every launch and every
 * failure with its instant, and every DeregisterTargets call Tugboat made. The invariants read this.
 */
import { parseStartedBy, serviceNameOfGroup } from '../../lib/inventory/naming';
import { ELB_UNHEALTHY_STOP_REASON, UNHEALTHY_STOP_REASON } from '../../lib/reconcile/plan/types';
import type { TaskStateChangeEvent } from '../../local/ecs';

/** The reason the fuzzer gives StopTask when it stops a task behind Tugboat's back. */
export const STOPPED_BEHIND_REASON = 'fuzz: stopped behind Tugboat';

export interface TaskView {
  taskArn: string;
  service: string | undefined;
  deploymentId: string | undefined;
  capacityProvider: string | undefined;
  privateIp: string | undefined;
  lastStatus: string;
  desiredStatus: string;
  stopCode?: string;
  stoppedReason?: string;
  createdAt: number;
  startedAt?: number;
  /** When it left RUNNING (its stop began). */
  stoppingAt?: number;
}

/** Tugboat's own rule for a failed task (docs/failure-handling.md): it failed to start, its essential container exited, or it failed its container or target group health checks. */
export const failedOnItsOwn = (task: TaskView): boolean =>
  task.desiredStatus === 'STOPPED' &&
  (task.stopCode === 'EssentialContainerExited' ||
    task.stopCode === 'TaskFailedToStart' ||
    (task.stoppedReason ?? '').startsWith(UNHEALTHY_STOP_REASON) ||
    // A task failing its target group's health check, in ECS's words.
    (task.stoppedReason ?? '').startsWith(ELB_UNHEALTHY_STOP_REASON));

/** Gone without Tugboat deciding it: failed, interrupted by Spot, or stopped by the operator behind its back. */
export const diedOnItsOwn = (task: TaskView): boolean =>
  failedOnItsOwn(task) ||
  (task.desiredStatus === 'STOPPED' &&
    (task.stopCode === 'SpotInterruption' || task.stoppedReason === STOPPED_BEHIND_REASON));

export interface RunTaskCall {
  at: number;
  /** A replay (the gateway's retry, a killed pass made again) carries the first call's token. */
  clientToken: string | undefined;
  count: number;
  /** The call's one capacity provider (FARGATE launch type: undefined). */
  capacityProvider: string | undefined;
  /** Tasks ECS started; undefined when the call failed as a whole (an injected fault). */
  launched: number | undefined;
  /** Tasks refused for Spot capacity (RunTask failures, or the whole call). */
  capacityRefused: number;
}

export const isLive = (task: TaskView) => task.desiredStatus === 'RUNNING' && task.lastStatus !== 'STOPPED';
export const isRunning = (task: TaskView) =>
  task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING';

const epoch = (value: unknown): number | undefined =>
  typeof value === 'string' ? Date.parse(value) : undefined;

export class Ledger {
  readonly tasks = new Map<string, TaskView>();
  /** Per service: launch instants, with the deployment launched for. */
  readonly launches = new Map<string, { at: number; deploymentId: string | undefined; taskArn: string }[]>();
  /** Per service: instants at which a task died on its own (failed, interrupted, stopped behind its back). */
  readonly deaths = new Map<string, { at: number; task: TaskView }[]>();
  /** Every target Tugboat deregistered: the group, the target's address and when. */
  readonly deregistrations: { targetGroupArn: string; id: string; at: number }[] = [];
  /** Per service: every RunTask call Tugboat made (a retry of the gateway is a call too) and what it came to. */
  readonly runTasks = new Map<string, RunTaskCall[]>();

  /** Records a RunTask call (its group names the service). */
  observeRunTask(call: RunTaskCall & { group: string | undefined }): void {
    const service = serviceNameOfGroup(call.group);
    if (!service) return;
    const { group: _group, ...rest } = call;
    this.push(this.runTasks, service, rest);
  }

  observe(event: TaskStateChangeEvent): void {
    const detail = event.detail as TaskStateChangeEvent['detail'] & Record<string, unknown>;
    const at = Date.parse(event.time);
    const previous = this.tasks.get(detail.taskArn);
    const attachments = (detail.attachments ?? []) as { details?: { name: string; value: string }[] }[];
    const privateIp = attachments
      .flatMap((attachment) => attachment.details ?? [])
      .find((d) => d.name === 'privateIPv4Address')?.value;
    const view: TaskView = {
      taskArn: detail.taskArn,
      service: serviceNameOfGroup(detail.group as string | undefined),
      deploymentId: parseStartedBy(detail.startedBy as string | undefined)?.deploymentId,
      capacityProvider: detail.capacityProviderName as string | undefined,
      privateIp,
      lastStatus: detail.lastStatus,
      desiredStatus: String(detail.desiredStatus),
      ...(detail.stopCode ? { stopCode: String(detail.stopCode) } : {}),
      ...(detail.stoppedReason ? { stoppedReason: String(detail.stoppedReason) } : {}),
      createdAt: epoch(detail.createdAt) ?? at,
      ...(epoch(detail.startedAt) === undefined ? {} : { startedAt: epoch(detail.startedAt) }),
      ...(previous?.stoppingAt !== undefined
        ? { stoppingAt: previous.stoppingAt }
        : detail.desiredStatus === 'STOPPED'
          ? { stoppingAt: epoch(detail.stoppingAt) ?? at }
          : {}),
    };
    this.tasks.set(view.taskArn, view);
    if (!view.service) return;
    if (!previous)
      this.push(this.launches, view.service, {
        at: view.createdAt,
        deploymentId: view.deploymentId,
        taskArn: view.taskArn,
      });
    if (previous?.desiredStatus !== 'STOPPED' && diedOnItsOwn(view))
      this.push(this.deaths, view.service, { at: view.stoppingAt ?? at, task: view });
  }

  private push<T>(map: Map<string, T[]>, key: string, value: T): void {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }

  tasksOf(service: string): TaskView[] {
    return [...this.tasks.values()].filter((task) => task.service === service);
  }

  running(service: string): number {
    return this.tasksOf(service).filter(isRunning).length;
  }

  /**
   * RUNNING tasks Tugboat has not begun to drain: a task whose target it deregistered is on its way out
   * (its StopTask follows the deregistration delay), whatever happens meanwhile.
   */
  runningNotDraining(service: string): number {
    if (this.drainedIpsCounted !== this.deregistrations.length) {
      for (const call of this.deregistrations.slice(this.drainedIpsCounted)) this.drainedIps.add(call.id);
      this.drainedIpsCounted = this.deregistrations.length;
    }
    return this.tasksOf(service).filter(
      (task) => isRunning(task) && (task.privateIp === undefined || !this.drainedIps.has(task.privateIp)),
    ).length;
  }

  private readonly drainedIps = new Set<string>();
  private drainedIpsCounted = 0;

  live(service: string): TaskView[] {
    return this.tasksOf(service).filter(isLive);
  }

  taskByIp(ip: string): TaskView | undefined {
    let found: TaskView | undefined;
    for (const task of this.tasks.values()) if (task.privateIp === ip) found = task;
    return found;
  }
}

/**
 * A small simulation for plan(): a fake ECS that applies plan()'s actions to a task list and moves
 * tasks through their lifecycle, one step at a time, while a fake executor persists the plan's
 * deployments. Every step checks the rollout invariants with its own (independent) reading of
 * health: running + pending tasks stay within the maximumPercent cap, and the healthy count and the
 * count of RUNNING tasks (those a health check reports UNHEALTHY aside) stay at or above the
 * minimumHealthyPercent floor whenever they were there before the step.
 */
import { expect } from 'vitest';
import type { Deployment, Service } from '../../../lib/domain';
import { CAPACITY_UNAVAILABLE_REASON } from '../../../lib/ecs/errors';
import { parseStartedBy } from '../../../lib/inventory/naming';
import { plan } from '../../../lib/reconcile/plan/plan';
import {
  launchFailuresOutcome,
  withRefusal,
  withSpotCapacityFailure,
} from '../../../lib/reconcile/plan/refusals';
import type {
  Action,
  ObservedTask,
  PlanOptions,
  PlanResult,
  RunTaskCall,
} from '../../../lib/reconcile/plan/types';
import { deployment, T0 } from '../../support/plan';

/** How tasks of a revision behave once launched. */
export type Behaviour =
  | 'healthy'
  /** Reaches RUNNING, then its essential container exits after `crashAfterMs`. */
  | 'crash'
  /** Reaches RUNNING and its health check reports UNHEALTHY (needs a health check). */
  | 'unhealthy'
  /** Never reaches RUNNING. */
  | 'failToStart';

export interface Revision {
  hasHealthCheck: boolean;
  behaviour: Behaviour;
  crashAfterMs?: number;
  /** How long ECS takes from a crash (stoppingAt) to STOPPED; the task is DEACTIVATING meanwhile. */
  stopMs?: number;
}

interface SimTask extends ObservedTask {
  taskDefinition: string;
  /** A crashed task on its way down reaches STOPPED at this instant. */
  downAt?: number;
}

// The simulation's own reading of the rules, kept apart from lib/reconcile/plan/tasks.ts on purpose.
const counted = (t: ObservedTask) =>
  t.desiredStatus === 'RUNNING' &&
  ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'].includes(t.lastStatus);

export class Simulation {
  service: Service;
  tasks: SimTask[] = [];
  now: number;
  readonly events: string[] = [];
  readonly results: PlanResult[] = [];
  /** Whether FARGATE_SPOT has capacity: while not, ECS refuses every Spot launch with its reason. */
  spotCapacity = true;
  /** Spot launches refused in this step, recorded as the executor records them (refusals.ts). */
  private refusedSpot: { deploymentId: string; call: RunTaskCall }[] = [];
  private nextTask = 1;
  private nextDeployment = 2;

  constructor(
    initial: Service,
    readonly revisions: Record<string, Revision>,
    readonly stepMs = 10_000,
    readonly options: PlanOptions = {},
    now = T0,
  ) {
    this.service = structuredClone(initial);
    this.now = now;
  }

  healthyCount(): number {
    const minReadyMs = (this.service.deploymentConfiguration.minReadySeconds ?? 40) * 1000;
    return this.tasks.filter((t) => {
      if (!counted(t) || t.lastStatus !== 'RUNNING') return false;
      if (this.revisions[t.taskDefinition]?.hasHealthCheck) return t.healthStatus === 'HEALTHY';
      return this.now - (t.startedAt ?? t.createdAt) >= minReadyMs;
    }).length;
  }

  /** RUNNING, not being stopped, and not reported UNHEALTHY by a health check. */
  runningCount(): number {
    return this.tasks.filter(
      (t) =>
        counted(t) &&
        t.lastStatus === 'RUNNING' &&
        !(this.revisions[t.taskDefinition]?.hasHealthCheck && t.healthStatus === 'UNHEALTHY'),
    ).length;
  }

  liveCount(): number {
    return this.tasks.filter(counted).length;
  }

  liveTasksOf(taskDefinition: string): SimTask[] {
    return this.tasks.filter((t) => counted(t) && t.taskDefinition === taskDefinition);
  }

  primary(): Deployment {
    const found = this.service.deployments.find((d) => d.status === 'PRIMARY');
    if (!found) throw new Error('no PRIMARY deployment');
    return found;
  }

  /** What the API does on UpdateService with a new revision: a new PRIMARY, the old one ACTIVE. */
  deploy(taskDefinition: string): string {
    const id = `dep-${this.nextDeployment++}`;
    for (const d of this.service.deployments) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
    const iso = new Date(this.now).toISOString();
    this.service.deployments.unshift(
      deployment(id, taskDefinition, {
        desiredCount: this.service.desiredCount,
        createdAt: iso,
        updatedAt: iso,
        lastProgressAt: iso,
      }),
    );
    this.service.taskDefinition = taskDefinition;
    return id;
  }

  /** One reconcile pass at `now`, the invariants checked, then the clock and the tasks move on. */
  step(): PlanResult {
    const observed: ObservedTask[] = this.tasks.map(({ taskDefinition: _, downAt: __, ...task }) => ({
      ...task,
    }));
    const result = plan({
      service: structuredClone(this.service),
      observedTasks: observed,
      taskDefinitions: Object.fromEntries(
        Object.entries(this.revisions).map(([td, r]) => [td, { hasHealthCheck: r.hasHealthCheck }]),
      ),
      now: this.now,
      options: this.options,
    });
    this.results.push(result);

    const { desiredCount, deploymentConfiguration: config } = this.service;
    const cap = Math.floor((desiredCount * config.maximumPercent) / 100);
    const floor = Math.ceil((desiredCount * config.minimumHealthyPercent) / 100);
    const liveBefore = this.liveCount();
    const healthyBefore = this.healthyCount();
    const runningBefore = this.runningCount();

    this.apply(result.actions);

    if (this.service.status === 'ACTIVE') {
      const launched = result.actions.some((a) => a.type === 'launch');
      if (liveBefore <= cap || launched) {
        expect(this.liveCount(), `running + pending at ${this.now - T0} ms`).toBeLessThanOrEqual(cap);
      }
      if (healthyBefore >= floor) {
        expect(this.healthyCount(), `healthy at ${this.now - T0} ms`).toBeGreaterThanOrEqual(floor);
      }
      if (runningBefore >= floor) {
        expect(this.runningCount(), `RUNNING at ${this.now - T0} ms`).toBeGreaterThanOrEqual(floor);
      }
    }

    this.service.deployments = result.deployments;
    this.recordSpotRefusals();
    this.service.status = result.serviceStatus;
    this.service.taskDefinition = result.taskDefinition;
    this.service.runningCount = result.runningCount;
    this.service.pendingCount = result.pendingCount;
    this.events.push(...result.events);

    this.now += this.stepMs;
    this.advance();
    return result;
  }

  /** Steps until `done` holds after a step; fails after `maxSteps`. */
  runUntil(done: (sim: Simulation) => boolean, maxSteps = 200): number {
    for (let i = 1; i <= maxSteps; i++) {
      this.step();
      if (done(this)) return i;
    }
    throw new Error(`not done after ${maxSteps} steps; events: ${this.events.join(' | ')}`);
  }

  /** ECS interrupts every live FARGATE_SPOT task (stopCode SpotInterruption). */
  interruptSpot(): void {
    for (const task of this.tasks) {
      if (!counted(task) || task.capacityProvider !== 'FARGATE_SPOT') continue;
      Object.assign(task, {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedAt: this.now,
        stopCode: 'SpotInterruption',
        stoppedReason: 'Your Spot Task was interrupted.',
        healthStatus: 'UNKNOWN',
      });
    }
  }

  /** The executor's bookkeeping of this step's refused Spot launches, as pass-launches.ts does it. */
  private recordSpotRefusals(): void {
    for (const { deploymentId, call } of this.refusedSpot) {
      const failures = Array.from({ length: call.count }, () => ({ reason: CAPACITY_UNAVAILABLE_REASON }));
      const outcome = launchFailuresOutcome(
        this.service.serviceName,
        { deploymentId, ...call },
        { tasks: [], failures },
        this.now,
      );
      if (outcome.refusal) {
        this.service.deployments = withRefusal(this.service.deployments, deploymentId, outcome.refusal);
      }
      if (outcome.spotCapacityFailure) {
        this.service.deployments = withSpotCapacityFailure(
          this.service.deployments,
          deploymentId,
          outcome.spotCapacityFailure,
        );
      }
      this.events.push(...outcome.events);
    }
    this.refusedSpot = [];
  }

  /** Kill a task as if ECS lost it (outside Tugboat's control). */
  kill(taskArn: string): void {
    const task = this.tasks.find((t) => t.taskArn === taskArn);
    if (!task) throw new Error(`no task ${taskArn}`);
    Object.assign(task, {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppedAt: this.now,
      stopCode: 'TaskFailedToStart',
      healthStatus: 'UNKNOWN',
    });
    // A task that ran and was healthy is not a failed launch: the inventory recorded healthyAt.
    if (task.healthyAt === undefined && task.startedAt !== undefined) task.healthyAt = task.startedAt;
  }

  private apply(actions: Action[]): void {
    for (const action of actions) {
      if (action.type === 'stop') {
        const task = this.tasks.find((t) => t.taskArn === action.taskArn);
        expect(task, `stop of unknown task ${action.taskArn}`).toBeDefined();
        if (task && task.lastStatus !== 'STOPPED') {
          task.desiredStatus = 'STOPPED';
          task.stoppedReason = action.reason;
        }
      } else if (action.type === 'launch') {
        const attributed = parseStartedBy(action.startedBy);
        expect(attributed?.deploymentId).toBe(action.deploymentId);
        expect(action.runTaskCalls.reduce((sum, call) => sum + call.count, 0)).toBe(action.count);
        for (const call of action.runTaskCalls) {
          expect(call.count).toBeLessThanOrEqual(10);
          const provider = call.capacityProviderStrategy?.[0]?.capacityProvider;
          if (provider === 'FARGATE_SPOT' && !this.spotCapacity) {
            this.refusedSpot.push({ deploymentId: action.deploymentId, call });
            continue;
          }
          for (let i = 0; i < call.count; i++) {
            this.tasks.push({
              taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/t${String(this.nextTask++).padStart(4, '0')}`,
              deploymentId: attributed?.deploymentId ?? 'unknown',
              taskDefinition: action.taskDefinition,
              lastStatus: 'PROVISIONING',
              desiredStatus: 'RUNNING',
              healthStatus: 'UNKNOWN',
              createdAt: this.now,
              ...(call.capacityProviderStrategy?.[0]
                ? { capacityProvider: call.capacityProviderStrategy[0].capacityProvider }
                : {}),
            });
          }
        }
      }
    }
  }

  private advance(): void {
    for (const task of this.tasks) {
      if (task.lastStatus === 'STOPPED') continue;
      const revision = this.revisions[task.taskDefinition];
      if (task.downAt !== undefined) {
        if (this.now >= task.downAt) Object.assign(task, { lastStatus: 'STOPPED', stoppedAt: this.now });
        continue;
      }
      if (task.desiredStatus === 'STOPPED') {
        Object.assign(task, {
          lastStatus: 'STOPPED',
          stoppedAt: this.now,
          stopCode: 'UserInitiated',
          healthStatus: 'UNKNOWN',
        });
        continue;
      }
      if (task.lastStatus === 'PROVISIONING') {
        if (revision?.behaviour === 'failToStart') {
          Object.assign(task, {
            lastStatus: 'STOPPED',
            desiredStatus: 'STOPPED',
            stoppedAt: this.now,
            stopCode: 'TaskFailedToStart',
          });
        } else {
          task.lastStatus = 'RUNNING';
          task.startedAt = this.now;
        }
        continue;
      }
      if (task.lastStatus === 'RUNNING' && task.startedAt !== undefined) {
        if (revision?.behaviour === 'crash' && this.now - task.startedAt >= (revision.crashAfterMs ?? 0)) {
          const crash = {
            desiredStatus: 'STOPPED',
            stopCode: 'EssentialContainerExited',
            healthStatus: 'UNKNOWN',
          };
          if (revision.stopMs) {
            const down = {
              lastStatus: 'DEACTIVATING',
              stoppingAt: this.now,
              downAt: this.now + revision.stopMs,
            };
            Object.assign(task, crash, down);
          } else {
            Object.assign(task, crash, { lastStatus: 'STOPPED', stoppingAt: this.now, stoppedAt: this.now });
          }
        } else if (revision?.hasHealthCheck) {
          task.healthStatus = revision.behaviour === 'unhealthy' ? 'UNHEALTHY' : 'HEALTHY';
          if (task.healthStatus === 'HEALTHY' && task.healthyAt === undefined) task.healthyAt = this.now;
        }
      }
    }
  }
}

/**
 * The promises the scenario fuzzer checks after every step, each a named function over what the run
 * has seen (the ledger of ECS events) and what Tugboat holds (its services). The rules are the
 * documented ones (docs/failure-handling.md, docs/deployments.md, docs/auto-scaling.md): each check
 * says what it allows and why, and each violation names the service, what was seen and when.
 */
import type { Deployment, Service, ServiceEvent } from '../../lib/domain';
import { circuitBreakerThreshold, crashLoopDelayMs } from '../../lib/reconcile/plan/plan';
import {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_BACKOFF_RESET_MS,
  DEFAULT_PROGRESS_DEADLINE_SECONDS,
} from '../../lib/reconcile/plan/types';
import type { ImageBehaviour, ServiceDraw } from './generators';
import {
  capacityRefusalsNotFailures,
  deployOnFallbackCompletes,
  type EdgeMemory,
  edgeMemory,
  queueWorkersKeepInFlight,
  returnsToSpot,
  spotRefusalsBackOff,
} from './invariants-edges';
import { type RequestHistory, requestScalingNoOvershoot } from './invariants-requests';
import { failedOnItsOwn, isRunning, type Ledger, type TaskView } from './ledger';

export interface Violation {
  invariant: string;
  service: string;
  at: number;
  message: string;
}

/** What the checks remember between steps, per service. */
interface ServiceMemory {
  /** The floor last reached since a task last died on its own; the floor holds from then on. */
  reachedFloor?: number;
  deathsSeen: number;
  /** Desired count and maximumPercent over the last minute: a scale-in takes a pass to act on. */
  caps: { at: number; cap: number }[];
  shortSince?: number;
  outOfRangeSince?: number;
  /** Per deployment: the largest breaker threshold and live cap it had while in progress. */
  deployments: Map<string, { threshold: number; cap: number; desired: number }>;
  /** What the Spot and auto scaling checks remember (invariants-edges.ts). */
  edges: EdgeMemory;
}

export interface CheckInput {
  now: number;
  scheduleMs: number;
  /** How often the checks run, virtual ms. */
  stepMs: number;
  ledger: Ledger;
  /** Tugboat's services (ACTIVE), by name; deleted ones are not checked. */
  services: Map<string, Service>;
  /** Which target group belongs to which service. */
  targetGroupOwners: Map<string, string>;
  /** What each revision's image does (`family:revision` -> behaviour). */
  behaviourOf: (taskDefinition: string) => ImageBehaviour | undefined;
  /** The service's events, newest first. */
  eventsOf: (service: string) => Promise<ServiceEvent[]>;
  /** What each service was drawn with. */
  draws: Map<string, ServiceDraw>;
  /** Whether FARGATE_SPOT has capacity, and since when. */
  spot: { available: boolean; since: number };
  /** A queue worker's backlog now. */
  backlogOf: (service: string) => { visible: number; inFlight: number } | undefined;
  /** A request-scaled service's rates and scale-outs (invariants-requests.ts). */
  requestHistoryOf?: (service: string) => RequestHistory | undefined;
  /** When an operator last set the service's desired count. */
  operatorScaledAt?: (service: string) => number | undefined;
}

/** Slack for a pass that is due: the pipeline acts in the same virtual instant, ECS retries take seconds. */
const PASS_SLACK_MS = 15_000;
const CAP_GRACE_MS = 30_000;

/** Live tasks counted by deployment, state and capacity provider: `3 ecs-svc-1a2b RUNNING FARGATE, ...`. */
const describeLive = (tasks: TaskView[]): string => {
  const counts = new Map<string, number>();
  for (const task of tasks) {
    const key = `${task.deploymentId ?? '?'} ${task.lastStatus} ${task.capacityProvider ?? 'FARGATE'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count} ${key}`).join(', ');
};

const primaryOf = (service: Service): Deployment | undefined =>
  service.deployments.find((deployment) => deployment.status === 'PRIMARY');

export class Invariants {
  private readonly memory = new Map<string, ServiceMemory>();
  private deregistrationsChecked = 0;
  readonly violations: Violation[] = [];
  private readonly reported = new Set<string>();

  private memoryOf(name: string): ServiceMemory {
    let memory = this.memory.get(name);
    if (!memory) {
      memory = { deathsSeen: 0, caps: [], deployments: new Map(), edges: edgeMemory() };
      this.memory.set(name, memory);
    }
    return memory;
  }

  /** One violation per invariant and service: the first one is the finding, the rest its echo. */
  private report(violation: Violation): void {
    const key = `${violation.invariant}/${violation.service}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.violations.push(violation);
  }

  async check(input: CheckInput): Promise<void> {
    for (const [name, service] of input.services) {
      const memory = this.memoryOf(name);
      this.runningFloorHeld(input, name, service, memory);
      this.liveUnderCap(input, name, service, memory);
      this.deploymentEndsByDeadline(input, name, service);
      this.breakerTripsWithinThreshold(input, name, service, memory);
      this.launchesWithinBackoff(input, name);
      this.desiredWithinScalingRange(input, name, service, memory);
      await this.shortServiceHasEvent(input, name, service, memory);
      const report = (invariant: string, message: string) =>
        this.report({ invariant, service: name, at: input.now, message });
      spotRefusalsBackOff(input, name, memory.edges, report);
      capacityRefusalsNotFailures(input, name, service, report);
      deployOnFallbackCompletes(input, name, service, memory.edges, report);
      await returnsToSpot(input, name, service, memory.edges, report);
      queueWorkersKeepInFlight(input, name, service, memory.edges, report);
      const requests = input.requestHistoryOf?.(name);
      if (requests)
        for (const message of requestScalingNoOvershoot(requests))
          report('requestScalingNoOvershoot', message);
    }
    this.onlyOwnTargetsDeregistered(input);
  }

  /**
   * RUNNING never under ceil(desired x minimumHealthyPercent / 100) once reached (by tasks not being
   * drained), except for tasks that died on their own.
   */
  runningFloorHeld(input: CheckInput, name: string, service: Service, memory: ServiceMemory): void {
    const floor = Math.ceil(
      (service.desiredCount * service.deploymentConfiguration.minimumHealthyPercent) / 100,
    );
    const deaths = input.ledger.deaths.get(name)?.length ?? 0;
    if (deaths > memory.deathsSeen) {
      memory.deathsSeen = deaths;
      delete memory.reachedFloor;
    }
    const running = input.ledger.running(name);
    // The floor is reached by tasks Tugboat is not draining: a task it began to drain while the floor
    // allowed it is on its way out, so tasks dying on their own during that drain (seed 79: a new
    // revision crashing while the old tasks it replaced drained) start the count again without it.
    if (input.ledger.runningNotDraining(name) >= floor) {
      memory.reachedFloor = floor;
      return;
    }
    if (running >= floor) return;
    if (memory.reachedFloor !== undefined && running < Math.min(memory.reachedFloor, floor))
      this.report({
        invariant: 'runningFloorHeld',
        service: name,
        at: input.now,
        message: `${running} RUNNING, under the floor ${floor} (desired ${service.desiredCount} x minimumHealthyPercent ${service.deploymentConfiguration.minimumHealthyPercent}%) it had reached, and no task died on its own since`,
      });
  }

  /** Live tasks never over floor(desired x maximumPercent / 100) (of the last half minute's largest: a scale-in takes a pass). */
  liveUnderCap(input: CheckInput, name: string, service: Service, memory: ServiceMemory): void {
    // BLUE_GREEN, CANARY and LINEAR start the full desired count beside the old one (maximumPercent does
    // not limit it, as in ECS), and replace a new task failing its target group's health check while it
    // drains: up to three times the desired count while a shift's deployments are up.
    const shifting = service.deployments.some((d) => d.trafficShift !== undefined && d.status !== 'INACTIVE');
    const percent = Math.max(service.deploymentConfiguration.maximumPercent, shifting ? 300 : 0);
    const cap = Math.floor((service.desiredCount * percent) / 100);
    memory.caps.push({ at: input.now, cap });
    memory.caps = memory.caps.filter((entry) => entry.at >= input.now - CAP_GRACE_MS);
    const allowed = Math.max(...memory.caps.map((entry) => entry.cap));
    const live = input.ledger.live(name);
    if (live.length > allowed)
      this.report({
        invariant: 'liveUnderCap',
        service: name,
        at: input.now,
        message: `${live.length} live tasks, over floor(desired ${service.desiredCount} x maximumPercent ${service.deploymentConfiguration.maximumPercent}%) = ${cap} (${describeLive(live)})`,
      });
  }

  /** Every deployment reaches a terminal state within progressDeadlineSeconds (of no progress) plus one scheduler interval. */
  deploymentEndsByDeadline(input: CheckInput, name: string, service: Service): void {
    const primary = primaryOf(service);
    if (primary?.rolloutState !== 'IN_PROGRESS' || !primary.lastProgressAt) return;
    const deadlineMs =
      (service.deploymentConfiguration.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS) * 1000;
    const since = Date.parse(primary.lastProgressAt);
    if (input.now - since > deadlineMs + input.scheduleMs + PASS_SLACK_MS)
      this.report({
        invariant: 'deploymentEndsByDeadline',
        service: name,
        at: input.now,
        message: `deployment ${primary.id} still IN_PROGRESS ${Math.round((input.now - since) / 1000)} s after its last progress (${primary.lastProgressAt}); progressDeadlineSeconds ${deadlineMs / 1000} plus one scheduler interval has passed (back-off until ${primary.backoffUntil ?? 'none'})`,
      });
  }

  /**
   * A deployment whose image cannot run (crashes, fails its pull or its health checks) fails within its
   * breaker threshold of failed tasks, plus the tasks in flight at once, plus one threshold per rise of
   * its healthy peak (the count restarts when a task becomes healthy above the earlier peak).
   */
  breakerTripsWithinThreshold(
    input: CheckInput,
    name: string,
    service: Service,
    memory: ServiceMemory,
  ): void {
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    const primary = primaryOf(service);
    if (!breaker.enable || !primary || primary.rolloutState !== 'IN_PROGRESS') return;
    const behaviour = input.behaviourOf(primary.taskDefinition);
    if (!behaviour || behaviour.kind === 'runs') return;
    const guarded = service.loadBalancers?.length || behaviour.kind !== 'unhealthy';
    if (!guarded) return;
    const threshold = circuitBreakerThreshold(service.desiredCount, breaker);
    const cap = Math.floor((service.desiredCount * service.deploymentConfiguration.maximumPercent) / 100);
    const seen = memory.deployments.get(primary.id) ?? { threshold: 0, cap: 0, desired: 0 };
    const worst = {
      threshold: Math.max(seen.threshold, threshold),
      cap: Math.max(seen.cap, cap),
      desired: Math.max(seen.desired, service.desiredCount),
    };
    memory.deployments.set(primary.id, worst);
    const minReadyMs = (service.deploymentConfiguration.minReadySeconds ?? 40) * 1000;
    const canBeHealthy = behaviour.kind === 'crash' && behaviour.afterMs >= minReadyMs;
    const peaks = canBeHealthy && breaker.resetOnHealthyTask !== false ? worst.desired : 0;
    const allowed = (peaks + 1) * worst.threshold + worst.cap;
    const failed = input.ledger
      .tasksOf(name)
      .filter((task) => task.deploymentId === primary.id && failedOnItsOwn(task)).length;
    if (failed > allowed)
      this.report({
        invariant: 'breakerTripsWithinThreshold',
        service: name,
        at: input.now,
        message: `deployment ${primary.id} (${behaviour.kind} image) has ${failed} failed tasks and is still IN_PROGRESS; its breaker threshold is ${worst.threshold} (allowed with tasks in flight and healthy peaks: ${allowed}); failedTasks recorded ${primary.failedTasks}`,
      });
  }

  /**
   * Launches never come faster than the crash-loop back-off allows: a launch for a deployment that has
   * had n >= 2 failures in a row (none stable for the reset window since) waits crashLoopDelayMs(n) after
   * the last one. Failures under a second old at the launch are not counted (the pass may not know them).
   */
  launchesWithinBackoff(input: CheckInput, name: string): void {
    const launches = input.ledger.launches.get(name) ?? [];
    const tasks = input.ledger.tasksOf(name);
    for (const launch of launches.slice(-20)) {
      const failures = tasks
        .filter((task) => task.deploymentId === launch.deploymentId && failedOnItsOwn(task))
        .map((task) => task.stoppingAt ?? task.createdAt)
        .filter((at) => at <= launch.at - 1000)
        .sort((a, b) => a - b);
      // A task of the deployment RUNNING for the reset window forgives the failures before it.
      const stableAt = tasks
        .filter((task) => task.deploymentId === launch.deploymentId && task.startedAt !== undefined)
        .map((task) => ({
          at: (task.startedAt ?? 0) + DEFAULT_BACKOFF_RESET_MS,
          stoppingAt: task.stoppingAt,
        }))
        .filter(({ at, stoppingAt }) => at <= launch.at && (stoppingAt ?? Number.POSITIVE_INFINITY) >= at)
        .map(({ at }) => at);
      const since = stableAt.length > 0 ? Math.max(...stableAt) : Number.NEGATIVE_INFINITY;
      const consecutive = failures.filter((at) => at > since);
      const last = consecutive.at(-1);
      if (last === undefined || consecutive.length < 2) continue;
      const delay = crashLoopDelayMs(consecutive.length, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS);
      if (launch.at < last + delay - 1000)
        this.report({
          invariant: 'launchesWithinBackoff',
          service: name,
          at: input.now,
          message: `launched ${launch.taskArn} at ${new Date(launch.at).toISOString()}, ${Math.round((launch.at - last) / 1000)} s after the last of ${consecutive.length} failures in a row; the back-off asks ${delay / 1000} s`,
        });
    }
  }

  /** Auto scaling: desired within minCapacity..maxCapacity (an operator's count out of range is brought back within two evaluations). */
  desiredWithinScalingRange(input: CheckInput, name: string, service: Service, memory: ServiceMemory): void {
    const range = service.autoScaling;
    if (!range) return;
    const inRange = service.desiredCount >= range.minCapacity && service.desiredCount <= range.maxCapacity;
    if (inRange) {
      delete memory.outOfRangeSince;
      return;
    }
    memory.outOfRangeSince ??= input.now;
    if (input.now - memory.outOfRangeSince > 2 * 60_000 + PASS_SLACK_MS)
      this.report({
        invariant: 'desiredWithinScalingRange',
        service: name,
        at: input.now,
        message: `desired ${service.desiredCount} outside autoScaling ${range.minCapacity}..${range.maxCapacity} since ${new Date(memory.outOfRangeSince).toISOString()}`,
      });
  }

  /** A service short of its desired count for two scheduler intervals has a service event (since it fell short) saying why. */
  async shortServiceHasEvent(
    input: CheckInput,
    name: string,
    service: Service,
    memory: ServiceMemory,
  ): Promise<void> {
    const running = input.ledger.running(name);
    if (running >= service.desiredCount) {
      delete memory.shortSince;
      return;
    }
    memory.shortSince ??= input.now;
    if (input.now - memory.shortSince < 2 * input.scheduleMs + PASS_SLACK_MS) return;
    if (this.reported.has(`shortServiceHasEvent/${name}`)) return;
    // The shortfall is seen at the step after it began: an event from that step on says why.
    const since = new Date(memory.shortSince - input.stepMs - 1000).toISOString();
    const events = await input.eventsOf(name);
    const why = events.filter((event) => event.createdAt >= since && !/steady state/i.test(event.message));
    // Or the newest event, older than the shortfall, still holds: it names a wait that has not ended (a
    // back-off's "next launch at" a time to come: seed 3223, a task stopped behind Tugboat's back while
    // the PRIMARY backed off, and no launch could replace it before that time).
    // Or it is of the PRIMARY's failure, and the PRIMARY is still FAILED: a failed deployment launches
    // nothing (seed 4104: a task died after the breaker failed a deployment without rollback; seed 3307
    // at 60 minutes: after a failed rollback, which is not rolled back again).
    const newest = events[0]?.message ?? '';
    const standing = newest.match(/next launch at (\S+?)\.?$/)?.[1];
    if (standing !== undefined && Date.parse(standing) > input.now) return;
    const primary = primaryOf(service);
    if (primary?.rolloutState === 'FAILED' && newest.includes(`deployment ${primary.id} `)) return;
    if (why.length === 0)
      this.report({
        invariant: 'shortServiceHasEvent',
        service: name,
        at: input.now,
        message: `${running}/${service.desiredCount} RUNNING since ${new Date(memory.shortSince).toISOString()} (${Math.round((input.now - memory.shortSince) / 1000)} s) and no service event since says why; last event: ${events[0] ? `${events[0].createdAt} ${events[0].message}` : 'none'}; PRIMARY ${JSON.stringify(primaryOf(service) ? { rolloutState: primaryOf(service)?.rolloutState, backoffUntil: primaryOf(service)?.backoffUntil, failedTasks: primaryOf(service)?.failedTasks } : {})}`,
      });
  }

  /** No target that belongs to another service's task is ever deregistered. */
  onlyOwnTargetsDeregistered(input: CheckInput): void {
    const calls = input.ledger.deregistrations.slice(this.deregistrationsChecked);
    this.deregistrationsChecked = input.ledger.deregistrations.length;
    for (const call of calls) {
      const owner = input.targetGroupOwners.get(call.targetGroupArn);
      const task = input.ledger.taskByIp(call.id);
      if (!owner || !task?.service || task.service === owner) continue;
      this.report({
        invariant: 'onlyOwnTargetsDeregistered',
        service: owner,
        at: call.at,
        message: `deregistered ${call.id} (task ${task.taskArn} of service ${task.service}${isRunning(task) ? ', RUNNING' : ''}) from ${owner}'s target group`,
      });
    }
  }
}

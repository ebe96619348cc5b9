/**
 * The reconcile scheduler: finds the services that need work, without a table Scan, and fans them out
 * to the reconcile queue. Per cluster it reads the services (one paged Query), the live inventory (one
 * paged Query of the sparse index) and ECS's own list of running tasks (ceil(T/100) ListTasks), the
 * level check that catches lost or missed events. At steady state that is all it spends, with one
 * Query of the (usually empty) index of deleted revisions' ECS copies to retire: no DescribeTasks, no
 * writes, no messages.
 */
import type { Service, TaskRecord } from '../../domain';
import type { EcsGateway } from '../../ecs/gateway';
import { ACCOUNT_WIDE_GATEWAY } from '../../ecs/task-definitions';
import { ELB_DESCRIBE_SCHEDULER_RATE } from '../../elb/calls';
import type { ElbGateway } from '../../elb/gateway';
import { DEFAULT_INSTALLATION, startedByInstallation } from '../../inventory/naming';
import { taskRecordFromEcs } from '../../inventory/task-record';
import type { ReconcileRequest } from '../../queue/reconcile-queue';
import type { ReconcileMark, TugboatStore } from '../../store/port';
import { isoOf } from '../../time';
import { CLOCK_SKEW_MARGIN_MS } from '../pass/context';
import type { TaskStopCode } from '../plan/types';
import { listAllServices, retireUnusedEcsCopies, servicesOfClusters } from './revision-retirement';
import { type ClusterTargets, checkTargets, TARGET_CHECK_MAX_MS } from './target-group-check';

export interface SchedulerDeps {
  store: TugboatStore;
  ecsFor: (cluster: string) => EcsGateway;
  enqueue: (requests: ReconcileRequest[]) => Promise<void>;
  now: () => number;
  /** This installation: tasks whose startedBy does not carry it are never recorded or counted. */
  installation?: string;
  /**
   * ARNs of running tasks found to belong to someone else, kept across passes (the function's warm
   * instance) so they are described once rather than every pass.
   */
  foreignTasks?: Set<string>;
  /** With it, steady load-balanced services are checked against their target groups (target-check.ts). */
  elb?: ElbGateway;
  /** The clock `elb`'s Describe* pacer is on (default Date.now: the deployed scheduler's). */
  elbClock?: () => number;
  /**
   * Epoch ms on `now`: the target-group check, which runs after every cluster's level check has sent
   * its requests, starts no call after it and waits for none past it.
   */
  deadline?: number;
}

export interface SchedulerReport {
  clusters: number;
  services: number;
  enqueued: number;
  /** Tasks ECS runs that the inventory did not know, and inventory tasks ECS no longer runs. */
  unknownTasks: number;
  vanishedTasks: number;
  /** Unfinished services not sent again: the scheduler's earlier request still awaits its pass. */
  alreadyRequested: number;
  /** Clusters whose check failed this run (ECS or the store refused): skipped, the others still checked. */
  failedClusters: Array<{ cluster: string; error: unknown }>;
  /** DescribeTargetHealth calls: one per target group of the steady load-balanced services. */
  targetGroupsRead?: number;
  /** INACTIVE revisions whose ECS copies this run deregistered, no service using them any more. */
  ecsCopiesRetired?: string[];
  /** Why that step failed this run (it is tried again at the next). */
  retirementFailure?: unknown;
  /** Target groups not read this run (the deadline came first, or ELB failed: `failedTargetGroups`). */
  targetGroupsUnread?: number;
  failedTargetGroups?: Array<{ targetGroupArn: string; error: unknown }>;
}

const MISSING_FROM_ECS_REASON =
  'Task is no longer known to ECS (neither listed nor described at two scheduler runs in a row)';
const TASK_NOT_FOUND_STOP_CODE: TaskStopCode = 'TaskNotFound';
/**
 * How long a sent, unanswered request is trusted to be on its way: longer than a launch-bound backlog
 * of 10,000 services takes to drain (about 25 minutes), shorter than its messages' five tries with the
 * six-minute visibility timeout.
 */
export const PENDING_REQUEST_TRUST_MS = 30 * 60_000;
/** Scheduler marks written at once. */
const MARK_CONCURRENCY = 25;

/** Whether the stored state alone says the service is not done. */
export const serviceNeedsWork = (service: Service, now: number): string | undefined => {
  if (service.status === 'INACTIVE') return undefined;
  if (service.status === 'DRAINING') return 'service is draining';
  if (service.inflightLaunches && service.inflightLaunches.length > 0) return 'launches to confirm';
  // A pass scheduled its own wake-up (a delayed message): asking again before it is due only adds a pass
  // (every rollout and converge at once, each tick). Once it is due, a lost wake-up is made up for below.
  if (service.wakeAt && Date.parse(service.wakeAt) > now) return undefined;
  if (
    service.deployments.some(
      (deployment) => deployment.rolloutState === 'IN_PROGRESS' && deployment.status !== 'INACTIVE',
    )
  ) {
    return 'deployment in progress';
  }
  if (service.deployments.some((deployment) => deployment.status === 'ACTIVE'))
    return 'older deployment still active';
  if (service.runningCount !== service.desiredCount || service.pendingCount > 0)
    return 'not at desired count';
  if (service.wakeAt && Date.parse(service.wakeAt) <= now) return 'wake-up due';
  return undefined;
};

export const runReconcileScheduler = async (deps: SchedulerDeps): Promise<SchedulerReport> => {
  const report: SchedulerReport = {
    clusters: 0,
    services: 0,
    enqueued: 0,
    unknownTasks: 0,
    vanishedTasks: 0,
    alreadyRequested: 0,
    failedClusters: [],
  };
  const installation = deps.installation ?? DEFAULT_INSTALLATION;
  const foreign = deps.foreignTasks ?? new Set<string>();
  // Bounded: a forgotten foreign task is only described once more.
  if (foreign.size > 100_000) foreign.clear();
  const servicesRead = new Map<string, Service[]>();
  const steady: ClusterTargets[] = [];
  const clusters = await deps.store.listClusters();
  for (const cluster of clusters) {
    report.clusters++;
    // One cluster that cannot be read (deleted, no permission, ECS down in it) must not cost the others
    // their level check; it is reported and tried again next run.
    try {
      steady.push(await checkCluster(deps, cluster, report, { installation, foreign, servicesRead }));
    } catch (error) {
      report.failedClusters.push({ cluster, error });
    }
  }
  // Last, once every cluster's requests are sent: a slow ELB can delay nothing else.
  if (deps.elb) await checkTargetGroups(deps, deps.elb, steady, report);
  // After the level check, so it never delays a pass; from the services just read (see
  // revision-retirement.ts on why here). A failure leaves every mark for the next run.
  try {
    const retired = await retireUnusedEcsCopies(
      {
        store: deps.store,
        ecs: deps.ecsFor(ACCOUNT_WIDE_GATEWAY),
        now: deps.now,
        ...(deps.deadline === undefined ? {} : { deadline: deps.deadline }),
      },
      () => servicesOfClusters(deps.store, clusters, { known: servicesRead }),
    );
    if (retired.length > 0) report.ecsCopiesRetired = retired;
  } catch (error) {
    report.retirementFailure = error;
  }
  return report;
};

/** The target-group check of every cluster's steady services, within the deadline, and its requests. */
const checkTargetGroups = async (
  deps: SchedulerDeps,
  elb: ElbGateway,
  steady: ClusterTargets[],
  report: SchedulerReport,
): Promise<void> => {
  const now = deps.now();
  const targets = await checkTargets(elb, steady, {
    budgetMs: Math.min(TARGET_CHECK_MAX_MS, (deps.deadline ?? Number.POSITIVE_INFINITY) - now),
    rotation: { rate: ELB_DESCRIBE_SCHEDULER_RATE, now },
    ...(deps.elbClock ? { clock: deps.elbClock } : {}),
  });
  report.targetGroupsRead = (report.targetGroupsRead ?? 0) + targets.targetGroupsRead;
  report.targetGroupsUnread = (report.targetGroupsUnread ?? 0) + targets.targetGroupsUnread;
  if (targets.failures.length > 0)
    report.failedTargetGroups = [...(report.failedTargetGroups ?? []), ...targets.failures];
  for (const [cluster, needsPass] of targets.needsPass) {
    // The pass must see what the check saw: ELB, not the inventory's account (pass/target-reads.ts).
    const requests = [...needsPass].map(([serviceName, reason]) => ({
      cluster,
      serviceName,
      reason,
      readTargetGroups: true,
    }));
    try {
      await sendRequests(deps, cluster, [], requests, report);
    } catch (error) {
      report.failedClusters.push({ cluster, error });
    }
  }
};

/**
 * The level check of one cluster: inventory against ECS, then the requests for the services that need a
 * pass. Returns the services it asked nothing for, for the target-group check.
 */
const checkCluster = async (
  deps: SchedulerDeps,
  cluster: string,
  report: SchedulerReport,
  {
    installation,
    foreign,
    servicesRead,
  }: { installation: string; foreign: Set<string>; servicesRead: Map<string, Service[]> },
): Promise<ClusterTargets> => {
  const gateway = deps.ecsFor(cluster);
  const [services, alive, runningArns] = await Promise.all([
    // Eventually consistent, at half the read units of every steady pass: a change made a moment ago
    // asked for its own pass (the API sends one), and the next run reads it anyway.
    listAllServices(deps.store, cluster).then((read) => {
      servicesRead.set(cluster, read);
      return read;
    }),
    deps.store.listAliveTasks(cluster),
    gateway.listTasks({ desiredStatus: 'RUNNING' }),
  ]);
  report.services += services.length;
  const touched = new Map<string, string>();

  const known = new Map<string, TaskRecord>(alive.map((record) => [record.taskArn, record]));
  const running = new Set(runningArns);
  let unknown = runningArns.filter((arn) => !known.has(arn) && !foreign.has(arn));
  if (unknown.length > 0) {
    // ECS's list takes many throttled pages at scale, and launches go on meanwhile: a task launched
    // after the inventory was read is in the list, and in the inventory by now. Only what is still
    // missing on a second read is out of step.
    const recorded = new Set((await deps.store.listAliveTasks(cluster)).map((record) => record.taskArn));
    unknown = unknown.filter((arn) => !recorded.has(arn));
  }
  // Inventory says running, ECS's list does not: stopped (or stopping) without an event we saw.
  const vanished = alive.filter(
    (record) => record.desiredStatus === 'RUNNING' && !running.has(record.taskArn),
  );
  const toDescribe = [...unknown, ...vanished.map((record) => record.taskArn)];
  let describedArns = new Set<string>();
  if (toDescribe.length > 0) {
    const observedAt = isoOf(deps.now());
    const described = await gateway.describeTasks(toDescribe);
    let foreignCount = 0;
    for (const task of described.tasks) {
      // Another installation's task, or no Tugboat's: not ours to adopt, count or stop.
      if (!startedByInstallation(task.startedBy, installation)) {
        if (task.taskArn) foreign.add(task.taskArn);
        foreignCount++;
        continue;
      }
      const record = taskRecordFromEcs(task, observedAt);
      await deps.store.recordTask(record);
      if (record.serviceName)
        touched.set(record.serviceName, `task ${record.taskId} was out of step with the inventory`);
    }
    // ECS forgets stopped tasks after about an hour; record those as stopped so nothing waits on them.
    // But ECS's list and describe are eventually consistent, and miss a task launched a moment ago:
    // the first miss is only marked, and a task missing at two runs in a row is taken as stopped.
    describedArns = new Set(described.tasks.flatMap((task) => (task.taskArn ? [task.taskArn] : [])));
    for (const record of vanished) {
      if (describedArns.has(record.taskArn)) continue;
      if (record.missingFromEcsAt === undefined) {
        await deps.store.markTaskMissing(record, observedAt);
        continue;
      }
      await deps.store.recordTask({
        ...record,
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedAt: record.stoppedAt ?? observedAt,
        // Not a failed launch: why it stopped is not known.
        stopCode: record.stopCode ?? TASK_NOT_FOUND_STOP_CODE,
        stoppedReason: record.stoppedReason ?? MISSING_FROM_ECS_REASON,
        eventVersion: record.eventVersion + 1,
        updatedAt: observedAt,
      });
      if (record.serviceName)
        touched.set(record.serviceName, `task ${record.taskId} is no longer known to ECS`);
    }
    report.unknownTasks += Math.max(0, unknown.length - foreignCount);
    report.vanishedTasks += vanished.length;
  }
  // A mark from a run that missed the task, which ECS knows again: the misses were not in a row.
  for (const record of alive) {
    if (
      record.missingFromEcsAt !== undefined &&
      (running.has(record.taskArn) || describedArns.has(record.taskArn))
    )
      await deps.store.markTaskMissing(record, undefined);
  }

  const now = deps.now();
  const outOfStep: ReconcileRequest[] = [];
  const unfinished: ReconcileRequest[] = [];
  for (const service of services) {
    const touchedReason = touched.get(service.serviceName);
    if (touchedReason) {
      outOfStep.push({ cluster, serviceName: service.serviceName, reason: touchedReason });
      continue;
    }
    const reason = serviceNeedsWork(service, now);
    if (reason) unfinished.push({ cluster, serviceName: service.serviceName, reason });
  }
  await sendRequests(deps, cluster, outOfStep, unfinished, report);
  const asked = new Set(unfinished.map((request) => request.serviceName));
  return {
    cluster,
    services: services.filter((s) => !asked.has(s.serviceName) && !touched.has(s.serviceName)),
    alive,
  };
};

/**
 * Sends the requests of one cluster. A service the stored state alone calls unfinished was most likely
 * asked for already: while a converge waits on the launch rate, every such service would otherwise be
 * asked for again each minute. What inventory and ECS disagree on (`outOfStep`) is always sent.
 */
const sendRequests = async (
  deps: SchedulerDeps,
  cluster: string,
  outOfStep: ReconcileRequest[],
  unfinished: ReconcileRequest[],
  report: SchedulerReport,
): Promise<void> => {
  const now = deps.now();
  let stillUnasked = unfinished;
  if (unfinished.length > 0) {
    const marks = await deps.store.reconcileMarks(
      cluster,
      unfinished.map((request) => request.serviceName),
    );
    stillUnasked = unfinished.filter((request) => !awaitsPass(marks.get(request.serviceName), now));
    report.alreadyRequested += unfinished.length - stillUnasked.length;
  }
  const requests = [...outOfStep, ...stillUnasked];
  if (requests.length > 0) await deps.enqueue(requests);
  report.enqueued += requests.length;
  // Marked after sending: a crash in between costs a duplicate request, never a lost one.
  for (let start = 0; start < requests.length; start += MARK_CONCURRENCY) {
    await Promise.all(
      requests
        .slice(start, start + MARK_CONCURRENCY)
        .map((request) => deps.store.markScheduled(cluster, request.serviceName, now)),
    );
  }
};

/**
 * Whether the scheduler's last request for the service is still waiting for its pass: sent, no pass
 * completed since (less the clock-skew margin), and recent enough to trust. One older than that is
 * presumed lost (dead-lettered) and sent again.
 */
export const awaitsPass = (mark: ReconcileMark | undefined, now: number): boolean =>
  mark?.scheduledAt !== undefined &&
  now - mark.scheduledAt < PENDING_REQUEST_TRUST_MS &&
  (mark.passStartedAt === undefined || mark.passStartedAt <= mark.scheduledAt + CLOCK_SKEW_MARGIN_MS);

/**
 * The scheduler's level check of load-balanced services that the stored state calls steady: one
 * DescribeTargetHealth per target group (shared by every service behind it), and a service needs a
 * pass when one of its running tasks has a target that is not `healthy`, one is draining, or a target
 * group holds a stray on its ports (a target of one of its tasks that is no longer to run; any other
 * target is not Tugboat's). At steady state this is the only ELB call a scheduler run makes.
 *
 * It runs after the scheduler has sent its other requests, TARGET_HEALTH_CONCURRENCY calls at a time,
 * and only until its deadline: a slow or hanging ELB costs the run only the services behind the target
 * groups it could not read, which are judged again at the next run.
 *
 * Its reads are paced to the scheduler's share of ELB's Describe* budget (lib/elb/calls.ts: 16 at once,
 * 5 a second), so a run reads at most about 16 + 5 x its budget in seconds. With more target groups than
 * that, each run starts where the one a minute earlier is expected to have stopped (`rotation`), so every
 * group is read in turn, every ceil(groups / per run) minutes.
 */
import {
  TargetGroupNotFoundException,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancer, Service, TaskRecord } from '../../domain';
import { PacingDeadlineError, type Rate } from '../../ecs/pacer';
import type { ElbGateway } from '../../elb/gateway';
import { expectedTargets } from '../plan/expected-targets';

/**
 * The longest the check reads: the scheduler runs one at a time each minute (reserved concurrency 1), and
 * a run still going when the next is due costs that run; and the whole run stays within 30 s.
 */
export const TARGET_CHECK_MAX_MS = 25_000;

/** DescribeTargetHealth calls in flight at once (ELB's Describe calls share one account-wide rate). */
export const TARGET_HEALTH_CONCURRENCY = 8;

/** The steady services of one cluster, and its live inventory. */
export interface ClusterTargets {
  cluster: string;
  services: Service[];
  alive: TaskRecord[];
}

export interface TargetCheckResult {
  /** Cluster -> service name -> why it needs a pass. */
  needsPass: Map<string, Map<string, string>>;
  targetGroupsRead: number;
  /** Target groups not read: the deadline came first, or ELB failed (`failures`). */
  targetGroupsUnread: number;
  failures: Array<{ targetGroupArn: string; error: unknown }>;
}

export interface TargetCheckOptions {
  /** Milliseconds the check may take, from now: no call starts after, none is waited for past it. */
  budgetMs?: number;
  concurrency?: number;
  /**
   * The rate the gateway paces reads to, and the run's instant (epoch ms): with both and a budget, the
   * groups are read from the one this minute's run is expected to reach first (see the top).
   */
  rotation?: { rate: Rate; now: number };
  /** The clock of the gateway's pacer, which the wait for room ends by (default Date.now). */
  clock?: () => number;
}

/** Where a run starts reading `count` groups (sorted): a minute's worth of reads past the last run's start. */
export const rotationStart = (
  count: number,
  budgetMs: number,
  { rate, now }: { rate: Rate; now: number },
) => {
  if (count === 0) return 0;
  const perRun = Math.max(1, Math.floor(rate.burst + (rate.perSecond * Math.max(0, budgetMs)) / 1000));
  if (perRun >= count) return 0;
  return (Math.floor(now / 60_000) * perRun) % count;
};

type TargetStates = Map<string, string>;

const statesOf = (descriptions: TargetHealthDescription[]): TargetStates =>
  new Map(descriptions.map((d) => [`${d.Target?.Id}:${d.Target?.Port}`, d.TargetHealth?.State ?? 'unknown']));

/**
 * Reads the target groups' health, `concurrency` at a time, until the budget runs out. A group ELB
 * no longer has reads as empty (its tasks are unregistered); one not read is left out.
 */
const readTargetHealth = async (
  elb: ElbGateway,
  arns: string[],
  { budgetMs, concurrency = TARGET_HEALTH_CONCURRENCY, clock = Date.now }: TargetCheckOptions,
): Promise<{ health: Map<string, TargetStates>; failures: TargetCheckResult['failures'] }> => {
  const health = new Map<string, TargetStates>();
  const failures: TargetCheckResult['failures'] = [];
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  // On the pacer's clock: the wait for room ends by it (the timer below ends a hanging call on real time).
  const deadlineAt = budgetMs === undefined ? undefined : clock() + Math.max(0, budgetMs);
  const deadline =
    budgetMs === undefined
      ? new Promise<never>(() => undefined)
      : new Promise<void>((resolve) => {
          timer = setTimeout(
            () => {
              expired = true;
              resolve();
            },
            Math.max(0, budgetMs),
          );
        });
  const queue = [...arns];
  const worker = async () => {
    for (let arn = queue.shift(); arn !== undefined && !expired; arn = queue.shift()) {
      const read = elb
        .describeTargetHealth(arn, undefined, deadlineAt === undefined ? {} : { deadline: deadlineAt })
        .then(
          (descriptions) => health.set(arn!, statesOf(descriptions)),
          (error: unknown) => {
            if (error instanceof TargetGroupNotFoundException) health.set(arn!, new Map());
            // No room in the budget before the deadline: this group and the rest wait for the next run.
            else if (error instanceof PacingDeadlineError) expired = true;
            else failures.push({ targetGroupArn: arn!, error });
          },
        );
      // A call still hanging at the deadline is left behind: its answer, if any, comes too late to count.
      await Promise.race([read, deadline]);
    }
  };
  try {
    await Promise.race([
      Promise.all(Array.from({ length: Math.min(concurrency, arns.length) }, worker)),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    expired = true;
  }
  // Copies: a call answering after the deadline must not change what this check returned.
  return { health: new Map(health), failures: [...failures] };
};

/** Both groups of a load balancer entry: with advancedConfiguration, its alternate too (the groups swap). */
const groupsOf = (lb: LoadBalancer): string[] =>
  lb.advancedConfiguration
    ? [lb.targetGroupArn, lb.advancedConfiguration.alternateTargetGroupArn]
    : [lb.targetGroupArn];

const addresses = (records: TaskRecord[]) =>
  new Set(records.flatMap((record) => (record.privateIpv4Address ? [record.privateIpv4Address] : [])));

/**
 * The targets the planner expects a running task to have (expected-targets.ts): those recorded registering
 * it, else its deployment's group. Mid-shift a new task is in the group production is moving to, not the
 * one serving now: judged in the serving group it would ask for a pass every run of a shift or a bake
 * that has its own wake-up (five wasted passes a linear deployment).
 */
const targetsOf = (service: Service, record: TaskRecord, read: Set<string>) =>
  expectedTargets(service, {
    deploymentId: record.deploymentId ?? '',
    targets: { registered: record.loadBalancing?.targets ?? [] },
  }).filter((target) => read.has(target.targetGroupArn));

/**
 * Why the service needs a pass by its target groups' health, or undefined. `own` is the service's live
 * inventory; only a target of its own tasks can be a stray (the sweep leaves any other alone).
 */
const targetReason = (service: Service, own: TaskRecord[], health: Map<string, TargetStates>) => {
  const tasks = own.filter((record) => record.desiredStatus === 'RUNNING');
  const ips = addresses(tasks);
  const leaving = addresses(own.filter((record) => record.desiredStatus !== 'RUNNING'));
  const groups = new Set((service.loadBalancers ?? []).flatMap(groupsOf));
  for (const record of tasks) {
    if (record.loadBalancing?.deregisteredAt !== undefined) return `task ${record.taskId} is draining`;
    for (const target of targetsOf(service, record, groups)) {
      const state = health.get(target.targetGroupArn)?.get(`${record.privateIpv4Address}:${target.port}`);
      if (state !== 'healthy')
        return `task ${record.taskId} has a target that is ${state ?? 'not registered'}`;
    }
  }
  for (const lb of service.loadBalancers ?? []) {
    for (const arn of groupsOf(lb)) {
      for (const [target, state] of health.get(arn) ?? new Map<string, string>()) {
        const [id, port] = [
          target.slice(0, target.lastIndexOf(':')),
          Number(target.slice(target.lastIndexOf(':') + 1)),
        ];
        if (state !== 'draining' && port === lb.containerPort && leaving.has(id) && !ips.has(id)) {
          return `target ${target} of ${arn} belongs to no running task`;
        }
      }
    }
  }
  return undefined;
};

export const checkTargets = async (
  elb: ElbGateway,
  clusters: ClusterTargets[],
  options: TargetCheckOptions = {},
): Promise<TargetCheckResult> => {
  const balanced = clusters.map((entry) => ({
    ...entry,
    services: entry.services.filter((service) => (service.loadBalancers?.length ?? 0) > 0),
  }));
  const arns = [
    ...new Set(
      balanced.flatMap((entry) =>
        entry.services.flatMap((service) => (service.loadBalancers ?? []).flatMap(groupsOf)),
      ),
    ),
  ].sort();
  const start =
    options.rotation && options.budgetMs !== undefined
      ? rotationStart(arns.length, options.budgetMs, options.rotation)
      : 0;
  const { health, failures } = await readTargetHealth(
    elb,
    [...arns.slice(start), ...arns.slice(0, start)],
    options,
  );
  const needsPass = new Map<string, Map<string, string>>();
  for (const { cluster, services, alive } of balanced) {
    for (const service of services) {
      // Judged only on what was read: a group not read says nothing about its targets.
      if (!(service.loadBalancers ?? []).flatMap(groupsOf).every((arn) => health.has(arn))) continue;
      const own = alive.filter((record) => record.serviceName === service.serviceName);
      const reason = targetReason(service, own, health);
      if (!reason) continue;
      const ofCluster = needsPass.get(cluster) ?? new Map<string, string>();
      ofCluster.set(service.serviceName, reason);
      needsPass.set(cluster, ofCluster);
    }
  }
  return {
    needsPass,
    targetGroupsRead: health.size,
    targetGroupsUnread: arns.length - health.size,
    failures,
  };
};

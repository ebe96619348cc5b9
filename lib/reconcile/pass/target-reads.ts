/**
 * Which target groups a pass reads (DescribeTargetHealth) and which it takes from the inventory: ELB
 * allows an account 10 Describe* calls a second (lib/elb/calls.ts), and a pass reading every group of
 * its service each time spent that many times over during a thousand services' deployments.
 *
 * A group where no task of the service is recorded is never read (there is nothing of its own to learn;
 * a new task registers without a read). Another is read when the pass can learn something there that the
 * inventory does not say:
 * - it has not been read for TARGET_HEALTH_REFRESH_MS (an unhealthy target, a stray, a deleted group);
 * - a task registered there is RUNNING, not yet recorded healthy, and could be healthy by now (its start
 *   plus the group's first health checks, plan/first-checks.ts; sooner a read finds it `initial` again);
 * - a task registered there stopped, or was told to, since the group was last read, and was not drained:
 *   its target may be a stray to deregister at once.
 * Otherwise the group is taken as the inventory records it: each live task's target `healthy` once its
 * targets were all healthy (TaskLoadBalancing.healthyAt), `initial` until then, `draining` while it
 * drains. A task not registered yet is registered by the pass without a read (RegisterTargets is
 * idempotent, should a pass that died have registered it already).
 */
import type { Service, TaskRecord } from '../../domain';
import { epochOf } from '../../time';
import { expectedTargets } from '../plan/expected-targets';
import { healthyNoSoonerThanTarget } from '../plan/first-checks';
import type { ObservedTarget } from '../plan/types';

/** How long a pass trusts the inventory's account of a target group. */
export const TARGET_HEALTH_REFRESH_MS = 120_000;

const registeredIn = (service: Service, record: TaskRecord, arn: string) =>
  expectedTargets(service, {
    deploymentId: record.deploymentId ?? '',
    targets: { registered: record.loadBalancing?.targets ?? [] },
  }).filter((target) => target.targetGroupArn === arn);

const becomingHealthy = (record: TaskRecord) =>
  record.lastStatus === 'RUNNING' &&
  record.desiredStatus === 'RUNNING' &&
  record.loadBalancing?.deregisteredAt === undefined &&
  record.loadBalancing?.healthyAt === undefined;

/** Whether the task's target in the group may be healthy at `now` (unknown timing: it may). */
const mayBeHealthy = (service: Service, record: TaskRecord, arn: string, now: number): boolean => {
  const timing = service.targetGroupHealthChecks?.[arn];
  const startedAt = epochOf(record.startedAt);
  return (
    timing === undefined || startedAt === undefined || now >= healthyNoSoonerThanTarget(startedAt, timing)
  );
};

/** When the task stopped, or was told to: the latest instant the inventory knows of it leaving. */
const leftAt = (record: TaskRecord): number | undefined => {
  if (record.lastStatus !== 'STOPPED' && record.desiredStatus === 'RUNNING') return undefined;
  return epochOf(record.stoppedAt) ?? epochOf(record.stoppingAt) ?? epochOf(record.updatedAt) ?? 0;
};

const NOT_READ_LATELY = 'not read lately';

/** Why a task there makes the pass read the group, whatever its last read: undefined if none does. */
const whyTasksNeedRead = (
  service: Service,
  records: TaskRecord[],
  arn: string,
  now: number,
  readAt: number,
): string | undefined => {
  for (const record of records) {
    if (registeredIn(service, record, arn).length === 0) continue;
    const recorded = (record.loadBalancing?.targets ?? []).some((t) => t.targetGroupArn === arn);
    if (recorded && becomingHealthy(record) && mayBeHealthy(service, record, arn, now))
      return `task ${record.taskId} is becoming healthy`;
    const left = leftAt(record);
    if (
      recorded &&
      left !== undefined &&
      left >= readAt &&
      record.loadBalancing?.deregisteredAt === undefined
    )
      return `task ${record.taskId} left without being drained`;
  }
  return undefined;
};

/** Why the pass reads the group, or undefined: the inventory's account of it will do. */
export const whyReadGroup = (
  service: Service,
  records: TaskRecord[],
  arn: string,
  now: number,
): string | undefined => {
  // No task of the service recorded there: nothing of its own to learn (a new task registers without a
  // read). Else a new service's first pass, its launches, would wait for room to read an empty group.
  const anyRecorded = records.some((record) =>
    (record.loadBalancing?.targets ?? []).some((target) => target.targetGroupArn === arn),
  );
  if (!anyRecorded) return undefined;
  const readAt = epochOf(service.targetHealthReadAt?.[arn]);
  if (readAt === undefined) return NOT_READ_LATELY;
  // A task's reason first: NOT_READ_LATELY then means the group's age alone (a refresh).
  const tasks = whyTasksNeedRead(service, records, arn, now, readAt);
  if (tasks !== undefined) return tasks;
  return now - readAt >= TARGET_HEALTH_REFRESH_MS ? NOT_READ_LATELY : undefined;
};

/**
 * The groups to read, to refresh, and to take from the inventory. A refresh is a group read before whose
 * only reason is its age: the pass reads it if ELB's budget has room at once, else takes it from the
 * inventory (inputs.ts), so that with many services deploying at once the reads that move a deployment
 * (a task becoming healthy, one gone undrained) are not queued behind refreshes. The reconcile
 * scheduler's steady check reads every group in its rotation meanwhile, and asks for a pass that reads
 * them all where it finds one that is not as recorded.
 */
export const splitTargetGroupReads = (
  service: Service,
  records: TaskRecord[],
  arns: string[],
  now: number,
): { read: string[]; refresh: string[]; recorded: string[] } => {
  const read: string[] = [];
  const refresh: string[] = [];
  const recorded: string[] = [];
  for (const arn of arns) {
    const why = whyReadGroup(service, records, arn, now);
    if (why === undefined) recorded.push(arn);
    else if (why === NOT_READ_LATELY && epochOf(service.targetHealthReadAt?.[arn]) !== undefined)
      refresh.push(arn);
    else read.push(arn);
  }
  return { read, refresh, recorded };
};

/** A group as the inventory records it: the live tasks' targets, healthy, initial or draining. */
export const recordedTargets = (records: TaskRecord[], arn: string, now: number): ObservedTarget[] =>
  records.flatMap((record): ObservedTarget[] => {
    const lb = record.loadBalancing;
    const id = record.privateIpv4Address;
    if (id === undefined || lb === undefined || record.lastStatus === 'STOPPED') return [];
    const draining = lb.deregisteredAt !== undefined;
    if (draining && (epochOf(lb.stopDueAt) ?? 0) <= now) return [];
    if (!draining && record.desiredStatus !== 'RUNNING') return [];
    const state = draining ? 'draining' : lb.healthyAt === undefined ? 'initial' : 'healthy';
    return lb.targets
      .filter((target) => target.targetGroupArn === arn)
      .map((target) => ({ id, port: target.port, state }));
  });

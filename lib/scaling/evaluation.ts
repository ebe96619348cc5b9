/**
 * The scaling evaluator's contract (its dependencies, what it changes and reports) and the small helpers
 * of an evaluation: a bounded-concurrency loop and the task size a revision reserves.
 */
import { parseRevisionReference } from '../domain';
import type { ReconcileRequest } from '../queue/reconcile-queue';
import type { TugboatStore } from '../store/port';
import type { ScalingStore } from '../store/scaling';
import type { ScalingHistoryStore } from '../store/scaling-history';
import type { AlarmClient, MetricReader } from './cloudwatch';
import type { TaskSize } from './metrics';
import type { QueueBacklogReader } from './queue-backlog';
import type { ReadFailureCounts } from './read-failures';

export interface ScalingEvaluatorDeps {
  scaling: ScalingStore;
  /** Where each policy's readings are kept for the console's charts (none: not kept). */
  history?: Pick<ScalingHistoryStore, 'appendPolicyPoints'>;
  store: Pick<TugboatStore, 'updateService' | 'addServiceEvents' | 'getTaskDefinition'>;
  metrics: MetricReader;
  alarms: AlarmClient;
  queues: QueueBacklogReader;
  /** Healthy targets of a target group (ALBRequestCountPerTarget): DescribeTargetHealth. */
  targets: TargetHealthReader;
  enqueue(requests: ReconcileRequest[]): Promise<void>;
  /** The evaluation instant (epoch ms): the schedule's time. */
  now: number;
  newId(): string;
  /** This installation: its ECS families (`tugboat-<installation>-<family>`) name the services' metrics. */
  installation?: string;
}

export interface TargetHealthReader {
  healthyTargets(targetGroupArn: string): Promise<number>;
}

export interface ScalingChange {
  cluster: string;
  serviceName: string;
  fromCount: number;
  toCount: number;
  cause: string;
  policy?: string;
}

export interface EvaluationReport {
  services: number;
  metricCalls: number;
  metricsRequested: number;
  /** DescribeAlarms pages read. */
  alarmCalls: number;
  /** Scale-out alarms in ALARM, and alarms put and deleted this evaluation. */
  alarmsInAlarm: number;
  alarmsPut: number;
  alarmsDeleted: number;
  /** Services whose alarm writes CloudWatch refused (retried next time). */
  alarmWriteFailures: number;
  queueReads: number;
  changes: ScalingChange[];
  conflicts: number;
  removed: number;
  /** Reads that failed this time, by reason (the `ScalingReadFailures` metric); each retried next time. */
  readFailures: ReadFailureCounts;
}

export const forEachLimit = async <T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
) => {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
};

export const taskSizeOf = async (
  deps: ScalingEvaluatorDeps,
  reference: string,
  cache: Map<string, Promise<TaskSize | undefined>>,
): Promise<TaskSize | undefined> => {
  let found = cache.get(reference);
  if (!found) {
    const { family, revision } = parseRevisionReference(reference);
    found = deps.store
      .getTaskDefinition(family, revision ?? 0)
      .then((definition) =>
        definition ? { cpu: Number(definition.cpu), memory: Number(definition.memory) } : undefined,
      );
    cache.set(reference, found);
  }
  return found;
};

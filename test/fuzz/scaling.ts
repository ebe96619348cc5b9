/**
 * Auto scaling in a fuzzed run, as bench/scaling.ts wires it: the local CloudWatch endpoint on the ECS
 * endpoint's clock and tasks (Container Insights from the tasks' demand), and Tugboat's evaluator run
 * once a minute, a few seconds into it, as its schedule would.
 */
import type { Fleet } from '../../bench/support/fleet';
import { CLUSTER } from '../../bench/support/fleet';
import { startFleetCloudWatch } from '../../bench/support/fleet-cloudwatch';
import { simReconcileQueue } from '../../bench/support/queue';
import { createElbGateway } from '../../lib/elb/gateway';
import { DEFAULT_INSTALLATION, ecsFamily } from '../../lib/inventory/naming';
import { createAlarmClient, createMetricReader } from '../../lib/scaling/cloudwatch';
import { evaluateScaling } from '../../lib/scaling/evaluate';
import type { ScalingChange } from '../../lib/scaling/evaluation';
import { createTargetHealthReader } from '../../lib/scaling/target-health';

const MINUTE = 60_000;
const EVALUATION_OFFSET_MS = 5_000;
/** The task definitions' CPU units. */
export const TASK_CPU = 256;

/** The queue a fuzzed queue worker scales on (the fuzzer answers its backlog; no SQS is called). */
export const queueUrlOf = (service: string) =>
  `https://sqs.us-east-1.amazonaws.com/000000000000/fz-${service}`;

export const startScaling = async (fleet: Fleet) => {
  const backlogs = new Map<string, { visible: number; inFlight: number }>();
  const cloudWatch = await startFleetCloudWatch(fleet);
  const metrics = createMetricReader(cloudWatch.client);
  const alarms = createAlarmClient(cloudWatch.client);
  const reconcileQueue = simReconcileQueue(fleet.reconcileQueue, fleet.time.now);
  // Request-count policies read their target groups' health as the scaler's adapter does (lib/wiring.ts).
  // The evaluator runs alone at a frozen instant (evaluateIfDue): a throttled read must not wait on a clock
  // nobody moves. Its retries go at once, and a read still throttled is a read failure, retried next minute.
  const elb = fleet.loadBalancing
    ? createElbGateway({ client: fleet.loadBalancing.client, sleep: async () => undefined })
    : undefined;
  const targets = elb ? createTargetHealthReader(elb) : { healthyTargets: async () => 0 };
  let nextAt = Math.ceil((fleet.time.now() + 1) / MINUTE) * MINUTE + EVALUATION_OFFSET_MS;
  return {
    /** Sets a task definition family's total CPU demand, in tasks' worth (1 = one task's whole CPU). */
    setDemand(family: string, tasksWorth: number) {
      fleet.server.ecs.usage.setDemand(
        CLUSTER,
        ecsFamily(DEFAULT_INSTALLATION, family),
        { cpu: Math.round(tasksWorth * TASK_CPU) },
        fleet.time.now(),
      );
    },
    /** Sets a queue worker's backlog: messages waiting and in flight. */
    setBacklog(service: string, visible: number, inFlight: number) {
      backlogs.set(queueUrlOf(service), { visible, inFlight });
    },
    backlogOf: (service: string) => backlogs.get(queueUrlOf(service)),
    /** Runs the evaluator if a minute's run is due; what it changed. */
    async evaluateIfDue(): Promise<ScalingChange[]> {
      if (fleet.time.now() < nextAt) return [];
      nextAt += MINUTE;
      const report = await fleet.time.io(() =>
        evaluateScaling({
          scaling: fleet.scaling,
          store: fleet.store,
          metrics,
          alarms,
          queues: { backlog: async (url) => backlogs.get(url) ?? { visible: 0, inFlight: 0 } },
          targets,
          enqueue: (requests) => reconcileQueue.enqueue(requests),
          now: fleet.time.now(),
          newId: fleet.newId,
        }),
      );
      return report.changes;
    },
    stop: () => cloudWatch.close(),
  };
};

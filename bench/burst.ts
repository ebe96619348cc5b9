/**
 * burst: one service scaled from 0 to N tasks (5,000 by default) through the real pipeline on virtual
 * time, every function held to its deployed timeout (a pass still running then is killed, as Lambda
 * would). The bound is Fargate's launch rate: no pass may lose time to replays or to dying at its timeout.
 */
import { launchBoundSeconds, taskDefinitionBody } from './pipeline';
import { CLUSTER, startFleet } from './support/fleet';

export interface BurstOptions {
  tasks: number;
  workers: number;
  eventWorkers: number;
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const TARGET_RATIO = 1.15;
const BURST_FAMILY = 'burst';

export const runBurst = async (options: BurstOptions) => {
  const fleet = await startFleet({ workers: options.workers, eventWorkers: options.eventWorkers });
  try {
    fleet.setDesiredPerService(options.tasks);
    // A family of its own: the process-wide cache of ECS task definition ARNs (lib/ecs/task-definitions.ts)
    // remembers 'web' from converge's ECS endpoint, which this fleet's endpoint never registered.
    await fleet.api('POST', '/task-definitions', { ...taskDefinitionBody, family: BURST_FAMILY });
    const startedAt = fleet.time.now();
    let convergedAt: number | undefined;
    fleet.onRunningCount((count, at) => {
      if (count >= options.tasks && convergedAt === undefined) convergedAt = at;
    });
    fleet.enableSchedule();
    await fleet.api('POST', `/clusters/${CLUSTER}/services`, {
      serviceName: 'burst',
      taskDefinition: BURST_FAMILY,
      desiredCount: options.tasks,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    });
    const progressEveryMs = Number(process.env.BENCH_PROGRESS_MS ?? 60_000);
    let nextProgressAt = startedAt + progressEveryMs;
    await fleet.runUntil(() => {
      if (fleet.time.now() >= nextProgressAt) {
        nextProgressAt += progressEveryMs;
        process.stderr.write(
          `  burst: ${Math.round((fleet.time.now() - startedAt) / 1000)} s simulated, ${fleet.running()}/${options.tasks} running, ` +
            `passes ${JSON.stringify(fleet.reconcileOutcomes())}, killed ${JSON.stringify(fleet.killedAtTimeout())}\n`,
        );
      }
      return convergedAt !== undefined;
    });
    fleet.onRunningCount(undefined);
    const simulatedSeconds = (convergedAt! - startedAt) / 1000;
    const lowerBoundSeconds = launchBoundSeconds(options.tasks);
    const ratio = simulatedSeconds / lowerBoundSeconds;
    const passesKilledAtTimeout = fleet.killedAtTimeout().reconcileWorker;
    const maxTasksOverCap = fleet.maxOverCap();
    return {
      name: 'burst',
      services: 1,
      tasks: options.tasks,
      simulatedSeconds: round(simulatedSeconds),
      lowerBoundSeconds: round(lowerBoundSeconds),
      ratio: round(ratio),
      passesKilledAtTimeout,
      maxTasksOverCap,
      target: { ratioAtMost: TARGET_RATIO, maxTasksOverCap: 0 },
      pass: ratio <= TARGET_RATIO && maxTasksOverCap === 0,
    };
  } finally {
    await fleet.stop();
  }
};

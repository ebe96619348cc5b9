/**
 * progressive: CANARY and LINEAR deployments of N services through the real pipeline on virtual time
 * (bench/support/fleet.ts, load-balanced), each service behind its own production rule with a constant
 * request rate (bench/support/progressive-world.ts). Scenarios, one after the other on the same fleet, every
 * service's deploy spread evenly over a minute so the first shifts fall at every phase of the minute:
 *   - good: a healthy revision, canary (5 %, 2 min) and linear (20 % steps, 1 min each);
 *   - bad: a revision answering 5 % 5xx (image tag `errors5`), judged by an ECS-style alarm, then by
 *     Tugboat's analysis, canary and linear each.
 * Times come from the load balancer (when a rule's weights changed) and from the reconciler's writes
 * (when a deployment was COMPLETED or FAILED); requests from the rules' weights at the constant rate,
 * checked against the local traffic model's own counts.
 */
import { settle, taskDefinitionBody } from './pipeline';
import { CLUSTER, type Fleet, startFleet } from './support/fleet';
import {
  configuredSeconds,
  firstShareAt,
  groupShareMs,
  peakPerSecond,
  percentile,
  type ShiftSettings,
} from './support/progressive-stats';
import { ALARM_PERCENT, ERROR_PERCENT, summarize } from './support/progressive-summary';
import {
  type ProgressiveService,
  type ProgressiveWorld,
  startProgressiveWorld,
} from './support/progressive-world';

export interface ProgressiveOptions {
  services: number;
  tasks: number;
  workers: number;
  eventWorkers: number;
  /** Requests a second on each service's listener (default 100). */
  requestsPerSecond?: number;
}

type Judge = 'none' | 'alarm' | 'analysis';
interface Scenario {
  name: string;
  kind: 'good' | 'bad';
  strategy: 'CANARY' | 'LINEAR';
  judge: Judge;
}

/** The final bake after all traffic moved: long enough for an alarm of 3 one-minute datapoints to fire. */
export const BAKE_MINUTES = 5;
const MINUTE_MS = 60_000;

const settingsOf = (strategy: Scenario['strategy']): ShiftSettings =>
  strategy === 'CANARY'
    ? { strategy, canaryBakeTimeInMinutes: 2, bakeTimeInMinutes: BAKE_MINUTES }
    : { strategy, stepPercent: 20, stepBakeTimeInMinutes: 1, bakeTimeInMinutes: BAKE_MINUTES };

const SCENARIOS: Scenario[] = [
  { name: 'good-canary', kind: 'good', strategy: 'CANARY', judge: 'none' },
  { name: 'good-linear', kind: 'good', strategy: 'LINEAR', judge: 'none' },
  { name: 'bad-canary-alarm', kind: 'bad', strategy: 'CANARY', judge: 'alarm' },
  { name: 'bad-linear-alarm', kind: 'bad', strategy: 'LINEAR', judge: 'alarm' },
  // analysis cannot be taken off a service again, so its scenarios come last.
  { name: 'bad-canary-analysis', kind: 'bad', strategy: 'CANARY', judge: 'analysis' },
  { name: 'bad-linear-analysis', kind: 'bad', strategy: 'LINEAR', judge: 'analysis' },
];

const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const seconds = (ms: number) => ms / 1000;
const spread = (values: number[]) => ({
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  max: round(percentile(values, 100)),
});

const deploymentConfiguration = (scenario: Scenario, alarmName: string) => {
  const settings = settingsOf(scenario.strategy);
  return {
    minReadySeconds: 0,
    strategy: scenario.strategy,
    canaryConfiguration:
      scenario.strategy === 'CANARY'
        ? { canaryPercent: 5, canaryBakeTimeInMinutes: settings.canaryBakeTimeInMinutes }
        : undefined,
    linearConfiguration:
      scenario.strategy === 'LINEAR'
        ? { stepPercent: settings.stepPercent, stepBakeTimeInMinutes: settings.stepBakeTimeInMinutes }
        : undefined,
    bakeTimeInMinutes: settings.bakeTimeInMinutes,
    alarms: { alarmNames: [alarmName], enable: scenario.judge === 'alarm', rollback: true },
    ...(scenario.judge === 'analysis'
      ? { analysis: { maxErrorRatePercent: ALARM_PERCENT, intervalSeconds: 60, failureLimit: 1 } }
      : {}),
  };
};

const registerRevision = async (fleet: Fleet, image: string): Promise<string> => {
  const body = (await fleet.api('POST', '/task-definitions', {
    ...taskDefinitionBody,
    containerDefinitions: [{ ...taskDefinitionBody.containerDefinitions[0], image }],
  })) as { family?: string; revision?: number; taskDefinitionArn?: string };
  if (body.revision !== undefined) return `${taskDefinitionBody.family}:${body.revision}`;
  return (body.taskDefinitionArn ?? '').split('/').at(-1) ?? '';
};

interface Deploy {
  service: ProgressiveService;
  deploymentId: string;
  from: string;
  to: string;
  at: number;
}

/** PATCHes every service to `revision`, spread evenly over `spreadMs`; runs until each deploy is decided. */
const deployAll = async (
  fleet: Fleet,
  world: ProgressiveWorld,
  targets: ProgressiveService[],
  revision: string,
  configOf: (service: ProgressiveService, to: string) => Record<string, unknown>,
  spreadMs: number,
  label: string,
): Promise<Deploy[]> => {
  const deploys: Deploy[] = [];
  const started = fleet.time.now();
  const wallStarted = performance.now();
  let next = 0;
  const inFlight: Promise<void>[] = [];
  let failure: unknown;
  const deploy = async (service: ProgressiveService) => {
    const from = world.servingGroup(service);
    const to = from === service.blue ? service.green : service.blue;
    const at = fleet.time.now();
    const body = (await fleet.api('PATCH', `/clusters/${CLUSTER}/services/${service.name}`, {
      taskDefinition: revision,
      deploymentConfiguration: configOf(service, to),
    })) as { deployments: { id: string; status: string }[] };
    const deploymentId = body.deployments.find((d) => d.status === 'PRIMARY')?.id as string;
    world.watched.set(deploymentId, {});
    deploys.push({ service, deploymentId, from, to, at });
  };
  let nextProgressAt = started + MINUTE_MS;
  await fleet.runUntil(() => {
    if (failure) throw failure;
    const now = fleet.time.now();
    while (next < targets.length && now >= started + (next * spreadMs) / targets.length) {
      inFlight.push(
        deploy(targets[next++]!).catch((error: unknown) => {
          failure = error;
        }),
      );
    }
    const decided = deploys.filter(({ deploymentId, service, to }) => {
      const record = world.watched.get(deploymentId);
      if (record?.completedAt !== undefined) return true;
      return record?.failedAt !== undefined && (world.ruleWeights(service.ruleArn)[to] ?? 0) === 0;
    }).length;
    if (now >= nextProgressAt) {
      nextProgressAt += MINUTE_MS;
      process.stderr.write(
        `  progressive ${label}: ${Math.round(seconds(now - started))} s simulated, ${decided}/${targets.length} decided, ${Math.round(seconds(performance.now() - wallStarted))} s wall\n`,
      );
    }
    return next >= targets.length && deploys.length === targets.length && decided === targets.length;
  });
  await Promise.all(inFlight);
  await settle(fleet);
  return deploys;
};

const runScenario = async (
  fleet: Fleet,
  world: ProgressiveWorld,
  scenario: Scenario,
  options: Required<ProgressiveOptions>,
) => {
  const lb = fleet.loadBalancing!;
  const image =
    scenario.kind === 'bad'
      ? `bench/app:${scenario.name}-errors${ERROR_PERCENT}`
      : `bench/app:${scenario.name}`;
  const revision = await registerRevision(fleet, image);
  const alarmName = (service: ProgressiveService) => `pb-${scenario.name}-${service.name}`;
  // 1 % of the service's requests a minute: the bad group's 5xx over it is the service's 5xx rate over 1 %.
  const threshold = (options.requestsPerSecond * 60 * ALARM_PERCENT) / 100;
  const elbBefore = lb.counter.snapshot();
  const describeBudgetBefore = lb.describeBudget.snapshot();
  const ecsBefore = fleet.ecsCounter.snapshot();
  const cloudWatchBefore = world.cloudWatchCounter.snapshot();
  const elbLogStart = world.elbCallLog.length;
  const cloudWatchLogStart = world.cloudWatchCallLog.length;
  const wallStarted = performance.now();
  const deploys = await deployAll(
    fleet,
    world,
    world.services,
    revision,
    (service, to) => {
      if (scenario.judge === 'alarm') world.putAlarm(alarmName(service), service, to, threshold);
      return deploymentConfiguration(scenario, alarmName(service));
    },
    MINUTE_MS,
    scenario.name,
  );
  const endedAt = fleet.time.now();

  const durations: number[] = [];
  const deployToCompleted: number[] = [];
  // Where a good deployment's time goes: before its first shift, shifting to 100 %, after (bake, clean-up).
  const phases = { toFirstShift: [] as number[], shifting: [] as number[], fullToCompleted: [] as number[] };
  const detect: number[] = [];
  const shiftBack: number[] = [];
  let completed = 0;
  let failed = 0;
  let badShareMs = 0;
  let allMs = 0;
  const reasons: Record<string, number> = {};
  for (const d of deploys) {
    const record = world.watched.get(d.deploymentId) ?? {};
    const timeline = world.timelines.get(d.service.ruleArn) ?? [];
    const firstShiftAt = firstShareAt(timeline, d.to, d.at, (share) => share > 0);
    let endAt = record.completedAt ?? endedAt;
    if (record.completedAt !== undefined) {
      completed++;
      deployToCompleted.push(seconds(record.completedAt - d.at));
      if (firstShiftAt !== undefined) {
        durations.push(seconds(record.completedAt - firstShiftAt));
        const fullAt = firstShareAt(timeline, d.to, firstShiftAt, (share) => share >= 1);
        phases.toFirstShift.push(seconds(firstShiftAt - d.at));
        if (fullAt !== undefined) {
          phases.shifting.push(seconds(fullAt - firstShiftAt));
          phases.fullToCompleted.push(seconds(record.completedAt - fullAt));
        }
      }
    } else if (record.failedAt !== undefined) {
      failed++;
      // What failed it: analysis, an alarm (whichever), or the reason's first words.
      const reason = record.reason ?? '';
      const kind = reason.startsWith('analysis')
        ? 'analysis'
        : reason.startsWith('CloudWatch alarm')
          ? 'alarm'
          : reason.split(':')[0]!;
      reasons[kind] = (reasons[kind] ?? 0) + 1;
      if (firstShiftAt !== undefined) detect.push(seconds(record.failedAt - firstShiftAt));
      const backAt = firstShareAt(timeline, d.to, record.failedAt, (share) => share === 0);
      if (backAt !== undefined) {
        shiftBack.push(seconds(backAt - record.failedAt));
        endAt = backAt;
      }
    }
    badShareMs += groupShareMs(timeline, d.to, d.at, endAt);
    allMs += endAt - d.at;
  }
  // The same requests as the local traffic model counted them, over the whole minutes of the scenario.
  const firstMinute = Math.floor(Math.min(...deploys.map((d) => d.at)) / MINUTE_MS) * MINUTE_MS;
  const lastMinute = Math.floor(endedAt / MINUTE_MS) * MINUTE_MS;
  const newGroups = new Set(deploys.map((d) => d.to));
  const fromWeights = deploys.reduce(
    (sum, d) =>
      sum + groupShareMs(world.timelines.get(d.service.ruleArn) ?? [], d.to, firstMinute, lastMinute),
    0,
  );
  const settings = settingsOf(scenario.strategy);
  const configured = configuredSeconds(settings);
  const elbCalls = Object.fromEntries(
    Object.entries(lb.counter.snapshot()).map(([action, count]) => [
      action,
      count.calls - (elbBefore[action]?.calls ?? 0),
    ]),
  );
  const elbThrottled = Object.entries(lb.counter.snapshot()).reduce(
    (sum, [action, count]) => sum + count.throttled - (elbBefore[action]?.throttled ?? 0),
    0,
  );
  const describeBudget = lb.describeBudget.snapshot();
  const elbDescribeOverPublishedBudget = describeBudget.overBudget - describeBudgetBefore.overBudget;
  const cloudWatchCalls = Object.fromEntries(
    Object.entries(world.cloudWatchCounter.snapshot()).map(([action, count]) => [
      action,
      count.calls - (cloudWatchBefore[action]?.calls ?? 0),
    ]),
  );
  // RunTask and StopTask share ECS's cluster-resource modify bucket (40 a second): a clean-up of many
  // services at once is paced by it, and its throttled attempts show here.
  const ecsCalls = Object.fromEntries(
    Object.entries(fleet.ecsCounter.snapshot()).flatMap(([action, count]) => {
      const calls = count.calls - (ecsBefore[action]?.calls ?? 0);
      const throttled = count.throttled - (ecsBefore[action]?.throttled ?? 0);
      return calls > 0 ? [[action, { calls, throttled }]] : [];
    }),
  );
  const elbCallsTotal = Object.values(elbCalls).reduce((sum, calls) => sum + calls, 0);
  // Only the actions called during the scenario (the set-up's Create* calls were before it).
  const perDeployment = (calls: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(calls).flatMap(([action, n]) => (n > 0 ? [[action, round(n / deploys.length, 2)]] : [])),
    );
  const result = {
    scenario: scenario.name,
    strategy: scenario.strategy,
    judge: scenario.judge,
    image,
    settings,
    configuredSeconds: configured,
    deployments: deploys.length,
    completed,
    failed,
    failedBy: reasons,
    ...(scenario.kind === 'good'
      ? {
          durationSeconds: spread(durations),
          durationRatio: round(percentile(durations, 99) / configured, 3),
          durationRatioP50: round(percentile(durations, 50) / configured, 3),
          deployToCompletedSeconds: spread(deployToCompleted),
          phaseSeconds: {
            toFirstShift: spread(phases.toFirstShift),
            shifting: spread(phases.shifting),
            fullToCompleted: spread(phases.fullToCompleted),
          },
        }
      : {
          detected: detect.length,
          undetected: deploys.length - failed,
          detectSeconds: spread(detect),
          shiftBackSeconds: spread(shiftBack),
          badRequestFraction: round(allMs > 0 ? badShareMs / allMs : 0, 4),
        }),
    requestsCheck: {
      minutes: [new Date(firstMinute).toISOString(), new Date(lastMinute).toISOString()],
      newGroupsFromWeights: Math.round((fromWeights * options.requestsPerSecond) / 1000),
      newGroupsTrafficModel: Math.round(world.modelRequests(newGroups, firstMinute, lastMinute)),
    },
    ecsCalls,
    elbCallsPerDeployment: round(elbCallsTotal / deploys.length, 2),
    elbCallsPerDeploymentByAction: perDeployment(elbCalls),
    elbThrottled,
    elbDescribeOverPublishedBudget,
    elbPeakCallsPerSecond: peakPerSecond(world.elbCallLog.slice(elbLogStart)),
    cloudWatchCallsPerDeploymentByAction: perDeployment(cloudWatchCalls),
    cloudWatchPeakCallsPerSecond: peakPerSecond(world.cloudWatchCallLog.slice(cloudWatchLogStart)),
    simulatedSeconds: round(seconds(endedAt - Math.min(...deploys.map((d) => d.at)))),
    wallSeconds: round(seconds(performance.now() - wallStarted)),
  };
  const completedServices = deploys
    .filter((d) => world.watched.get(d.deploymentId)?.completedAt !== undefined)
    .map((d) => d.service);
  return { result, completedServices };
};

type ScenarioResult = Awaited<ReturnType<typeof runScenario>>['result'];
/** A bad revision that completed keeps serving: a healthy one replaces it (not measured) before the next. */
const restoreHealthy = async (
  fleet: Fleet,
  world: ProgressiveWorld,
  serving: ProgressiveService[],
  tag: string,
) => {
  if (serving.length === 0) return;
  const revision = await registerRevision(fleet, `bench/app:restore-${tag}`);
  await deployAll(
    fleet,
    world,
    serving,
    revision,
    () => ({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 100, canaryBakeTimeInMinutes: 0 },
      bakeTimeInMinutes: 0,
    }),
    0,
    `restore after ${tag}`,
  );
};

export const runProgressive = async (input: ProgressiveOptions) => {
  const options: Required<ProgressiveOptions> = { requestsPerSecond: 100, ...input };
  const wallStarted = performance.now();
  const fleet = await startFleet({
    workers: options.workers,
    eventWorkers: options.eventWorkers,
    loadBalanced: true,
  });
  let world: ProgressiveWorld | undefined;
  try {
    world = await startProgressiveWorld(fleet, { services: options.services });
    const firstRevision = await registerRevision(fleet, 'bench/app:first');
    // The first revision of a service has nothing to shift from: it rolls out in place.
    let created = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (created < world!.services.length) {
          const service = world!.services[created++]!;
          await fleet.api('POST', `/clusters/${CLUSTER}/services`, {
            serviceName: service.name,
            taskDefinition: firstRevision,
            desiredCount: options.tasks,
            networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
            deploymentConfiguration: { minReadySeconds: 0, strategy: 'CANARY' },
            loadBalancers: [
              {
                targetGroupArn: service.blue,
                containerName: 'web',
                containerPort: 80,
                advancedConfiguration: {
                  alternateTargetGroupArn: service.green,
                  productionListenerRule: service.ruleArn,
                },
              },
            ],
          });
        }
      }),
    );
    fleet.enableSchedule();
    const total = options.services * options.tasks;
    await fleet.runUntil(() => fleet.running() >= total && fleet.loadBalancing!.healthyTargets() >= total);
    await settle(fleet);
    world.setTraffic(options.requestsPerSecond);
    const scenarios: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      const { result, completedServices } = await runScenario(fleet, world, scenario, options);
      scenarios.push(result);
      process.stderr.write(`  progressive ${scenario.name}: ${JSON.stringify(result)}\n`);
      if (scenario.kind === 'bad') await restoreHealthy(fleet, world, completedServices, scenario.name);
    }
    return summarize(options, scenarios, performance.now() - wallStarted);
  } finally {
    await world?.stop();
    await fleet.stop();
  }
};

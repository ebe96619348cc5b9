/**
 * Spot fallback benchmark, in virtual time: N services of K tasks on FARGATE_SPOT lose Spot
 * capacity (every Spot task interrupted, every Spot launch refused with ECS's reason) for `outageSeconds`,
 * then get it back. The same fleet runs twice, with spotFallback enabled and without it, and a third time
 * with the fallback and a deploy of every service `deployAtSeconds` into the outage (each new
 * deployment's tasks take the fallback allowance too, so the deploy completes during the outage).
 *
 * Tugboat's planner, plan(), decides every pass, and its executor's own rules turn RunTask's answers into
 * bookkeeping (refusals.ts: a Spot capacity refusal is a Spot failure, not a failed launch). ECS is a small
 * simulation here: a launch is RUNNING after `startSeconds`, a stop STOPPED after `stopSeconds`. A service
 * is passed as the real reconciler passes it: on each of its tasks' state changes (after `eventSeconds`),
 * and when the pass asked to be woken (a hold's `until`, or the readiness poll of reconcile.ts). No
 * DynamoDB, SQS or Lambda: this measures what the decisions cost in service time, not the pipeline.
 */
import type { Deployment, Service } from '../lib/domain';
import { CAPACITY_UNAVAILABLE_REASON } from '../lib/ecs/errors';
import { plan } from '../lib/reconcile/plan/plan';
import { launchFailuresOutcome, withRefusal, withSpotCapacityFailure } from '../lib/reconcile/plan/refusals';
import type { ObservedTask, PlanResult } from '../lib/reconcile/plan/types';

export interface SpotBenchOptions {
  services: number;
  tasks: number;
  outageSeconds?: number;
  startSeconds?: number;
  stopSeconds?: number;
  eventSeconds?: number;
  fallbackAfterSeconds?: number;
  returnAfterSeconds?: number;
  /** Seconds into the outage at which the third run deploys every service (a new revision). */
  deployAtSeconds?: number;
}

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const S = 1000;

interface SimTask extends ObservedTask {
  /** When ECS changes it next (RUNNING, or STOPPED), epoch ms. */
  changeAt?: number;
}

interface SimService {
  service: Service;
  tasks: SimTask[];
  /** When the next pass is due (an event or a wake-up), epoch ms. */
  passAt: number | undefined;
  lastAllSpotAt?: number;
}

interface RunStats {
  serviceMinutesUnderDesired: number;
  onDemandTaskMinutes: number;
  spotTaskMinutes: number;
  passes: number;
  failedLaunchesCounted: number;
  /** Per service: seconds from capacity back until every task is on Spot again and nothing else is live. */
  returnSeconds: number[];
  servicesNeverBack: number;
  minRunningDuringReturn: number;
  /** Third run: per service, seconds from the deploy until its deployment COMPLETED. */
  deploySeconds: number[];
  deploysFailed: number;
}

const deploymentOf = (id: string): Deployment => ({
  id,
  status: 'PRIMARY',
  taskDefinition: 'web:1',
  desiredCount: 0,
  runningCount: 0,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: 'COMPLETED',
  rolloutStateReason: 'ECS deployment completed.',
  createdAt: new Date(T0 - 3600 * S).toISOString(),
  updatedAt: new Date(T0 - 3600 * S).toISOString(),
  lastProgressAt: new Date(T0 - 3600 * S).toISOString(),
  launchAttempts: 1,
});

const serviceOf = (
  index: number,
  tasks: number,
  fallback: boolean,
  options: Required<SpotBenchOptions>,
): Service => ({
  cluster: 'default',
  serviceName: `svc-${index}`,
  serviceArn: `arn:aws:ecs:us-east-1:000000000000:service/default/svc-${index}`,
  status: 'ACTIVE',
  taskDefinition: 'web:1',
  desiredCount: tasks,
  runningCount: tasks,
  pendingCount: 0,
  capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }],
  spotFallback: {
    enabled: fallback,
    fallbackAfterSeconds: options.fallbackAfterSeconds,
    returnAfterSeconds: options.returnAfterSeconds,
    maxOnDemandPercent: 100,
  },
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  deploymentConfiguration: {
    minimumHealthyPercent: 100,
    maximumPercent: 200,
    deploymentCircuitBreaker: { enable: true, rollback: true },
  },
  healthCheckGracePeriodSeconds: 0,
  tags: [],
  deployments: [deploymentOf(`dep-${index}`)],
  version: 1,
  statusVersion: 1,
  createdAt: new Date(T0 - 3600 * S).toISOString(),
  updatedAt: new Date(T0 - 3600 * S).toISOString(),
});

/** When reconcile.ts's wakeDelay would look at the service again. */
const wakeAt = (result: PlanResult, service: Service, now: number): number | undefined => {
  const untils = result.actions.flatMap((a) =>
    a.type === 'hold' && a.until !== undefined && a.until > now ? [a.until] : [],
  );
  if (untils.length > 0) return Math.min(...untils);
  const becomingHealthy = result.deployments.some(
    (d) => d.status === 'PRIMARY' && (d.healthyCount ?? 0) < d.desiredCount,
  );
  if (becomingHealthy || result.runningCount !== service.desiredCount) {
    const minReadyMs = (service.deploymentConfiguration.minReadySeconds ?? 40) * 1000;
    return now + Math.max(1_000, Math.min(minReadyMs, 30_000));
  }
  return undefined;
};

/** What the API does on a deploy: a new PRIMARY of web:2, the old one ACTIVE. */
const deployed = (service: Service, now: number): Service => {
  const at = new Date(now).toISOString();
  const next: Deployment = {
    ...deploymentOf(`${service.deployments[0]?.id ?? 'dep'}-2`),
    taskDefinition: 'web:2',
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment in progress.',
    desiredCount: service.desiredCount,
    createdAt: at,
    updatedAt: at,
    launchAttempts: 0,
  };
  delete next.lastProgressAt;
  const old = service.deployments.map((d) =>
    d.status === 'PRIMARY' ? { ...d, status: 'ACTIVE' as const } : d,
  );
  return { ...service, taskDefinition: 'web:2', deployments: [next, ...old] };
};

const runOnce = (fallback: boolean, options: Required<SpotBenchOptions>, deploy = false): RunStats => {
  const outageEnd = T0 + options.outageSeconds * S;
  const horizon = outageEnd + (options.returnAfterSeconds + 900) * S;
  let serial = 0;
  const fleet: SimService[] = Array.from({ length: options.services }, (_, index) => {
    const service = serviceOf(index, options.tasks, fallback, options);
    const tasks: SimTask[] = Array.from({ length: options.tasks }, () => ({
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/t${++serial}`,
      deploymentId: `dep-${index}`,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      createdAt: T0 - 3600 * S,
      startedAt: T0 - 3590 * S,
      capacityProvider: 'FARGATE_SPOT',
    }));
    return { service, tasks, passAt: undefined };
  });
  const stats: RunStats = {
    serviceMinutesUnderDesired: 0,
    onDemandTaskMinutes: 0,
    spotTaskMinutes: 0,
    passes: 0,
    failedLaunchesCounted: 0,
    returnSeconds: [],
    servicesNeverBack: 0,
    minRunningDuringReturn: Number.POSITIVE_INFINITY,
    deploySeconds: [],
    deploysFailed: 0,
  };
  const deployAt = T0 + options.deployAtSeconds * S;
  const deployDone = new Set<SimService>();
  const spotAvailable = (now: number) => now >= outageEnd;

  // Spot capacity goes: every Spot task is interrupted.
  for (const sim of fleet) {
    for (const t of sim.tasks) {
      t.desiredStatus = 'STOPPED';
      t.stopCode = 'SpotInterruption';
      t.stoppedReason = 'Your Spot Task was interrupted.';
      t.changeAt = T0 + options.stopSeconds * S;
    }
    sim.passAt = T0 + options.eventSeconds * S;
  }

  const pass = (sim: SimService, now: number) => {
    stats.passes += 1;
    sim.tasks = sim.tasks.filter((t) => t.lastStatus !== 'STOPPED' || (t.stoppedAt ?? now) > now - 900 * S);
    const result = plan({
      service: sim.service,
      observedTasks: sim.tasks,
      taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: false } },
      now,
    });
    let service: Service = {
      ...sim.service,
      deployments: result.deployments,
      runningCount: result.runningCount,
      pendingCount: result.pendingCount,
    };
    for (const action of result.actions) {
      if (action.type === 'stop') {
        const t = sim.tasks.find((task) => task.taskArn === action.taskArn);
        if (!t) continue;
        t.desiredStatus = 'STOPPED';
        t.stopCode = 'ServiceSchedulerInitiated';
        t.stoppedReason = action.reason;
        t.changeAt = now + options.stopSeconds * S;
      } else if (action.type === 'launch') {
        for (const call of action.runTaskCalls) {
          const provider = call.capacityProviderStrategy?.[0]?.capacityProvider ?? 'FARGATE';
          const refused = provider === 'FARGATE_SPOT' && !spotAvailable(now);
          const launch = { ...call, deploymentId: action.deploymentId };
          const answer = refused
            ? {
                tasks: [],
                failures: Array.from({ length: call.count }, () => ({ reason: CAPACITY_UNAVAILABLE_REASON })),
              }
            : { tasks: Array.from({ length: call.count }, () => ({})), failures: [] };
          const outcome = launchFailuresOutcome(service.serviceName, launch, answer, now);
          if (outcome.refusal)
            service = {
              ...service,
              deployments: withRefusal(service.deployments, launch.deploymentId, outcome.refusal),
            };
          if (outcome.spotCapacityFailure)
            service = {
              ...service,
              deployments: withSpotCapacityFailure(
                service.deployments,
                launch.deploymentId,
                outcome.spotCapacityFailure,
              ),
            };
          for (let i = 0; i < outcome.launched; i++) {
            sim.tasks.push({
              taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/t${++serial}`,
              deploymentId: action.deploymentId,
              lastStatus: 'PROVISIONING',
              desiredStatus: 'RUNNING',
              healthStatus: 'UNKNOWN',
              createdAt: now,
              capacityProvider: provider,
              changeAt: now + options.startSeconds * S,
            });
          }
        }
      }
    }
    stats.failedLaunchesCounted = Math.max(
      stats.failedLaunchesCounted,
      service.deployments[0]?.failedTasks ?? 0,
    );
    sim.service = service;
    sim.passAt = wakeAt(result, service, now);
  };

  for (let now = T0; now <= horizon; now += S) {
    for (const sim of fleet) {
      if (deploy && now === deployAt) {
        sim.service = deployed(sim.service, now);
        sim.passAt = now;
      }
      // ECS: due changes, each an event that brings a pass.
      for (const t of sim.tasks) {
        if (t.changeAt === undefined || t.changeAt > now) continue;
        if (t.desiredStatus === 'STOPPED') {
          t.lastStatus = 'STOPPED';
          t.stoppedAt = t.changeAt;
        } else {
          t.lastStatus = 'RUNNING';
          t.startedAt = t.changeAt;
        }
        delete t.changeAt;
        const eventAt = now + options.eventSeconds * S;
        sim.passAt = sim.passAt === undefined ? eventAt : Math.min(sim.passAt, eventAt);
      }
      if (sim.passAt !== undefined && sim.passAt <= now) pass(sim, now);
      const primary = sim.service.deployments[0];
      if (deploy && now > deployAt && !deployDone.has(sim) && primary?.taskDefinition === 'web:2') {
        if (primary.rolloutState === 'COMPLETED') stats.deploySeconds.push((now - deployAt) / S);
        if (primary.rolloutState === 'FAILED') stats.deploysFailed += 1;
        if (primary.rolloutState !== 'IN_PROGRESS') deployDone.add(sim);
      }
      // Sample once per simulated second.
      const up = sim.tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING');
      const onDemand = up.filter((t) => t.capacityProvider === 'FARGATE').length;
      if (up.length < sim.service.desiredCount) stats.serviceMinutesUnderDesired += 1 / 60;
      stats.onDemandTaskMinutes += onDemand / 60;
      stats.spotTaskMinutes += (up.length - onDemand) / 60;
      if (now >= outageEnd && sim.lastAllSpotAt === undefined) {
        const live = sim.tasks.filter((t) => t.desiredStatus === 'RUNNING');
        const allSpot =
          live.length === sim.service.desiredCount && up.length === live.length && onDemand === 0;
        if (fallback && sim.service.deployments[0]?.spotFallback?.active === false && allSpot)
          sim.lastAllSpotAt = now;
        if (!fallback && allSpot) sim.lastAllSpotAt = now;
        if (sim.lastAllSpotAt === undefined && sim.service.deployments[0]?.spotFallback?.returningSince)
          stats.minRunningDuringReturn = Math.min(stats.minRunningDuringReturn, up.length);
      }
    }
  }
  for (const sim of fleet) {
    if (sim.lastAllSpotAt === undefined) stats.servicesNeverBack += 1;
    else stats.returnSeconds.push((sim.lastAllSpotAt - outageEnd) / S);
  }
  return stats;
};

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export const runSpot = async (input: SpotBenchOptions) => {
  const options: Required<SpotBenchOptions> = {
    outageSeconds: 600,
    startSeconds: 30,
    stopSeconds: 5,
    eventSeconds: 1,
    fallbackAfterSeconds: 60,
    returnAfterSeconds: 900,
    deployAtSeconds: 180,
    ...input,
  };
  const started = performance.now();
  const withFallback = runOnce(true, options);
  const without = runOnce(false, options);
  const deploying = runOnce(true, options, true);
  const summary = (stats: RunStats) => ({
    serviceMinutesUnderDesired: round(stats.serviceMinutesUnderDesired),
    onDemandTaskMinutes: round(stats.onDemandTaskMinutes),
    spotTaskMinutes: round(stats.spotTaskMinutes),
    passes: stats.passes,
    failedLaunchesCounted: stats.failedLaunchesCounted,
    returnToSpotSeconds: {
      p50: percentile(stats.returnSeconds, 50),
      p99: percentile(stats.returnSeconds, 99),
      max: percentile(stats.returnSeconds, 100),
    },
    servicesNeverBack: stats.servicesNeverBack,
    ...(Number.isFinite(stats.minRunningDuringReturn)
      ? { minRunningDuringReturn: stats.minRunningDuringReturn }
      : {}),
  });
  const fallbackSummary = summary(withFallback);
  const deploySummary = {
    deployAtSeconds: options.deployAtSeconds,
    completed: deploying.deploySeconds.length,
    failed: deploying.deploysFailed,
    completedAfterSeconds: {
      p50: percentile(deploying.deploySeconds, 50),
      max: percentile(deploying.deploySeconds, 100),
    },
    serviceMinutesUnderDesired: round(deploying.serviceMinutesUnderDesired),
    servicesNeverBack: deploying.servicesNeverBack,
  };
  return {
    name: 'spot',
    services: options.services,
    tasksPerService: options.tasks,
    outageSeconds: options.outageSeconds,
    fallbackAfterSeconds: options.fallbackAfterSeconds,
    returnAfterSeconds: options.returnAfterSeconds,
    taskStartSeconds: options.startSeconds,
    withFallback: fallbackSummary,
    withoutFallback: summary(without),
    /** The fallback run again, with every service deployed deployAtSeconds into the outage. */
    deployDuringOutage: deploySummary,
    /** Service-minutes under desired that the fallback saved. */
    serviceMinutesSaved: round(without.serviceMinutesUnderDesired - withFallback.serviceMinutesUnderDesired),
    wallSeconds: round((performance.now() - started) / 1000),
    pass:
      withFallback.serviceMinutesUnderDesired < without.serviceMinutesUnderDesired &&
      withFallback.servicesNeverBack === 0 &&
      withFallback.failedLaunchesCounted === 0 &&
      deploySummary.completed === options.services &&
      deploySummary.completedAfterSeconds.max < options.outageSeconds - options.deployAtSeconds &&
      (fallbackSummary.minRunningDuringReturn ?? options.tasks) >= options.tasks,
  };
};

/**
 * Runs one fuzzed scenario on the benchmarks' virtual-time pipeline (bench/support/fleet.ts: the real API
 * handler, planner, executor, queues and scheduler against the local ECS and ELB endpoints) and checks
 * the invariants after every step. The run is seeded throughout, so a seed replays the same run.
 */
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { RunTaskCommandInput, RunTaskCommandOutput } from '@aws-sdk/client-ecs';
import { CLUSTER, SCHEDULE_MS, startFleet } from '../../bench/support/fleet';
import type { Service } from '../../lib/domain';
import { isCapacityUnavailable } from '../../lib/ecs/errors';
import { localDynamoDbClient } from '../../local/dynamodb';
import { type ActionWorld, applyAction } from './actions';
import type { ImageBehaviour, Scenario } from './generators';
import { Invariants, type Violation } from './invariants';
import { Ledger } from './ledger';
import { type Progressive, progressiveConfiguration, startProgressive } from './progressive';
import { startRequestTraffic } from './requests';
import { startScaling } from './scaling';
import { serviceBody, taskDefinitionBody, zeroCanComeBack } from './service-body';

/** Every run starts at the same instant, so a replay's times read alike. */
export const FUZZ_T0 = Date.parse('2026-12-01T00:00:00.000Z');
/** How often the invariants are checked, virtual ms. */
export const STEP_MS = 5_000;

export interface RunOptions {
  /** A DynamoDB Local already running (the test run's); else the fleet starts its own. */
  dynamoDbEndpoint?: string;
  /** Every line of the run's log as it happens (actions, outages, violations). */
  log?: (line: string) => void;
}

export interface RunResult {
  seed: number;
  minutes: number;
  violations: Violation[];
  log: string[];
  services: number;
  launches: number;
  /** RunTask calls Tugboat made (each call, a retry too). */
  runTaskCalls: number;
  deaths: number;
  /** Progressive services, the hook calls Tugboat made, and the operator's stops and continues it took. */
  progressive?: { services: number; hookCalls: number; operator: number };
  wallSeconds: number;
}

export const runScenario = async (scenario: Scenario, options: RunOptions = {}): Promise<RunResult> => {
  const wallStarted = performance.now();
  const log: string[] = [];
  const write = (line: string) => {
    const stamped = `[${((fleet?.time.now() ?? FUZZ_T0) - FUZZ_T0) / 1000}s] ${line}`;
    log.push(stamped);
    options.log?.(stamped);
  };
  const ledger = new Ledger();
  const invariants = new Invariants();
  const loadBalanced = scenario.services.some((s) => s.loadBalanced);
  const runId = randomBytes(4).toString('hex');
  const tableName = `fuzz-${scenario.seed}-${runId}`;
  // A family of its own per run: the ECS registrations Tugboat remembers per process (lib/ecs/task-definitions.ts)
  // would otherwise answer for an earlier run's ECS endpoint when seeds run one after another in one process.
  const familyOf = (service: string) => `${service}-${runId}`;
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  fleet = await startFleet({
    workers: 1,
    eventWorkers: 1,
    // Long steps are exact: the fleet also stops at ECS's next task change, timers and queue delays.
    stepMs: 1000,
    seed: scenario.seed,
    deterministic: true,
    startTime: FUZZ_T0,
    taskStartMs: scenario.endpoint.taskStartMs,
    taskStartJitter: scenario.endpoint.taskStartJitter,
    ecsFaultRate: scenario.endpoint.ecsFaultRate,
    loadBalanced,
    tableName,
    ...(options.dynamoDbEndpoint ? { dynamoDbEndpoint: options.dynamoDbEndpoint } : {}),
    onTaskEvent: (event) => ledger.observe(event),
  });
  const { time } = fleet;
  let scaling: Awaited<ReturnType<typeof startScaling>> | undefined;
  const draws = new Map(scenario.services.map((s) => [s.name, s]));
  const behaviours = new Map<string, ImageBehaviour>();
  const requests = startRequestTraffic(
    fleet,
    scenario.endpoint.taskStartMs,
    scenario.endpoint.taskStartJitter,
  );
  const targetGroupOwners = new Map<string, string>();
  const active = new Set<string>();
  const deleted = new Set<string>();
  let imageSerial = 100;
  const world: ActionWorld = {
    fleet,
    ledger,
    draws,
    deleted,
    setBehaviour: (taskDefinition, behaviour) => behaviours.set(taskDefinition, behaviour),
    setDemand: (service, demand) => scaling?.setDemand(familyOf(service), demand * 10),
    setBacklog: (service, visible, inFlight) => scaling?.setBacklog(service, visible, inFlight),
    setTraffic: (service, requestsPerSecond) => {
      requests.setRate(service, requestsPerSecond);
      progressive?.setRate(service, requestsPerSecond);
    },
    random: fleet.random,
    nextImageSerial: () => imageSerial++,
  };
  fleet.ecsClient.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'RunTaskCommand') return next(args);
      const input = args.input as RunTaskCommandInput;
      const call = {
        at: time.now(),
        group: input.group,
        clientToken: input.clientToken,
        count: input.count ?? 1,
        capacityProvider: input.capacityProviderStrategy?.[0]?.capacityProvider,
      };
      try {
        const result = await next(args);
        const output = result.output as RunTaskCommandOutput;
        ledger.observeRunTask({
          ...call,
          launched: output.tasks?.length ?? 0,
          capacityRefused: (output.failures ?? []).filter((f) => isCapacityUnavailable(f.reason)).length,
        });
        return result;
      } catch (error) {
        const refused = isCapacityUnavailable((error as Error).message) ? call.count : 0;
        ledger.observeRunTask({ ...call, launched: undefined, capacityRefused: refused });
        throw error;
      }
    },
    { step: 'initialize', name: 'fuzzRunTasks' },
  );
  fleet.loadBalancing?.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DeregisterTargetsCommand') {
        const input = args.input as { TargetGroupArn: string; Targets: { Id: string }[] };
        for (const target of input.Targets)
          ledger.deregistrations.push({
            targetGroupArn: input.TargetGroupArn,
            id: target.Id,
            at: time.now(),
          });
      }
      return next(args);
    },
    { step: 'initialize', name: 'fuzzDeregistrations' },
  );

  const violations = (): Violation[] => invariants.violations;
  let progressive: Progressive | undefined;
  let operatorTaken = 0;
  try {
    if (scenario.services.some((s) => s.autoScaling)) scaling = await startScaling(fleet);
    progressive = await startProgressive(fleet, scenario, FUZZ_T0);
    for (const draw of scenario.services) {
      await fleet.api('POST', '/task-definitions', taskDefinitionBody(draw, familyOf(draw.name)));
      const targetGroupArn =
        draw.loadBalanced && fleet.loadBalancing
          ? ((await requests.createTargetGroup(draw)) ??
            (await fleet.loadBalancing.createTargetGroup(`fz-${draw.name}`)))
          : undefined;
      if (targetGroupArn) targetGroupOwners.set(targetGroupArn, draw.name);
      try {
        const body = serviceBody(draw, familyOf(draw.name), targetGroupArn);
        if (draw.progressive && targetGroupArn && progressive) {
          body.loadBalancers = [await progressive.setUp(draw, targetGroupArn)];
          Object.assign(body.deploymentConfiguration, progressiveConfiguration(draw));
        }
        const created = (await fleet.api('POST', `/clusters/${CLUSTER}/services`, body)) as Service;
        active.add(draw.name);
        if (targetGroupArn) await requests.addListener(draw, targetGroupArn);
        const first = created.deployments[0]?.taskDefinition;
        if (first) behaviours.set(first, draw.image);
        scaling?.setDemand(familyOf(draw.name), draw.demand * 10);
        if (draw.autoScaling?.queue)
          scaling?.setBacklog(draw.name, draw.autoScaling.queue.visible, draw.autoScaling.queue.inFlight);
        write(`created ${draw.name}: ${JSON.stringify(body)}`);
        if (!zeroCanComeBack(draw))
          invariants.violations.push({
            invariant: 'minCapacityZeroSeesDemand',
            service: draw.name,
            at: time.now(),
            message:
              'created with minCapacity 0 and only a per-task metric (CPU): at 0 tasks it can never scale out',
          });
      } catch (error) {
        write(`create ${draw.name} refused: ${String(error).slice(0, 300)}`);
        if (zeroCanComeBack(draw) && /: 400 .*autoScaling\.minCapacity/.test(String(error)))
          invariants.violations.push({
            invariant: 'minCapacityZeroSeesDemand',
            service: draw.name,
            at: time.now(),
            message: `minCapacity ${draw.autoScaling?.minCapacity} with a queue backlog policy refused: ${String(error).slice(0, 300)}`,
          });
      }
    }
    fleet.enableSchedule();

    const end = FUZZ_T0 + scenario.minutes * 60_000;
    let spot = { available: true, since: FUZZ_T0 };
    const actions = [...scenario.actions];
    const outages = scenario.endpoint.spotOutages.flatMap((outage) => [
      { at: FUZZ_T0 + outage.fromMinute * 60_000, available: false },
      { at: FUZZ_T0 + outage.toMinute * 60_000, available: true },
    ]);
    const operatorScaledAt = new Map<string, number>();
    for (let at = FUZZ_T0 + STEP_MS; at <= end; at += STEP_MS) {
      await fleet.runUntil(() => time.now() >= at);
      const services = new Map<string, Service>();
      for (const name of active) {
        if (deleted.has(name)) continue;
        const service = await time.io(() => fleet!.store.getService(CLUSTER, name));
        if (service?.status === 'ACTIVE') services.set(name, service);
      }
      const before = invariants.violations.length;
      await invariants.check({
        now: time.now(),
        scheduleMs: SCHEDULE_MS,
        stepMs: STEP_MS,
        ledger,
        services,
        targetGroupOwners,
        behaviourOf: (taskDefinition) => behaviours.get(taskDefinition),
        eventsOf: async (name) =>
          (await time.io(() => fleet!.store.listServiceEvents(CLUSTER, name, { limit: 20 }))).items,
        draws,
        spot,
        backlogOf: (name) => scaling?.backlogOf(name),
        requestHistoryOf: (name) => requests.historyOf(name),
        operatorScaledAt: (name) => operatorScaledAt.get(name),
      });
      invariants.violations.push(...(progressive?.check(time.now()) ?? []));
      if (process.env.FUZZ_TRACE)
        for (const [name, service] of services)
          write(
            `trace ${name} desired ${service.desiredCount}: ${service.deployments
              .map(
                (d) =>
                  `${d.id.slice(8, 14)} ${d.status} ${d.rolloutState} ${d.taskDefinition} ${d.runningCount}/${d.desiredCount}${d.trafficShift ? ` ${d.trafficShift.stage} ${d.trafficShift.productionPercent}%` : ''}${d.stopRequested ? ' stop' : ''}`,
              )
              .join(' | ')}`,
          );
      for (const violation of invariants.violations.slice(before))
        write(`VIOLATION ${violation.invariant} ${violation.service}: ${violation.message}`);

      while (outages[0] && outages[0].at <= time.now()) {
        const outage = outages.shift()!;
        fleet.server.ecs.setSpotCapacity(outage.available);
        spot = { available: outage.available, since: time.now() };
        if (!outage.available) {
          // Spot capacity goes: its running tasks are interrupted (about half of them), new ones refused.
          const spot = [...ledger.tasks.values()].filter(
            (task) => task.capacityProvider === 'FARGATE_SPOT' && task.desiredStatus === 'RUNNING',
          );
          const victims = spot.filter(() => fleet!.random() < 0.5).map((task) => task.taskArn);
          fleet.server.ecs.interruptSpotTasks({ cluster: CLUSTER, tasks: victims });
          write(`Spot outage: ${victims.length} of ${spot.length} Spot tasks interrupted`);
        } else write('Spot capacity back');
      }
      while (actions[0] && FUZZ_T0 + actions[0].atMs <= time.now()) {
        const { action } = actions.shift()!;
        if (action.kind === 'scale') operatorScaledAt.set(action.service, time.now());
        try {
          const outcome = await applyAction(world, action);
          if (/^(stopped ecs|continued)/.test(outcome)) operatorTaken++;
          write(`${JSON.stringify(action)} -> ${outcome}`);
          if (action.kind === 'delete' && world.deleted.has(action.service))
            progressive?.deleted(action.service);
        } catch (error) {
          invariants.violations.push({
            invariant: 'apiAnswers',
            service: action.service,
            at: time.now(),
            message: `${action.kind} failed with ${String(error).slice(0, 400)}`,
          });
          write(`VIOLATION apiAnswers ${action.service}: ${String(error).slice(0, 400)}`);
        }
      }
      for (const change of (await scaling?.evaluateIfDue()) ?? []) {
        requests.observe(change);
        write(`scaling: ${JSON.stringify(change)}`);
      }
    }
    if (process.env.FUZZ_DEBUG) {
      const ddb = fleet.dynamoDbCounter.snapshot();
      write(
        `dynamodb ${ddb.reads} reads ${ddb.writes} writes; passes ${JSON.stringify(fleet.reconcileOutcomes())}; ecs ${JSON.stringify(fleet.ecsCounter.snapshot())}`,
      );
    }
  } finally {
    await scaling?.stop();
    await progressive?.stop();
    const endpoint = fleet.dynamoDbEndpoint;
    await fleet.stop();
    if (options.dynamoDbEndpoint) {
      const client = localDynamoDbClient(endpoint);
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      client.destroy();
    }
  }
  return {
    seed: scenario.seed,
    minutes: scenario.minutes,
    violations: violations(),
    log,
    services: scenario.services.length,
    runTaskCalls: [...ledger.runTasks.values()].reduce((sum, list) => sum + list.length, 0),
    launches: [...ledger.launches.values()].reduce((sum, list) => sum + list.length, 0),
    deaths: [...ledger.deaths.values()].reduce((sum, list) => sum + list.length, 0),
    ...(progressive
      ? {
          progressive: {
            services: scenario.services.filter((s) => s.progressive).length,
            hookCalls: progressive.hookCalls.length,
            operator: operatorTaken,
          },
        }
      : {}),
    wallSeconds: (performance.now() - wallStarted) / 1000,
  };
};

/** The one-line command that replays a seed. */
export const replayCommand = (seed: number, minutes: number): string =>
  `npm run fuzz -- --seed ${seed} --minutes ${minutes}`;

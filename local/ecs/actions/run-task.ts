/** RunTask: validation, client-token idempotency, capacity provider placement and the launch itself. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  CAPACITY_UNAVAILABLE_REASON,
  clientException,
  EcsServiceError,
  invalidParameter,
  throttled,
} from '../errors';
import { isValidFargateSize, parseTaskCpu, parseTaskMemory } from '../fargate';
import { canonicalJson, optionalInt, optionalString, readTags } from '../input';
import type { Lifecycle } from '../lifecycle';
import { type Behaviour, behaviourOf, crashAfterMsOf, planLaunch, type Tag, type TaskState } from '../model';
import { getCluster as clusterIn, type EcsState, findTaskDefinition as taskDefinitionIn } from '../state';
import type { ClusterState, Json, StrategyItem, TaskDefinitionState } from '../types';
import { describeView } from '../views';
import { readStrategy } from './clusters';

const availabilityZoneLetters = ['a', 'b', 'c', 'd', 'e', 'f'];

export const pickCapacityProviders = (
  strategy: StrategyItem[],
  count: number,
  cluster: ClusterState,
): string[] => {
  // Base first, then weights (ECS's capacity provider strategy), counted over the cluster's live tasks.
  const live = new Map<string, number>();
  for (const task of cluster.tasks.values()) {
    if (task.desiredStatus === 'RUNNING' && task.capacityProviderName) {
      live.set(task.capacityProviderName, (live.get(task.capacityProviderName) ?? 0) + 1);
    }
  }
  const picks: string[] = [];
  for (let i = 0; i < count; i++) {
    const belowBase = strategy.find((item) => (live.get(item.capacityProvider) ?? 0) < (item.base ?? 0));
    let chosen = belowBase?.capacityProvider;
    if (!chosen) {
      const weighted = strategy.filter((item) => (item.weight ?? 0) > 0);
      const candidates = weighted.length > 0 ? weighted : strategy;
      // The provider furthest below its weighted share gets the next task.
      let best = candidates[0]!;
      let bestScore = Number.POSITIVE_INFINITY;
      for (const item of candidates) {
        // Tasks placed to satisfy base do not count towards the weighted split.
        const weighted = Math.max(0, (live.get(item.capacityProvider) ?? 0) - (item.base ?? 0));
        const score = (weighted + 1) / Math.max(item.weight ?? 1, 1e-9);
        if (score < bestScore) {
          best = item;
          bestScore = score;
        }
      }
      chosen = best.capacityProvider;
    }
    picks.push(chosen);
    live.set(chosen, (live.get(chosen) ?? 0) + 1);
  }
  return picks;
};

/** 32 hex digits from the endpoint's (seeded) randomness, so a replayed run names its tasks alike. */
const seededTaskId = (random: () => number): string =>
  Array.from({ length: 4 }, () =>
    Math.floor(random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0'),
  ).join('');

export const runTaskActions = (state: EcsState, lifecycle: Lifecycle) => {
  const { arnPrefix, region, random, timing, jittered, clientTokenTtlMs, takeTokens, tasksByAddress, now } =
    state;
  const { store, emit } = lifecycle;
  const getCluster = (reference: string | undefined) => clusterIn(state, reference);
  const findTaskDefinition = (reference: string) => taskDefinitionIn(state, reference);

  const runTask = (input: Json): Json => {
    const cluster = getCluster(optionalString(input, 'cluster'));
    const count = optionalInt(input, 'count') ?? 1;
    if (count < 1 || count > 10) throw invalidParameter('count must be between 1 and 10.');
    const startedBy = optionalString(input, 'startedBy');
    if (startedBy !== undefined && startedBy.length > 128) {
      throw invalidParameter('startedBy must be at most 128 characters.');
    }
    const group = optionalString(input, 'group');
    if (group !== undefined && group.length > 255)
      throw invalidParameter('group must be at most 255 characters.');
    const clientToken = optionalString(input, 'clientToken');
    if (clientToken !== undefined) {
      const printable = [...clientToken].every(
        (char) => char.charCodeAt(0) >= 33 && char.charCodeAt(0) <= 126,
      );
      if (clientToken.length < 1 || clientToken.length > 64 || !printable) {
        throw invalidParameter(
          'clientToken must be between 1 and 64 characters, each in the ASCII range 33-126 inclusive.',
        );
      }
    }
    const reason = optionalString(input, 'reason');
    if (reason !== undefined && reason.length > 255)
      throw invalidParameter('reason must be at most 255 characters.');
    const tags = readTags(input.tags);
    const reference = optionalString(input, 'taskDefinition');
    if (!reference) throw invalidParameter('taskDefinition must be specified.');
    const definition = findTaskDefinition(reference);
    if (!definition) throw clientException('Unable to find task definition.');
    if (definition.status !== 'ACTIVE') throw clientException('TaskDefinition is inactive');

    const launchType = optionalString(input, 'launchType');
    const requestedStrategy = readStrategy(input.capacityProviderStrategy);
    if (launchType !== undefined && requestedStrategy.length > 0) {
      throw invalidParameter(
        'Specifying both a launch type and capacity provider strategy is not supported.',
      );
    }
    let strategy = requestedStrategy;
    if (launchType === undefined && strategy.length === 0) strategy = cluster.defaultCapacityProviderStrategy;
    for (const item of strategy) {
      if (!cluster.capacityProviders.includes(item.capacityProvider)) {
        throw invalidParameter(
          'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.',
        );
      }
    }
    const onFargate = launchType === 'FARGATE' || strategy.length > 0;
    if (!onFargate) {
      if (launchType !== undefined && launchType !== 'EC2' && launchType !== 'EXTERNAL') {
        throw invalidParameter(`launchType '${launchType}' is not valid.`);
      }
      // EC2 capacity is not modelled: the cluster has no container instances, as ECS would report.
      return { tasks: [], failures: [{ reason: 'No Container Instances were found in your cluster.' }] };
    }
    if (!definition.requiresCompatibilities.includes('FARGATE') && definition.networkMode !== 'awsvpc') {
      throw invalidParameter('Task definition does not support launch_type FARGATE.');
    }
    const networkConfiguration = input.networkConfiguration as Json | undefined;
    const awsvpc = networkConfiguration?.awsvpcConfiguration as Json | undefined;
    if (!awsvpc) {
      throw invalidParameter(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
      );
    }
    const subnets = Array.isArray(awsvpc.subnets) ? awsvpc.subnets.map(String) : [];
    if (subnets.length === 0) throw invalidParameter('subnets can not be empty.');
    if (subnets.length > 16) throw invalidParameter('subnets can have at most 16 items.');
    const overrides = (input.overrides ?? {}) as Json;
    const cpuText = typeof overrides.cpu === 'string' ? overrides.cpu : definition.cpu;
    const memoryText = typeof overrides.memory === 'string' ? overrides.memory : definition.memory;
    const cpu = cpuText === undefined ? undefined : parseTaskCpu(cpuText);
    const memory = memoryText === undefined ? undefined : parseTaskMemory(memoryText);
    if (cpu === undefined || memory === undefined || !isValidFargateSize(cpu, memory)) {
      throw invalidParameter(
        `No Fargate configuration exists for given values: ${cpuText ?? 'no'} CPU, ${memoryText ?? 'no'} memory. See the Amazon ECS documentation for the valid values.`,
      );
    }

    const at = now();
    let tokenHash: string | undefined;
    if (clientToken !== undefined) {
      for (const [token, entry] of cluster.clientTokens) {
        if (entry.at + clientTokenTtlMs > at) break;
        cluster.clientTokens.delete(token);
      }
      const { clientToken: _token, ...parameters } = input;
      const hash = createHash('sha256').update(canonicalJson(parameters)).digest('hex');
      tokenHash = hash;
      const seen = cluster.clientTokens.get(clientToken);
      if (seen) {
        if (seen.hash !== hash) {
          throw new EcsServiceError(
            'ConflictException',
            'The specified client token has already been used in a RunTask request with different parameters.',
            400,
            { resourceIds: seen.tasks.map((task) => task.taskArn) },
          );
        }
        // The original request's result (the AWS reference): its tasks as they are now, and its failures.
        return {
          tasks: seen.tasks.map((task) => describeView(cluster.tasks.get(task.taskId) ?? task, false)),
          failures: seen.failures,
        };
      }
    }
    if (!takeTokens('fargate-task-launch', count)) throw throttled();
    const { launched, failures } = launch(cluster, definition, count, strategy, {
      startedBy,
      group,
      tags,
      overrides,
      subnets,
      cpu,
      memory,
      at,
    });
    // A call that launched nothing (Spot without capacity) may be made again with its token.
    if (clientToken !== undefined && tokenHash !== undefined && launched.length > 0) {
      cluster.clientTokens.set(clientToken, { hash: tokenHash, at, tasks: launched, failures });
    }
    return { tasks: launched.map((task) => describeView(task, false)), failures };
  };

  /** Room on FARGATE_SPOT for one more task (taken if there is). */
  const takeSpotCapacity = (): boolean => {
    if (!state.spotCapacityAvailable) return false;
    if (state.spotTasksLeft === undefined) return true;
    if (state.spotTasksLeft <= 0) return false;
    state.spotTasksLeft -= 1;
    return true;
  };

  const launch = (
    cluster: ClusterState,
    definition: TaskDefinitionState,
    count: number,
    strategy: StrategyItem[],
    request: {
      startedBy?: string;
      group?: string;
      tags: Tag[];
      overrides: Json;
      subnets: string[];
      cpu: number;
      memory: number;
      at: number;
    },
  ): { launched: TaskState[]; failures: Json[] } => {
    const picked = strategy.length > 0 ? pickCapacityProviders(strategy, count, cluster) : [];
    // Spot capacity off or used up: each task placed on FARGATE_SPOT beyond it fails as ECS's does, the
    // rest launch.
    const failures: Json[] = [];
    const providers: string[] = [];
    for (const provider of picked) {
      if (provider === 'FARGATE_SPOT' && !takeSpotCapacity()) {
        failures.push({ reason: CAPACITY_UNAVAILABLE_REASON });
      } else providers.push(provider);
    }
    if (picked.length > 0) count = providers.length;
    const containersInput = definition.containerDefinitions.map((container) => ({
      name: String(container.name),
      image: String(container.image),
      essential: container.essential !== false,
      healthCheck: container.healthCheck as { startPeriod?: number } | undefined,
      cpu: typeof container.cpu === 'number' ? container.cpu : undefined,
      memory: typeof container.memory === 'number' ? container.memory : undefined,
    }));
    const behaviour: Behaviour = behaviourOf(containersInput);
    const essentialWithHealthCheck = containersInput.filter(
      (container) => container.essential && container.healthCheck,
    );
    const startPeriodSeconds = Math.max(
      0,
      ...essentialWithHealthCheck.map((container) => container.healthCheck?.startPeriod ?? 0),
    );
    const launched: TaskState[] = [];
    for (let i = 0; i < count; i++) {
      const taskId = state.options.seededTaskIds ? seededTaskId(random) : randomBytes(16).toString('hex');
      const taskArn = `${arnPrefix}:task/${cluster.name}/${taskId}`;
      const subnetIndex = Math.floor(random() * request.subnets.length);
      const subnetId = request.subnets[subnetIndex] ?? request.subnets[0]!;
      const zoneIndex =
        [...subnetId].reduce((sum, char) => sum + char.charCodeAt(0), 0) % availabilityZoneLetters.length;
      const task: TaskState = {
        seq: state.taskSeq++,
        taskArn,
        taskId,
        clusterName: cluster.name,
        clusterArn: cluster.arn,
        taskDefinitionArn: definition.arn,
        family: definition.family,
        startedBy: request.startedBy,
        group: request.group ?? `family:${definition.family}`,
        tags: request.tags,
        launchType: 'FARGATE',
        capacityProviderName: providers[i],
        cpu: String(request.cpu),
        memory: String(request.memory),
        availabilityZone: `${region}${availabilityZoneLetters[zoneIndex]}`,
        subnetId,
        privateIpv4Address: `10.0.${(state.taskSeq >> 8) & 255}.${state.taskSeq & 255}`,
        attachmentId: randomUUID(),
        platformVersion: '1.4.0',
        overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...request.overrides },
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        createdAt: request.at,
        containers: containersInput.map((container) => ({
          name: container.name,
          image: container.image,
          essential: container.essential,
          containerArn: `${arnPrefix}:container/${cluster.name}/${taskId}/${randomUUID()}`,
          cpu: container.cpu,
          memory: container.memory,
          hasHealthCheck: container.healthCheck !== undefined,
          lastStatus: 'PENDING',
        })),
        behaviour,
        healthStartPeriodMs: startPeriodSeconds * 1000,
        hasHealthCheck: essentialWithHealthCheck.length > 0,
        healthStatus: 'UNKNOWN',
        version: 1,
        plan: planLaunch(
          request.at,
          behaviour,
          jittered(timing.startMs),
          timing,
          { hasHealthCheck: essentialWithHealthCheck.length > 0, startPeriodMs: startPeriodSeconds * 1000 },
          crashAfterMsOf(containersInput),
        ),
        planGeneration: 0,
      };
      cluster.order.push({ seq: task.seq, id: taskId });
      tasksByAddress.set(task.privateIpv4Address, { cluster, taskId });
      state.totalTasks++;
      store(cluster, undefined, task);
      emit(task, request.at);
      launched.push(task);
    }
    return { launched, failures };
  };

  return { runTask };
};

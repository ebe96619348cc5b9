/**
 * The scenario fuzzer's draws: from one seed, a handful of services (their configuration and the image
 * behaviour of their first revision), how the endpoints behave (task start time, injected faults, Spot
 * outages) and the operator's actions over the run. Everything comes from one seeded PRNG, so a seed is
 * the whole scenario: replaying it replays the run.
 */
import { seededRandom } from '../../bench/support/random';
import {
  drawProgressive,
  drawProgressiveActions,
  type ProgressiveAction,
  type ProgressiveDraw,
  progressiveImageTag,
} from './generators-progressive';
import { drawRequestScaling, drawTrafficActions, type RequestDraw } from './generators-requests';

export type Random = () => number;

/** What a revision's containers do on the local ECS endpoint (chosen by image tag, docs/local-ecs.md). */
export type ImageBehaviour =
  | { kind: 'runs' }
  | { kind: 'crash'; afterMs: number }
  | { kind: 'pullfail' }
  | { kind: 'unhealthy' }
  /** Runs, and answers errorPercent % of its requests with 5xx, slowMs later (generators-progressive.ts). */
  | { kind: 'serves'; errorPercent: number; slowMs: number };

export interface BreakerDraw {
  enable: boolean;
  rollback: boolean;
  thresholdConfiguration?: { type: 'COUNT' | 'BOUNDED_PERCENT' | 'UNBOUNDED_PERCENT'; value: number };
}

export interface ServiceDraw {
  name: string;
  desiredCount: number;
  minimumHealthyPercent: number;
  maximumPercent: number;
  minReadySeconds: number;
  progressDeadlineSeconds: number;
  breaker: BreakerDraw;
  /** A container health check (its startPeriod, s), or none. */
  healthCheck?: { startPeriod: number };
  loadBalanced: boolean;
  /** All on FARGATE_SPOT, a FARGATE base with Spot above it, or FARGATE alone. */
  placement: 'spot' | 'mixed' | 'fargate';
  spotFallback?: {
    enabled: boolean;
    fallbackAfterSeconds: number;
    returnAfterSeconds: number;
    maxOnDemandPercent: number;
  };
  /**
   * Target tracking on CPU (targetValue %), a queue worker's backlog per task (targetValue messages), or
   * requests per target (targetValue requests a minute, generators-requests.ts).
   */
  autoScaling?: {
    minCapacity: number;
    maxCapacity: number;
    targetValue: number;
    queue?: QueueDraw;
    requests?: RequestDraw;
  };
  /** The first revision's behaviour (mostly `runs`, so the run starts from a healthy service). */
  image: ImageBehaviour;
  /** CPU demand per task as a fraction of its CPU (the auto scaling metric), changed by `demand` actions. */
  demand: number;
  /** BLUE_GREEN, CANARY or LINEAR behind listener rules of its own (generators-progressive.ts). */
  progressive?: ProgressiveDraw;
}

/** A queue worker's queue: its messages waiting (visible) and being worked on (in flight). */
export interface QueueDraw {
  visible: number;
  inFlight: number;
}

export interface EndpointDraw {
  taskStartMs: number;
  taskStartJitter: number;
  /** Fraction of ECS calls answered with HTTP 500 (half of them after applying the call). */
  ecsFaultRate: number;
  /** Minutes into the run at which FARGATE_SPOT loses and regains capacity. */
  spotOutages: { fromMinute: number; toMinute: number }[];
}

export type ActionDraw =
  | { kind: 'deploy'; service: string; image: ImageBehaviour }
  | { kind: 'rollback'; service: string }
  | { kind: 'scale'; service: string; desiredCount: number }
  | {
      kind: 'configure';
      service: string;
      minimumHealthyPercent: number;
      maximumPercent: number;
      minReadySeconds: number;
    }
  | { kind: 'breaker'; service: string; breaker: BreakerDraw }
  | { kind: 'spot-fallback'; service: string; enabled: boolean }
  | { kind: 'demand'; service: string; demand: number }
  | { kind: 'queue'; service: string; visible: number; inFlight: number }
  | { kind: 'traffic'; service: string; requestsPerSecond: number }
  | { kind: 'stop-behind'; service: string; tasks: number }
  | { kind: 'delete'; service: string }
  | Extract<ProgressiveAction, { kind: 'stop-deployment' | 'continue' | 'alarm' }>;

export interface TimedAction {
  /** Virtual ms after the run starts. */
  atMs: number;
  action: ActionDraw;
}

export interface Scenario {
  seed: number;
  minutes: number;
  services: ServiceDraw[];
  endpoint: EndpointDraw;
  actions: TimedAction[];
}

export const draws = (random: Random) => {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return { int, chance, pick };
};

type Draws = ReturnType<typeof draws>;

export const drawImage = (d: Draws, crashWeight: number): ImageBehaviour => {
  const roll = d.int(0, 99);
  if (roll < crashWeight) return { kind: 'crash', afterMs: d.int(200, 30_000) };
  if (roll < crashWeight + 8) return { kind: 'pullfail' };
  if (roll < crashWeight + 16) return { kind: 'unhealthy' };
  return { kind: 'runs' };
};

export const drawBreaker = (d: Draws): BreakerDraw => {
  const enable = d.chance(0.7);
  const rollback = enable && d.chance(0.7);
  if (!d.chance(0.5)) return { enable, rollback };
  const type = d.pick(['COUNT', 'BOUNDED_PERCENT', 'UNBOUNDED_PERCENT'] as const);
  return {
    enable,
    rollback,
    thresholdConfiguration: { type, value: type === 'COUNT' ? d.int(1, 10) : d.int(10, 200) },
  };
};

const drawService = (d: Draws, index: number): ServiceDraw => {
  const placement = d.pick(['spot', 'mixed', 'fargate', 'fargate'] as const);
  const desiredCount = d.chance(0.1) ? 0 : d.int(1, 20);
  const scaled = d.chance(0.3);
  const minCapacity = d.int(1, 4);
  const service: ServiceDraw = {
    name: `svc${index}`,
    desiredCount: scaled ? Math.max(minCapacity, desiredCount) : desiredCount,
    minimumHealthyPercent: d.pick([0, 50, 100, d.int(0, 100)]),
    maximumPercent: d.pick([100, 150, 200, d.int(100, 200)]),
    minReadySeconds: d.pick([0, d.int(0, 60)]),
    progressDeadlineSeconds: d.pick([120, 300, 600, d.int(60, 900)]),
    breaker: drawBreaker(d),
    ...(d.chance(0.4) ? { healthCheck: { startPeriod: d.int(0, 30) } } : {}),
    loadBalanced: d.chance(0.4),
    placement,
    image: drawImage(d, 6),
    demand: d.int(10, 90) / 100,
  };
  if (placement !== 'fargate' && d.chance(0.7))
    service.spotFallback = {
      enabled: true,
      fallbackAfterSeconds: d.int(0, 120),
      returnAfterSeconds: d.pick([60, 300, d.int(0, 900)]),
      maxOnDemandPercent: d.pick([100, d.int(0, 100)]),
    };
  if (scaled)
    service.autoScaling = {
      minCapacity,
      maxCapacity: d.int(Math.max(minCapacity, 2), 20),
      targetValue: d.int(30, 80),
    };
  return service;
};

const drawAction = (d: Draws, services: ServiceDraw[]): ActionDraw => {
  const service = d.pick(services).name;
  const roll = d.int(0, 99);
  if (roll < 30) return { kind: 'deploy', service, image: drawImage(d, 25) };
  if (roll < 38) return { kind: 'rollback', service };
  if (roll < 55) return { kind: 'scale', service, desiredCount: d.chance(0.1) ? 0 : d.int(1, 20) };
  if (roll < 62)
    return {
      kind: 'configure',
      service,
      minimumHealthyPercent: d.pick([0, 50, 100, d.int(0, 100)]),
      maximumPercent: d.pick([100, 150, 200, d.int(100, 200)]),
      minReadySeconds: d.int(0, 60),
    };
  if (roll < 67) return { kind: 'breaker', service, breaker: drawBreaker(d) };
  if (roll < 72) return { kind: 'spot-fallback', service, enabled: d.chance(0.5) };
  if (roll < 80) return { kind: 'demand', service, demand: d.int(5, 100) / 100 };
  if (roll < 97) return { kind: 'stop-behind', service, tasks: d.int(1, 3) };
  return { kind: 'delete', service };
};

/** The whole scenario of `seed` over `minutes` of virtual time. */
export const drawScenario = (seed: number, minutes: number): Scenario => {
  const d = draws(seededRandom(seed * 7919 + 17));
  const services = Array.from({ length: d.int(1, 4) }, (_, index) => drawService(d, index));
  const outages: EndpointDraw['spotOutages'] = [];
  if (services.some((s) => s.placement !== 'fargate') && d.chance(0.6)) {
    let from = d.int(1, Math.max(2, Math.floor(minutes / 2)));
    while (from < minutes - 1 && outages.length < 3) {
      const to = Math.min(minutes, from + d.int(1, 15));
      outages.push({ fromMinute: from, toMinute: to });
      from = to + d.int(5, 30);
    }
  }
  const endpoint: EndpointDraw = {
    taskStartMs: d.int(200, 5000),
    taskStartJitter: d.pick([0, 0.2, 0.5]),
    ecsFaultRate: d.pick([0, 0, d.int(0, 20) / 100]),
    spotOutages: outages,
  };
  // About one action every 2-4 minutes, after the first minute (the fleet is created at 0).
  const actions: TimedAction[] = [];
  let at = d.int(60, 120) * 1000;
  while (at < minutes * 60_000) {
    actions.push({ atMs: at, action: drawAction(d, services) });
    at += d.int(60, 240) * 1000;
  }
  // Queue workers, scale to zero and Spot through a deploy come from a stream of their own, so the draws
  // above (and the seeds kept for them) stay as they were.
  const e = draws(seededRandom(seed * 7919 + 29));
  for (const service of services) drawQueueWorker(e, service);
  actions.push(...drawQueueActions(e, services, minutes), ...drawOutageActions(e, services, outages));
  // Request-count scaling: a stream of its own again, so the streams above draw as they did.
  const r = draws(seededRandom(seed * 7919 + 41));
  for (const service of services) drawRequestScaling(r, service);
  actions.push(...drawTrafficActions(r, services, minutes));
  // Progressive delivery: a fourth stream, drawn last, so every stream above draws as it did.
  const p = draws(seededRandom(seed * 7919 + 53));
  for (const service of services) drawProgressive(p, service);
  actions.push(...drawProgressiveActions(p, services, minutes));
  actions.sort((a, b) => a.atMs - b.atMs);
  return { seed, minutes, services, endpoint, actions };
};

/**
 * Some services become queue workers (target tracking on the backlog per task), some of them with
 * minCapacity 0; a few CPU-scaled ones ask for minCapacity 0, which the API must refuse.
 */
const drawQueueWorker = (e: Draws, service: ServiceDraw): void => {
  const roll = e.int(0, 99);
  if (roll < 35) {
    const minCapacity = e.pick([0, 0, 1, 2]);
    service.autoScaling = {
      minCapacity,
      maxCapacity: e.int(Math.max(minCapacity, 2), 12),
      targetValue: e.int(1, 10),
      queue: { visible: e.int(0, 40), inFlight: e.pick([0, e.int(1, 30)]) },
    };
    service.desiredCount = Math.min(
      service.autoScaling.maxCapacity,
      Math.max(minCapacity, service.desiredCount),
    );
  } else if (roll < 42 && service.autoScaling) service.autoScaling.minCapacity = 0;
};

/** The queue's backlog changes every 1-4 minutes: jobs arrive, are taken, finish; sometimes all go. */
const drawQueueActions = (e: Draws, services: ServiceDraw[], minutes: number): TimedAction[] => {
  const actions: TimedAction[] = [];
  for (const service of services) {
    if (!service.autoScaling?.queue) continue;
    for (let at = e.int(30, 120) * 1000; at < minutes * 60_000; at += e.int(60, 240) * 1000) {
      const quiet = e.chance(0.25);
      actions.push({
        atMs: at,
        action: {
          kind: 'queue',
          service: service.name,
          visible: quiet ? 0 : e.int(0, 60),
          inFlight: quiet ? 0 : e.pick([0, e.int(1, 40)]),
        },
      });
    }
  }
  return actions;
};

/**
 * During a Spot outage, a service on its fallback is deployed (an image that runs), sometimes rolled back
 * after it, and sometimes has its fallback turned off.
 */
const drawOutageActions = (
  e: Draws,
  services: ServiceDraw[],
  outages: EndpointDraw['spotOutages'],
): TimedAction[] => {
  const actions: TimedAction[] = [];
  for (const outage of outages) {
    for (const service of services) {
      const fallback = service.spotFallback;
      if (!fallback || !e.chance(0.5)) continue;
      let at = outage.fromMinute * 60_000 + (fallback.fallbackAfterSeconds + e.int(30, 90)) * 1000;
      if (at >= outage.toMinute * 60_000) continue;
      actions.push({ atMs: at, action: { kind: 'deploy', service: service.name, image: { kind: 'runs' } } });
      if (e.chance(0.4)) {
        at += e.int(20, 90) * 1000;
        actions.push({ atMs: at, action: { kind: 'rollback', service: service.name } });
      }
      if (e.chance(0.3))
        actions.push({
          atMs: at + e.int(30, 90) * 1000,
          action: { kind: 'spot-fallback', service: service.name, enabled: false },
        });
    }
  }
  return actions;
};

/** The image reference a behaviour gets on the local ECS endpoint. */
export const imageOf = (behaviour: ImageBehaviour, serial: number): string => {
  switch (behaviour.kind) {
    case 'runs':
      return `nginx:v${serial}`;
    case 'crash':
      return `nginx:v${serial}-crash-${behaviour.afterMs}ms`;
    case 'pullfail':
      return `nginx:v${serial}-pullfail`;
    case 'unhealthy':
      return `nginx:v${serial}-unhealthy`;
    case 'serves':
      return `nginx:v${serial}-${progressiveImageTag(behaviour)}`;
  }
};

/** One line for a report: what the seed drew. */
export const describeScenario = (scenario: Scenario): string[] => [
  `endpoint: start ${scenario.endpoint.taskStartMs} ms (+/-${scenario.endpoint.taskStartJitter * 100}%), faults ${Math.round(scenario.endpoint.ecsFaultRate * 100)}%, Spot outages ${JSON.stringify(scenario.endpoint.spotOutages)}`,
  ...scenario.services.map((s) => `service ${JSON.stringify(s)}`),
  ...scenario.actions.map((a) => `at ${a.atMs / 1000} s: ${JSON.stringify(a.action)}`),
];

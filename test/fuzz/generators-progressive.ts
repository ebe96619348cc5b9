/**
 * Progressive delivery in a fuzzed scenario, from a draw stream of its own (so a seed's other draws stay as
 * they were): some services get BLUE_GREEN, CANARY or LINEAR behind a production listener rule of their
 * own (sometimes a test listener too), traffic through the local ELB's model, and sometimes `analysis`, an
 * alarm, an approval and lifecycle hooks at random stages whose answers are drawn; the operator deploys
 * (during a shift too), stops deployments (ROLLBACK / ABORT, during a rollback too), continues approvals,
 * fires alarms and deletes services while hooks are under way.
 */
import { LIFECYCLE_HOOK_STAGES, type LifecycleHookStage } from '../../lib/domain';

/** The draws of generators.ts (`draws`), as this file uses them. */
interface Draws {
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** One answer of an in-process hook; the n-th call of an execution gets the n-th (the last repeats). */
export type HookAnswerDraw =
  | { kind: 'SUCCEEDED' }
  | { kind: 'FAILED' }
  | { kind: 'IN_PROGRESS'; callBackDelay: number }
  /** The invoker throws (a broken invoker, not a hook's answer). */
  | { kind: 'throw' }
  /** The hook takes `ms` before it answers `answer` (over the call's timeout: a failed call). */
  | { kind: 'slow'; ms: number; answer: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS' };

export interface HookDraw {
  hookTargetArn: string;
  lifecycleStages: LifecycleHookStage[];
  timeoutInMinutes: number;
  action: 'ROLLBACK' | 'CONTINUE';
  answers: HookAnswerDraw[];
}

export interface ProgressiveDraw {
  strategy: 'BLUE_GREEN' | 'CANARY' | 'LINEAR';
  bakeTimeInMinutes: number;
  canaryPercent?: number;
  canaryBakeTimeInMinutes?: number;
  stepPercent?: number;
  stepBakeTimeInMinutes?: number;
  /** The production rule is a rule of its own (`/*`) on the listener, or the listener's default action. */
  productionOn: 'rule' | 'listener';
  testListener: boolean;
  requestsPerSecond: number;
  analysis?: {
    maxErrorRatePercent?: number;
    maxP99LatencyMs?: number;
    failureLimit: number;
    minimumRequests: number;
    compareToBaseline: boolean;
  };
  /** An alarm (answered in-process) the deployment watches, with rollback or not. */
  alarm?: { rollback: boolean };
  approval?: {
    stage: 'TEST_TRAFFIC_SHIFT' | 'PRODUCTION_TRAFFIC_SHIFT' | 'BAKE_TIME';
    onTimeout: 'ROLLBACK' | 'CONTINUE';
  };
  hooks: HookDraw[];
}

/** What these draws read and set of a service draw (generators.ts's ServiceDraw). */
interface ProgressiveServiceDraw {
  name: string;
  desiredCount: number;
  loadBalanced: boolean;
  autoScaling?: { requests?: unknown };
  progressive?: ProgressiveDraw;
}

/** A revision's behaviour for a progressive deploy (generators.ts's ImageBehaviour). */
export type ProgressiveImage =
  | { kind: 'runs' }
  | { kind: 'serves'; errorPercent: number; slowMs: number }
  | { kind: 'crash'; afterMs: number }
  | { kind: 'unhealthy' };

export type ProgressiveAction =
  | { kind: 'deploy'; service: string; image: ProgressiveImage }
  | { kind: 'stop-deployment'; service: string; stopType: 'ROLLBACK' | 'ABORT'; which: 'primary' | 'failed' }
  | { kind: 'continue'; service: string; action: 'CONTINUE' | 'ROLLBACK' }
  | { kind: 'alarm'; service: string; state: 'ALARM' | 'OK' }
  | { kind: 'traffic'; service: string; requestsPerSecond: number }
  | { kind: 'delete'; service: string };

export interface TimedProgressiveAction {
  atMs: number;
  action: ProgressiveAction;
}

export const HOOK_STAGES: readonly LifecycleHookStage[] = LIFECYCLE_HOOK_STAGES;

const drawAnswer = (e: Draws): HookAnswerDraw => {
  const roll = e.int(0, 99);
  if (roll < 40) return { kind: 'SUCCEEDED' };
  if (roll < 55) return { kind: 'FAILED' };
  if (roll < 85) return { kind: 'IN_PROGRESS', callBackDelay: e.pick([0, 1, 5, e.int(0, 60)]) };
  if (roll < 92) return { kind: 'throw' };
  return {
    kind: 'slow',
    ms: e.pick([500, 5_000, 19_000, 25_000]),
    answer: e.pick(['SUCCEEDED', 'FAILED', 'IN_PROGRESS']),
  };
};

const drawHook = (e: Draws, service: string, index: number): HookDraw => {
  const stages = HOOK_STAGES.filter(() => e.chance(0.3));
  const lifecycleStages = stages.length > 0 ? stages : [e.pick(HOOK_STAGES)];
  // Mostly an answer that ends the execution soon; sometimes several IN_PROGRESS first.
  const answers = Array.from({ length: e.int(1, 4) }, () => drawAnswer(e));
  return {
    hookTargetArn: `arn:aws:lambda:us-east-1:000000000000:function:fz-${service}-hook${index}`,
    lifecycleStages,
    timeoutInMinutes: e.pick([1, 2, 1440]),
    action: e.pick(['ROLLBACK', 'CONTINUE']),
    answers,
  };
};

/**
 * About 70 % of the load-balanced services not request-scaled, and a fifth of the others (made
 * load-balanced), deploy progressively.
 */
export const drawProgressive = (e: Draws, service: ProgressiveServiceDraw): void => {
  if (service.autoScaling?.requests) return;
  const chosen = service.loadBalanced ? e.chance(0.7) : e.chance(0.2);
  if (!chosen) return;
  service.loadBalanced = true;
  if (service.desiredCount === 0) service.desiredCount = e.int(1, 6);
  const strategy = e.pick(['BLUE_GREEN', 'CANARY', 'CANARY', 'LINEAR', 'LINEAR'] as const);
  const testListener = e.chance(0.5);
  const draw: ProgressiveDraw = {
    strategy,
    bakeTimeInMinutes: e.pick([0, 0, 1, 2]),
    productionOn: e.pick(['rule', 'listener']),
    testListener,
    requestsPerSecond: e.pick([0, 5, 50, e.int(0, 200)]),
    hooks: [],
  };
  if (strategy === 'CANARY') {
    draw.canaryPercent = e.pick([5, 10, 50, e.int(1, 1000) / 10]);
    draw.canaryBakeTimeInMinutes = e.pick([0, 1, 2]);
  }
  if (strategy === 'LINEAR') {
    draw.stepPercent = e.pick([10, 25, 50, e.int(30, 1000) / 10]);
    draw.stepBakeTimeInMinutes = e.pick([0, 1, e.int(0, 2)]);
  }
  if (e.chance(0.35))
    draw.analysis = {
      ...(e.chance(0.7)
        ? { maxErrorRatePercent: e.pick([0, 1, 5]) }
        : { maxP99LatencyMs: e.pick([50, 300]) }),
      failureLimit: e.pick([1, 1, 2]),
      minimumRequests: e.pick([1, 10, 100]),
      compareToBaseline: e.chance(0.3),
    };
  if (e.chance(0.35)) draw.alarm = { rollback: e.chance(0.8) };
  if (e.chance(0.25)) {
    const stages = [
      ...(testListener ? (['TEST_TRAFFIC_SHIFT'] as const) : []),
      ...(strategy !== 'BLUE_GREEN' ? (['PRODUCTION_TRAFFIC_SHIFT'] as const) : []),
      'BAKE_TIME' as const,
    ];
    draw.approval = { stage: e.pick(stages), onTimeout: e.pick(['ROLLBACK', 'CONTINUE']) };
  }
  if (e.chance(0.5))
    draw.hooks = Array.from({ length: e.int(1, 3) }, (_, index) => drawHook(e, service.name, index));
  service.progressive = draw;
};

const drawImage = (e: Draws): ProgressiveImage => {
  const roll = e.int(0, 99);
  if (roll < 45) return { kind: 'runs' };
  if (roll < 80)
    return { kind: 'serves', errorPercent: e.pick([0, 2, 5, 50, 100]), slowMs: e.pick([0, 0, 400]) };
  if (roll < 92) return { kind: 'crash', afterMs: e.int(200, 60_000) };
  return { kind: 'unhealthy' };
};

/**
 * Per progressive service, a deploy every 1-4 minutes (from 20 s in), and around each, drawn: a deploy
 * during its shift, a stop (ROLLBACK or ABORT), a stop of the failed deployment while it rolls back, a
 * continue, an alarm that fires (and clears), a change of traffic, and rarely a delete.
 */
export const drawProgressiveActions = (
  e: Draws,
  services: ProgressiveServiceDraw[],
  minutes: number,
): TimedProgressiveAction[] => {
  const actions: TimedProgressiveAction[] = [];
  const end = minutes * 60_000;
  for (const service of services) {
    const progressive = service.progressive;
    if (!progressive) continue;
    const name = service.name;
    const push = (atMs: number, action: ProgressiveAction) => {
      if (atMs < end) actions.push({ atMs, action });
    };
    for (let at = e.int(20, 60) * 1000; at < end; at += e.int(60, 240) * 1000) {
      push(at, { kind: 'deploy', service: name, image: drawImage(e) });
      if (e.chance(0.2))
        push(at + e.int(5, 120) * 1000, { kind: 'deploy', service: name, image: drawImage(e) });
      if (e.chance(0.3)) {
        const stopAt = at + e.int(5, 180) * 1000;
        push(stopAt, {
          kind: 'stop-deployment',
          service: name,
          stopType: e.pick(['ROLLBACK', 'ROLLBACK', 'ABORT']),
          which: 'primary',
        });
        if (e.chance(0.4))
          push(stopAt + e.int(1, 20) * 1000, {
            kind: 'stop-deployment',
            service: name,
            stopType: e.pick(['ROLLBACK', 'ABORT']),
            which: e.pick(['primary', 'failed']),
          });
      }
      if (progressive.approval && e.chance(0.7))
        push(at + e.int(10, 240) * 1000, {
          kind: 'continue',
          service: name,
          action: e.pick(['CONTINUE', 'CONTINUE', 'ROLLBACK']),
        });
      if (progressive.alarm && e.chance(0.5)) {
        // Anywhere in the shift, to the second: at its first step, mid-bake or at the bake's last second.
        const fireAt = at + e.int(10, 240) * 1000 + e.int(0, 999);
        push(fireAt, { kind: 'alarm', service: name, state: 'ALARM' });
        push(fireAt + e.int(5, 120) * 1000, { kind: 'alarm', service: name, state: 'OK' });
      }
      if (e.chance(0.15))
        push(at + e.int(5, 120) * 1000, {
          kind: 'traffic',
          service: name,
          requestsPerSecond: e.pick([0, 10, 100]),
        });
      if (e.chance(0.06)) push(at + e.int(2, 90) * 1000, { kind: 'delete', service: name });
    }
  }
  return actions;
};

/** The image reference of a progressive deploy's behaviour (the local ECS and ELB endpoints' tags). */
export const progressiveImageTag = (image: ProgressiveImage): string | undefined =>
  image.kind === 'serves'
    ? `errors${image.errorPercent}${image.slowMs > 0 ? `-slow${image.slowMs}` : ''}`
    : undefined;

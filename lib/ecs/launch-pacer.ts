/**
 * Paces Fargate launches to ECS's published launch rate (a token bucket of 100 tasks, refilled at 20
 * per second), so RunTask waits for room instead of being throttled and backing off blindly: a
 * throttled call spends API quota and leaves launch capacity unused while it sleeps. The bucket is an
 * estimate kept by this process; a throttle from ECS empties it, so concurrent processes settle too.
 */
export interface LaunchPacer {
  /** Resolves when `count` launches fit the estimated bucket, and takes them. */
  reserve(count: number): Promise<void>;
  /** ECS throttled a launch: there is no room, whatever this process thought. */
  exhausted(): void;
}

export interface LaunchPacerOptions {
  burst?: number;
  perSecond?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const FARGATE_LAUNCH_BURST = 100;
export const FARGATE_LAUNCHES_PER_SECOND = 20;

export const createLaunchPacer = (options: LaunchPacerOptions = {}): LaunchPacer => {
  const burst = options.burst ?? FARGATE_LAUNCH_BURST;
  const perSecond = options.perSecond ?? FARGATE_LAUNCHES_PER_SECOND;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let tokens = burst;
  let refilledAt = now();
  const refill = () => {
    const at = now();
    tokens = Math.min(burst, tokens + ((at - refilledAt) / 1000) * perSecond);
    refilledAt = at;
  };
  return {
    async reserve(count) {
      const needed = Math.min(count, burst);
      for (;;) {
        refill();
        if (tokens >= needed) {
          tokens -= needed;
          return;
        }
        await sleep(Math.ceil(((needed - tokens) / perSecond) * 1000));
      }
    },
    exhausted() {
      refill();
      tokens = Math.min(tokens, 0);
    },
  };
};

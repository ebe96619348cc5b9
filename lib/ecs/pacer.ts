/**
 * Paces ECS calls to a published token bucket, so a call waits for room instead of being throttled and
 * backing off blindly: a throttled call spends API quota and leaves capacity unused while it sleeps.
 * Two buckets matter to Tugboat: Fargate's task launches (100 tasks, refilled at 20 per second), which
 * RunTask reserves, and ECS's cluster-resource reads (100 calls, 20 per second), shared by ListTasks
 * and DescribeTasks, which the scheduler spends ceil(T/100) of per pass. Each bucket is an estimate
 * kept by this process; a throttle from ECS empties it, so concurrent processes settle too.
 */
export interface Pacer {
  /** Resolves when `count` tokens fit the estimated bucket, and takes them. */
  reserve(count: number): Promise<void>;
  /** ECS throttled a call: there is no room, whatever this process thought. */
  exhausted(): void;
}

export interface PacerOptions {
  burst?: number;
  perSecond?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Rate {
  burst: number;
  perSecond: number;
}

/** Fargate task launches ("Amazon ECS service quotas": 100 burst, 20 per second sustained). */
export const FARGATE_LAUNCH_RATE: Rate = { burst: 100, perSecond: 20 };
/** The cluster-resource read actions, ListTasks and DescribeTasks (ECS API request throttling). */
export const CLUSTER_RESOURCE_READ_RATE: Rate = { burst: 100, perSecond: 20 };

export const createPacer = (options: PacerOptions & Rate): Pacer => {
  const { burst, perSecond } = options;
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

/** RunTask's pacer: one token per task launched. */
export const createLaunchPacer = (options: PacerOptions = {}): Pacer =>
  createPacer({ ...FARGATE_LAUNCH_RATE, ...options });

/** ListTasks' and DescribeTasks' pacer: one token per call. */
export const createReadPacer = (options: PacerOptions = {}): Pacer =>
  createPacer({ ...CLUSTER_RESOURCE_READ_RATE, ...options });

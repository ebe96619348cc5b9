/**
 * Paces ECS calls to a published token bucket, so a call waits for room instead of being throttled and
 * backing off blindly: a throttled call spends API quota and leaves capacity unused while it sleeps.
 * Two buckets matter to Tugboat: Fargate's task launches (100 tasks, refilled at 20 per second), which
 * RunTask reserves, and ECS's cluster-resource reads (100 calls, 20 per second), shared by ListTasks
 * and DescribeTasks, which the scheduler spends ceil(T/100) of per pass. createPacer keeps the bucket
 * in this process; createSharedPacer keeps it in the store, for budgets that many processes spend at
 * once (every Lambda instance of the reconcile worker launches). Either way a throttle from ECS empties it.
 */
export interface Pacer {
  /**
   * Resolves when `count` tokens fit the estimated bucket, and takes them. With a `deadline` (epoch ms on
   * the pacer's clock), a wait that would end after it takes nothing and throws PacingDeadlineError.
   * `optional`: a call made only if there is room (a refresh), and (createSharedPacer) only while no
   * caller held back waits for its turn; turned away, it takes no turn among them.
   */
  reserve(count: number, deadline?: number, optional?: boolean): Promise<void>;
  /** Takes `count` tokens ECS already spent (a call made without reserving), without waiting. */
  charge(count: number): Promise<void>;
  /** ECS throttled a call: there is no room, whatever this process thought. */
  exhausted(): void | Promise<void>;
}

/** Room would come only after the caller's deadline: nothing was taken. */
export class PacingDeadlineError extends Error {
  /** Set by the caller: an earlier attempt of the same call may have been applied (it failed transiently). */
  mayHaveLaunched = false;

  constructor(
    /** How long until the room is expected. */
    readonly retryInMs: number,
  ) {
    super(`no launch room before the deadline; room expected in ${Math.ceil(retryInMs)} ms`);
    this.name = 'PacingDeadlineError';
  }
}

/** The clock a pacer reads and sleeps on (tests and the benchmarks bring a virtual one). */
export interface PacerOptions {
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
/** RegisterTaskDefinition and DeregisterTaskDefinition: ECS's task definition modify actions. */
export const TASK_DEFINITION_MODIFY_RATE: Rate = { burst: 20, perSecond: 1 };
/** RunTask and StopTask: ECS's cluster-resource modify actions (ECS API request throttling). */
export const CLUSTER_RESOURCE_MODIFY_RATE: Rate = { burst: 100, perSecond: 40 };

/**
 * The longest a call with a deadline (a reconcile pass's) sleeps for room. Fifty workers each sleeping up
 * to their deadline for launch room held every worker while thousands of services launched, and the
 * passes that would shift traffic or stop old tasks queued behind them until the launches were done.
 */
export const MAX_ROOM_WAIT_MS = 5_000;

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
    async reserve(count, deadline) {
      const needed = Math.min(count, burst);
      for (;;) {
        refill();
        if (tokens >= needed) {
          tokens -= needed;
          return;
        }
        const waitMs = Math.ceil(((needed - tokens) / perSecond) * 1000);
        if (deadline !== undefined && now() + waitMs > deadline) throw new PacingDeadlineError(waitMs);
        await sleep(waitMs);
      }
    },
    async charge(count) {
      refill();
      tokens -= Math.min(count, burst);
    },
    exhausted() {
      refill();
      tokens = Math.min(tokens, 0);
    },
  };
};

/** RunTask's pacer: one token per task launched. */
export const createLaunchPacer = (options: PacerOptions & Partial<Rate> = {}): Pacer =>
  createPacer({ ...FARGATE_LAUNCH_RATE, ...options });

/** ListTasks' and DescribeTasks' pacer: one token per call. */
export const createReadPacer = (options: PacerOptions & Partial<Rate> = {}): Pacer =>
  createPacer({ ...CLUSTER_RESOURCE_READ_RATE, ...options });

/** Where a shared pacer keeps its bucket (the DynamoDB store: lib/store/port.ts). */
export interface RateBudget {
  reserveRate(bucket: string, costMs: number, toleranceMs: number, nowMs: number): Promise<number>;
  drainRate(bucket: string, toleranceMs: number, nowMs: number): Promise<void>;
}

/**
 * A pacer whose bucket is shared through the store, as GCRA: each reservation moves one shared instant
 * by its cost, and waits until it conforms. N processes with in-process pacers would each assume the
 * whole bucket and together overshoot it N-fold; these stay within it together. Costs one read and one
 * conditional write per reservation. One process's reservations go to the store one at a time (the
 * waits after them overlap): concurrent callers in one process (the jobs scheduler launches 25 jobs at
 * once) would otherwise race each other for the one item, and each lost race is another read, write
 * and pause, N^2 of them for N callers.
 */
export const createSharedPacer = (
  options: PacerOptions & { budget: RateBudget; bucket: string; rate: Rate },
): Pacer => {
  const { budget, bucket } = options;
  const { burst, perSecond } = options.rate;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // Whole milliseconds: the store adds costs in decimal and compares the instant it holds with the one
  // read back as a double, so a fractional cost (1000 / 6) would never match and every write would "lose".
  const intervalMs = Math.ceil(1000 / perSecond);
  const toleranceMs = burst * intervalMs;
  let line: Promise<unknown> = Promise.resolve();
  /** The store's part of a call, after this process's calls before it (whatever they came to). */
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = line.then(work, work);
    line = turn.catch(() => undefined);
    return turn;
  };
  const heldBackLine = `${bucket}${HELD_BACK_LINE_SUFFIX}`;
  return {
    async reserve(count, deadline, optional = false) {
      const costMs = Math.min(count, burst) * intervalMs;
      const conformsAt = await inTurn(async () => {
        if (optional) {
          // Callers held back wait for their turns: an optional one would take the room at their turn
          // and send them back again, without end (a thousand deployments' reads starved for 17 min).
          const turnsUntil = await budget.reserveRate(heldBackLine, 0, 0, now());
          if (turnsUntil > now()) throw new PacingDeadlineError(turnsUntil - now());
        }
        const at = await budget.reserveRate(bucket, costMs, toleranceMs, now());
        if (deadline === undefined || at <= deadline) return at;
        if (optional) {
          await budget.reserveRate(bucket, -costMs, toleranceMs, now());
          throw new PacingDeadlineError(at - now());
        }
        // Give the reservation back: a wait past the deadline is the next pass's, not this one's. And
        // take a turn in the line of callers held back, which moves at the budget's rate: a thousand
        // held back at once come back one after another as room is expected for each, not all after
        // the same wait to find the room taken again. The turn starts no sooner than `at`.
        await budget.reserveRate(bucket, -costMs, toleranceMs, now());
        const turnAt = await budget.reserveRate(heldBackLine, costMs, costMs, at);
        throw new PacingDeadlineError(turnAt - now());
      });
      const waitMs = conformsAt - now();
      if (waitMs > 0) await sleep(Math.ceil(waitMs));
    },
    async charge(count) {
      await inTurn(() => budget.reserveRate(bucket, Math.min(count, burst) * intervalMs, toleranceMs, now()));
    },
    async exhausted() {
      await inTurn(() => budget.drainRate(bucket, toleranceMs, now()));
    },
  };
};

/** Appended to a shared budget's name: the line of the callers it held back past their deadlines. */
export const HELD_BACK_LINE_SUFFIX = '#held-back';

/** The shared Fargate launch budget of every process that launches with one store. */
export const FARGATE_LAUNCH_BUCKET = 'fargate-task-launch';
/**
 * The shared registration budget: 1,000 services of new families launching at once would otherwise each
 * retry a throttled registration every second, a storm that grows with the square of the services.
 */
export const TASK_DEFINITION_MODIFY_BUCKET = 'ecs-task-definition-modify';
/**
 * The shared stop budget: a thousand services' clean-ups at once made 12,700 StopTask calls, 9,700 of them
 * throttled, for 3,000 tasks, each retry after a random back-off whether or not room had come.
 */
export const CLUSTER_RESOURCE_MODIFY_BUCKET = 'ecs-cluster-resource-modify';

export interface EcsPacers {
  launchPacer: Pacer;
  readPacer: Pacer;
  registrationPacer: Pacer;
  modifyPacer: Pacer;
}

/**
 * One Lambda instance's pacers: ECS's rates are per account and region, so one of each serves every
 * cluster; the budgets every instance spends at once (launches, registrations, stops) are shared through
 * the store, the reads (the scheduler's, one instance at a time) kept in the process.
 */
export const createEcsPacers = (
  budget: RateBudget,
  clock: PacerOptions = {},
  /** The read pacer's clock (default `clock`): it waits in a loop, so its clock must move while it sleeps. */
  readClock: PacerOptions = clock,
): EcsPacers => ({
  launchPacer: createSharedPacer({
    ...clock,
    budget,
    bucket: FARGATE_LAUNCH_BUCKET,
    rate: FARGATE_LAUNCH_RATE,
  }),
  readPacer: createReadPacer(readClock),
  registrationPacer: createSharedPacer({
    ...clock,
    budget,
    bucket: TASK_DEFINITION_MODIFY_BUCKET,
    rate: TASK_DEFINITION_MODIFY_RATE,
  }),
  modifyPacer: createSharedPacer({
    ...clock,
    budget,
    bucket: CLUSTER_RESOURCE_MODIFY_BUCKET,
    rate: CLUSTER_RESOURCE_MODIFY_RATE,
  }),
});

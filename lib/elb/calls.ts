/**
 * How Tugboat calls Elastic Load Balancing, for both of its adapters (gateway.ts: targets; rules.ts:
 * listener rules): throttling and the service's own 5xx faults retried with full jitter, and each
 * Describe* attempt paced to ELB's published budget for them.
 *
 * ELB's user guide ("Request throttling for the ELB API") gives API version 2's non-mutating actions one
 * token bucket per account and Region: 40 tokens, refilled at 10 a second. Tugboat splits it in two, so
 * that together they never overdraw it: the reconcile scheduler's steady check (one process at a time,
 * so its share is kept in that process, at no storage cost) and everything else (reconcile passes, the
 * scaling evaluator, the API; many Lambda instances at once, so their share is kept in the store).
 * Build the SDK client with `maxAttempts: 1` (createElbClientForGateway) so its retries do not stack on these.
 */
import { defaultRetryPolicy, type RetryPolicy, retryDelayMs } from '../ecs/gateway';
import {
  createPacer,
  createSharedPacer,
  MAX_ROOM_WAIT_MS,
  type Pacer,
  type PacerOptions,
  type Rate,
  type RateBudget,
} from '../ecs/pacer';
import { DependencyError } from '../errors';

/** The published bucket of ELB API version 2's Describe* actions, per account and Region. */
export const ELB_DESCRIBE_RATE: Rate = { burst: 40, perSecond: 10 };
/** The reconcile scheduler's share, kept in its process: the steady check's DescribeTargetHealth. */
export const ELB_DESCRIBE_SCHEDULER_RATE: Rate = { burst: 16, perSecond: 5 };
/** Everyone else's share, kept in the store: reconcile passes, the scaling evaluator, the API. */
export const ELB_DESCRIBE_SHARED_RATE: Rate = {
  burst: ELB_DESCRIBE_RATE.burst - ELB_DESCRIBE_SCHEDULER_RATE.burst,
  perSecond: ELB_DESCRIBE_RATE.perSecond - ELB_DESCRIBE_SCHEDULER_RATE.perSecond,
};
/** The store's name for the shared share. */
export const ELB_DESCRIBE_BUCKET = 'elb-describe';

/** The pacer of the processes that share the store's part of the Describe* budget. */
export const createSharedElbDescribePacer = (budget: RateBudget, clock: PacerOptions = {}): Pacer =>
  createSharedPacer({ ...clock, budget, bucket: ELB_DESCRIBE_BUCKET, rate: ELB_DESCRIBE_SHARED_RATE });

/** The reconcile scheduler's pacer, in its process. */
export const createSchedulerElbDescribePacer = (clock: PacerOptions = {}): Pacer =>
  createPacer({ ...clock, ...ELB_DESCRIBE_SCHEDULER_RATE });

/** Throttling (ELB's code is `Throttling`) or a fault on the service's side. */
export const isTransientElbError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  if (
    ['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded'].includes(
      error.name,
    )
  )
    return true;
  return (error as { $fault?: string }).$fault === 'server';
};

const isThrottling = (error: unknown): boolean =>
  isTransientElbError(error) && (error as { $fault?: string }).$fault !== 'server';

/** Whether the action takes a token from the Describe* bucket. */
export const isElbDescribe = (operation: string): boolean => operation.startsWith('Describe');

export interface ElbCallOptions {
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The clock the pacer's deadlines are on (default Date.now). */
  now?: () => number;
  /** Paces each Describe* attempt (without it, nothing is paced). */
  describePacer?: Pacer;
  /**
   * The longest a Describe* waits for room (default MAX_ROOM_WAIT_MS): a longer wait throws
   * PacingDeadlineError, so a pass gives its worker back and asks for the next one when room is expected.
   */
  maxRoomWaitMs?: number;
}

/** Per call: no wait for room may end after `deadline` (epoch ms on the `now` clock). */
export interface CallDeadline {
  deadline?: number;
  /** Made only if the Describe* budget has room at once, else PacingDeadlineError (a refresh). */
  ifRoomNow?: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `call(operation, send, deadline?, ifRoomNow?)`: one ELB action, paced when it is a Describe*, retried
 * when transient; with `ifRoomNow`, made only if there is room at once (CallDeadline).
 */
export const createElbCaller = (options: ElbCallOptions = {}) => {
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const pacer = options.describePacer;
  const maxRoomWaitMs = options.maxRoomWaitMs ?? MAX_ROOM_WAIT_MS;
  const roomDeadline = (deadline: number | undefined) =>
    Math.min(deadline ?? Number.POSITIVE_INFINITY, now() + maxRoomWaitMs);

  return async <T>(
    operation: string,
    send: () => Promise<T>,
    deadline?: number,
    ifRoomNow = false,
  ): Promise<T> => {
    const paced = pacer !== undefined && isElbDescribe(operation);
    for (let attempt = 0; ; attempt++) {
      try {
        if (paced) {
          const until = ifRoomNow ? now() : roomDeadline(deadline);
          await pacer.reserve(1, Number.isFinite(until) ? until : undefined, ifRoomNow);
        }
        return await send();
      } catch (error) {
        if (!isTransientElbError(error)) throw error;
        // ELB refused for want of room, whatever the pacer thought: someone else spends the bucket too.
        if (paced && isThrottling(error)) await pacer.exhausted();
        if (attempt + 1 >= policy.maxAttempts)
          throw new DependencyError(
            `Elastic Load Balancing ${operation} still failing after ${policy.maxAttempts} attempts`,
            error,
          );
        await sleep(retryDelayMs(attempt, policy, random));
      }
    }
  };
};

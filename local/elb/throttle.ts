/**
 * ELB's request throttling ("Request throttling for the ELB API", Elastic Load Balancing user guide): a token
 * bucket per account and Region for each set of actions, and `Throttling` / `Rate exceeded` (HTTP 400) past
 * it. The guide gives the non-mutating actions (Describe*) of API version 2 a bucket of 40 tokens refilled
 * at 10 a second. The buckets of the mutating actions are in a table this emulator does not have, so they
 * are not throttled. It throttles requests from the wire only (LocalElb.serve), not a harness looking on in
 * process (LocalElb.handle). Off unless asked for (TUGBOAT_LOCAL_ELB_THROTTLE); the benchmarks' and the
 * fuzzer's fleets turn it on (bench/support/load-balancing.ts), and Tugboat paces its reads to it
 * (lib/elb/calls.ts).
 */
import { ELB_DESCRIBE_RATE, isElbDescribe } from '../../lib/elb/calls';
import { type Bucket, type BucketSpec, fullBucket, take } from '../ecs/throttle';
import { ElbServiceError } from './errors';

// The published bucket and which actions take from it: one definition, Tugboat's own (lib/elb/calls.ts).
export const ELB_NON_MUTATING_RATE: BucketSpec = ELB_DESCRIBE_RATE;

/** Whether the action takes a token from the non-mutating bucket. */
export const isNonMutating = isElbDescribe;

/**
 * The non-mutating bucket on `now`: each call of the result takes a token for a Describe* action and says
 * whether there was one (a mutating action is always let through). The emulator refuses the calls it
 * denies; the benchmarks count them.
 */
export const nonMutatingBucket = (now: () => number, spec: BucketSpec = ELB_NON_MUTATING_RATE) => {
  let bucket: Bucket = fullBucket(spec, now());
  return (action: string): boolean => {
    if (!isNonMutating(action)) return true;
    const taken = take(bucket, spec, now(), 1);
    bucket = taken.bucket;
    return taken.granted;
  };
};

/**
 * A check to call before each action: it throws ELB's Throttling error when the action's bucket is empty.
 * `scale` multiplies the bucket (1 as published; 'off' throttles nothing).
 */
export const createElbThrottle = (now: () => number, scale: 'off' | number) => {
  if (scale === 'off') return (_action: string) => undefined;
  const granted = nonMutatingBucket(now, {
    burst: Math.max(1, Math.round(ELB_NON_MUTATING_RATE.burst * scale)),
    perSecond: ELB_NON_MUTATING_RATE.perSecond * scale,
  });
  return (action: string) => {
    if (!granted(action)) throw new ElbServiceError('Throttling', 'Rate exceeded');
  };
};

/** `TUGBOAT_LOCAL_ELB_THROTTLE`: unset, empty, `off` or `0` for none, else a positive factor. */
export const elbThrottleFromEnv = (raw: string | undefined): 'off' | number => {
  if (raw === undefined || raw === '' || raw === 'off' || raw === '0') return 'off';
  const factor = Number(raw);
  if (!Number.isFinite(factor) || factor <= 0)
    throw new Error(`TUGBOAT_LOCAL_ELB_THROTTLE must be off or a positive number, got '${raw}'`);
  return factor;
};

/**
 * The scaling decision, pure: from a service's policies, their recent samples and its state to the count
 * it should have and a readable cause. Application Auto Scaling's and HPA's rules where they agree:
 * - target tracking: desired = ceil(running x value / target); within 10 % of the target nothing changes;
 * - several policies: scale out if any asks for more (the largest), scale in only if all allow it (the
 *   largest of their answers);
 * - scale-in moves at most to what every sample of the last scaleInCooldownSeconds allows (HPA's
 *   stabilization window), and not at all with disableScaleIn or while a deployment is IN_PROGRESS;
 * - no scale-out within scaleOutCooldownSeconds of the last one;
 * - a total (queue backlog per task, a custom metric marked total): desired = ceil(total / target), so it
 *   scales up from 0 and back to 0;
 * - a queue's messages in flight hold their workers: never below ceil(inFlight / target) on scale-in;
 * - the result is clamped to [min, max] (which scheduled actions may just have changed).
 */

import type { Sample } from '../domain';
export const tolerance = 0.1;

export type PolicyMetric =
  | { kind: 'CPUUtilization' | 'MemoryUtilization' | 'ALBRequestCountPerTarget' }
  | { kind: 'queueBacklogPerTask' }
  | { kind: 'custom'; metricName: string; total?: boolean };

export interface PolicyInput {
  name: string;
  metric: PolicyMetric;
  targetValue: number;
  scaleOutCooldownSeconds: number;
  scaleInCooldownSeconds: number;
  disableScaleIn: boolean;
  /** Samples of the last scaleInCooldownSeconds at least, in any order. */
  samples: readonly Sample[];
}

export interface ScalingState {
  now: number;
  /** The count the service has now (desiredCount). */
  current: number;
  /** RUNNING tasks now. */
  running: number;
  minCapacity: number;
  maxCapacity: number;
  deploymentInProgress: boolean;
  lastScaleOutAt?: number;
  /** Why min/max are what they are, when a scheduled action just changed them (for the cause). */
  rangeCause?: string;
}

export interface Decision {
  desiredCount: number;
  fromCount: number;
  direction: 'out' | 'in' | 'none';
  /** The policy that decided, if one did. */
  policy?: string;
  cause: string;
}

interface Answer {
  policy: PolicyInput;
  /** What the policy asks for; undefined when it has no opinion (no data). */
  count: number | undefined;
  sample?: Sample;
}

/** The metric is the whole demand (not a per-task value): it is seen at 0 tasks too. */
export const isTotal = (metric: PolicyMetric): boolean =>
  metric.kind === 'queueBacklogPerTask' || (metric.kind === 'custom' && metric.total === true);

const perTask = (policy: PolicyInput, sample: Sample, running: number): number | undefined => {
  if (!isTotal(policy.metric)) return sample.value;
  return running > 0 ? sample.value / running : undefined;
};

/** What one sample asks for; `current` where it is within the tolerance. */
const desiredFor = (policy: PolicyInput, sample: Sample, state: ScalingState): number | undefined => {
  const running = sample.running ?? state.running;
  if (isTotal(policy.metric)) {
    // From 0 tasks, the total alone says how many are needed; no demand needs none.
    if (running === 0)
      return sample.value > 0 ? Math.max(1, Math.ceil(sample.value / policy.targetValue)) : 0;
    if (sample.value === 0) return 0;
  } else if (running === 0) return undefined; // no utilization without tasks
  const value = perTask(policy, sample, running)!;
  if (Math.abs(value / policy.targetValue - 1) <= tolerance) return state.current;
  return Math.ceil((running * value) / policy.targetValue);
};

/** A worker for every targetValue messages in flight, and never 0 while any is: scale-in stops there. */
const inFlightFloor = (policy: PolicyInput, sample: Sample): number =>
  sample.inFlight ? Math.ceil(sample.inFlight / policy.targetValue) : 0;

const latest = (samples: readonly Sample[]) =>
  samples.reduce<Sample | undefined>(
    (found, sample) => (!found || sample.at > found.at ? sample : found),
    undefined,
  );

const label = (policy: PolicyInput): string =>
  policy.metric.kind === 'custom' ? policy.metric.metricName : policy.metric.kind;

const number = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

const describe = (policy: PolicyInput, sample: Sample, state: ScalingState, over: boolean): string => {
  const side = over ? 'over' : 'under';
  const target = number(policy.targetValue);
  switch (policy.metric.kind) {
    case 'CPUUtilization':
    case 'MemoryUtilization':
      return `${label(policy)} ${sample.value.toFixed(1)}% ${side} target ${target}%`;
    case 'queueBacklogPerTask': {
      const running = sample.running ?? state.running;
      const each = running > 0 ? ` (${(sample.value / running).toFixed(1)} per task)` : '';
      const held = sample.inFlight ? `, ${number(sample.inFlight)} in flight` : '';
      return `queue backlog ${number(sample.value)} messages${each}${held} ${side} target ${target} per task`;
    }
    default:
      return `${label(policy)} ${sample.value.toFixed(1)} ${side} target ${target}`;
  }
};

const clamp = (count: number, state: ScalingState) =>
  Math.min(state.maxCapacity, Math.max(state.minCapacity, count));

const clampNote = (wanted: number, clamped: number, state: ScalingState) =>
  wanted > clamped
    ? ` (held at maxCapacity ${state.maxCapacity})`
    : wanted < clamped
      ? ` (held at minCapacity ${state.minCapacity})`
      : '';

export const decideScaling = (policies: readonly PolicyInput[], state: ScalingState): Decision => {
  const from = state.current;
  const none = (cause: string): Decision => ({
    desiredCount: from,
    fromCount: from,
    direction: 'none',
    cause,
  });

  // A count outside the range (a scheduled action or a PATCH moved it) is clamped at once.
  const inRange = clamp(from, state);
  const rangeDecision = (): Decision | undefined => {
    if (inRange === from) return undefined;
    const bound = inRange > from ? `minCapacity ${state.minCapacity}` : `maxCapacity ${state.maxCapacity}`;
    return {
      desiredCount: inRange,
      fromCount: from,
      direction: inRange > from ? 'out' : 'in',
      cause: `${state.rangeCause ?? bound}: ${from} -> ${inRange} tasks`,
    };
  };

  // Scale-out: the latest sample of each policy; a queue's scale-out goes at least to what its messages
  // in flight hold (in flight alone asks for none: new workers cannot take a message already taken).
  const outs: Answer[] = policies.map((policy) => {
    const sample = latest(policy.samples);
    const count = sample ? desiredFor(policy, sample, state) : undefined;
    const floored =
      sample && count !== undefined && count > from ? Math.max(count, inFlightFloor(policy, sample)) : count;
    return { policy, sample, count: floored };
  });
  const out = outs
    .filter((answer) => answer.count !== undefined && answer.count > from)
    .sort((a, b) => b.count! - a.count!)[0];
  if (out) {
    const cooling =
      state.lastScaleOutAt !== undefined &&
      state.now - state.lastScaleOutAt < out.policy.scaleOutCooldownSeconds * 1000;
    const wanted = out.count!;
    const to = clamp(wanted, state);
    const what = `${describe(out.policy, out.sample!, state, true)} for policy ${out.policy.name}`;
    if (cooling)
      return rangeDecision() ?? none(`${what}: scale-out cooldown in effect, staying at ${from} tasks`);
    if (to > from)
      return {
        desiredCount: to,
        fromCount: from,
        direction: 'out',
        policy: out.policy.name,
        cause: `${what}: ${from} -> ${to} tasks${clampNote(wanted, to, state)}`,
      };
    return rangeDecision() ?? none(`${what}: already at maxCapacity ${state.maxCapacity}`);
  }

  const ranged = rangeDecision();
  if (ranged) return ranged;
  if (policies.length === 0) return none('no scaling policy');

  // Scale-in: every policy must allow it; each allows the most any sample of its window asks for.
  const ins: Answer[] = policies.map((policy) => {
    if (policy.disableScaleIn) return { policy, count: from };
    const windowStart = state.now - policy.scaleInCooldownSeconds * 1000;
    const recent = policy.samples.filter((sample) => sample.at >= windowStart && sample.at <= state.now);
    const counts = recent.map((sample) => {
      const count = desiredFor(policy, sample, state);
      return count === undefined ? undefined : Math.max(count, inFlightFloor(policy, sample));
    });
    if (counts.length === 0 || counts.some((count) => count === undefined))
      return { policy, count: undefined };
    return { policy, sample: latest(recent), count: Math.max(...(counts as number[])) };
  });
  if (ins.some((answer) => answer.count === undefined || answer.count >= from))
    return none(`within target: staying at ${from} tasks`);
  const decider = ins.sort((a, b) => b.count! - a.count!)[0]!;
  const to = clamp(decider.count!, state);
  const what = `${describe(decider.policy, decider.sample!, state, false)} for policy ${decider.policy.name}`;
  if (to >= from) return none(`${what}: already at minCapacity ${state.minCapacity}`);
  if (state.deploymentInProgress)
    return none(`${what}: scale-in suspended while a deployment is in progress`);
  return {
    desiredCount: to,
    fromCount: from,
    direction: 'in',
    policy: decider.policy.name,
    cause: `${what}: ${from} -> ${to} tasks${clampNote(decider.count!, to, state)}`,
  };
};

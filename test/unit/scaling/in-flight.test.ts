import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../lib/domain';
import { decideScaling, type PolicyInput } from '../../../lib/scaling/decide';
import { evaluateScaling } from '../../../lib/scaling/evaluate';
import { autoScalingSchema } from '../../../lib/validation/autoscaling';
import { minute, now, service, world } from './world';

const queue = (samples: Sample[]): PolicyInput => ({
  name: 'queue',
  metric: { kind: 'queueBacklogPerTask' },
  targetValue: 5,
  scaleOutCooldownSeconds: 60,
  scaleInCooldownSeconds: 120,
  disableScaleIn: false,
  samples,
});
const quiet = (inFlight: number): Sample[] =>
  [2, 1, 0].map((ago) => ({ at: now - ago * minute, value: 0, inFlight }));
const at = (current: number) => ({
  now,
  current,
  running: current,
  minCapacity: 0,
  maxCapacity: 20,
  deploymentInProgress: false,
});

describe('messages in flight hold their workers', () => {
  it('never scales below ceil(inFlight / target) while the visible backlog is 0', () => {
    const decision = decideScaling([queue(quiet(12))], at(6));
    expect(decision).toMatchObject({ desiredCount: 3, direction: 'in' });
    expect(decision.cause).toContain('12 in flight');
  });

  it('never scales to 0 while a message is in flight', () => {
    expect(decideScaling([queue(quiet(1))], at(2)).desiredCount).toBe(1);
  });

  it('scales to 0 once nothing is in flight', () => {
    expect(decideScaling([queue(quiet(0))], at(2)).desiredCount).toBe(0);
  });

  it('a scale-out goes at least to what the messages in flight hold (scenario fuzzer seed 126)', () => {
    // From 0, 17 visible ask for 4 workers at 5 a task; 38 in flight hold 8.
    const busy = [{ at: now, value: 17, inFlight: 38 }];
    expect(decideScaling([queue(busy)], at(0))).toMatchObject({ desiredCount: 8, direction: 'out' });
  });

  it('messages in flight alone ask for no scale-out: a new worker cannot take a taken message', () => {
    expect(decideScaling([queue([{ at: now, value: 0, inFlight: 38 }])], at(3)).desiredCount).toBe(3);
  });

  it('holds the floor for the whole window: one busy minute in it keeps its workers', () => {
    const samples = [
      { at: now - 2 * minute, value: 0, inFlight: 20 },
      { at: now - minute, value: 0, inFlight: 0 },
      { at: now, value: 0, inFlight: 0 },
    ];
    expect(decideScaling([queue(samples)], at(6)).desiredCount).toBe(4);
  });

  it('reads ApproximateNumberOfMessagesNotVisible through the evaluator', async () => {
    const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs';
    const autoScaling = autoScalingSchema().parse({
      minCapacity: 0,
      maxCapacity: 10,
      targetTracking: [
        {
          name: 'queue',
          metric: { queueBacklogPerTask: { queueUrl: url } },
          targetValue: 5,
          scaleInCooldownSeconds: 60,
        },
      ],
    });
    const w = world([service('worker', autoScaling, { desiredCount: 4, runningCount: 4 })]);
    w.inFlight.set(url, 8); // two long jobs each on four workers, nothing waiting
    for (let step = 0; step <= 3; step++) {
      w.deps.now = now + step * minute;
      await evaluateScaling(w.deps);
    }
    expect(w.byName.get('worker')!.desiredCount).toBe(2);
  });
});

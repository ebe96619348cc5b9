import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../lib/domain';
import { decideScaling, type PolicyInput, type ScalingState } from '../../../lib/scaling/decide';

const now = Date.parse('2026-12-01T12:00:00Z');
const minute = 60_000;

const cpu = (samples: Sample[], extra: Partial<PolicyInput> = {}): PolicyInput => ({
  name: 'cpu',
  metric: { kind: 'CPUUtilization' },
  targetValue: 50,
  scaleOutCooldownSeconds: 60,
  scaleInCooldownSeconds: 300,
  disableScaleIn: false,
  samples,
  ...extra,
});

const backlog = (samples: Sample[], extra: Partial<PolicyInput> = {}): PolicyInput => ({
  name: 'queue',
  metric: { kind: 'queueBacklogPerTask' },
  targetValue: 10,
  scaleOutCooldownSeconds: 60,
  scaleInCooldownSeconds: 300,
  disableScaleIn: false,
  samples,
  ...extra,
});

/** Samples one a minute, oldest first, ending now. */
const series = (...values: number[]): Sample[] =>
  values.map((value, index) => ({ at: now - (values.length - 1 - index) * minute, value }));

const state = (extra: Partial<ScalingState> = {}): ScalingState => ({
  now,
  current: 3,
  running: 3,
  minCapacity: 1,
  maxCapacity: 10,
  deploymentInProgress: false,
  ...extra,
});

describe('decideScaling', () => {
  it.each([
    ['scales out to ceil(running x value / target)', [cpu(series(82.4))], state(), 5, 'out'],
    ['changes nothing within 10 % over the target', [cpu(series(54.9))], state(), 3, 'none'],
    ['changes nothing within 10 % under the target', [cpu(series(45.1))], state(), 3, 'none'],
    ['scales out just past the tolerance', [cpu(series(55.1))], state(), 4, 'out'],
    ['clamps a scale-out to maxCapacity', [cpu(series(100))], state({ maxCapacity: 4 }), 4, 'out'],
    ['scales in when every sample of the window allows it', [cpu(series(20, 20, 20))], state(), 2, 'in'],
    ['clamps a scale-in to minCapacity', [cpu(series(1))], state({ minCapacity: 2 }), 2, 'in'],
    [
      'scales in only to what the busiest sample of the window allows',
      [cpu(series(20, 40, 10))],
      state({ current: 6, running: 6 }),
      5,
      'in',
    ],
    ['ignores samples older than the window', [cpu(series(90, 20, 20, 20, 20, 20, 20))], state(), 2, 'in'],
    ['does not scale in with disableScaleIn', [cpu(series(5), { disableScaleIn: true })], state(), 3, 'none'],
    [
      'suspends scale-in while a deployment is in progress',
      [cpu(series(5))],
      state({ deploymentInProgress: true }),
      3,
      'none',
    ],
    [
      'still scales out while a deployment is in progress',
      [cpu(series(100))],
      state({ deploymentInProgress: true }),
      6,
      'out',
    ],
    [
      'takes the largest of several scale-outs',
      [
        cpu(series(80)),
        { ...cpu(series(150)), name: 'memory', metric: { kind: 'MemoryUtilization' as const } },
      ],
      state(),
      9,
      'out',
    ],
    [
      'scales out if any policy asks, even if another would scale in',
      [
        cpu(series(10)),
        { ...cpu(series(80)), name: 'memory', metric: { kind: 'MemoryUtilization' as const } },
      ],
      state(),
      5,
      'out',
    ],
    [
      'scales in only if all policies allow it',
      [
        cpu(series(10)),
        { ...cpu(series(50)), name: 'memory', metric: { kind: 'MemoryUtilization' as const } },
      ],
      state(),
      3,
      'none',
    ],
    [
      'scales in to the largest of the policies\u2019 answers',
      [
        cpu(series(10)),
        { ...cpu(series(30)), name: 'memory', metric: { kind: 'MemoryUtilization' as const } },
      ],
      state({ current: 10, running: 10 }),
      6,
      'in',
    ],
    ['does not scale in without data', [cpu([])], state(), 3, 'none'],
    [
      'holds a scale-out during the scale-out cooldown',
      [cpu(series(100))],
      state({ lastScaleOutAt: now - 30_000 }),
      3,
      'none',
    ],
    [
      'scales out again once the cooldown is over',
      [cpu(series(100))],
      state({ lastScaleOutAt: now - 61_000 }),
      6,
      'out',
    ],
    [
      'scales a worker up from 0 on a backlog',
      [backlog(series(25))],
      state({ current: 0, running: 0, minCapacity: 0 }),
      3,
      'out',
    ],
    [
      'scales one task up from 0 for a single message',
      [backlog(series(1))],
      state({ current: 0, running: 0, minCapacity: 0 }),
      1,
      'out',
    ],
    [
      'stays at 0 with an empty queue',
      [backlog(series(0))],
      state({ current: 0, running: 0, minCapacity: 0 }),
      0,
      'none',
    ],
    [
      'scales back to 0 when the queue stayed empty for the window',
      [backlog(series(0, 0, 0))],
      state({ current: 2, running: 2, minCapacity: 0 }),
      0,
      'in',
    ],
    [
      'does not scale to 0 while the window still saw a backlog',
      [backlog(series(40, 0, 0))],
      state({ current: 4, running: 4, minCapacity: 0 }),
      4,
      'none',
    ],
    ['raises a count below minCapacity at once', [], state({ current: 1, minCapacity: 2 }), 2, 'out'],
    [
      'lowers a count above maxCapacity at once',
      [cpu(series(50))],
      state({ current: 8, running: 8, maxCapacity: 5 }),
      5,
      'in',
    ],
    [
      'uses each sample\u2019s own running count',
      [cpu([{ at: now, value: 100, running: 2 }])],
      state({ current: 2, running: 3 }),
      4,
      'out',
    ],
  ] as const)('%s', (_name, policies, input, expected, direction) => {
    const decision = decideScaling(policies as unknown as PolicyInput[], input);
    expect(decision.desiredCount).toBe(expected);
    expect(decision.direction).toBe(direction);
    expect(decision.fromCount).toBe(input.current);
  });

  it('gives a readable cause', () => {
    expect(decideScaling([cpu(series(82.4))], state()).cause).toBe(
      'CPUUtilization 82.4% over target 50% for policy cpu: 3 -> 5 tasks',
    );
    expect(decideScaling([cpu(series(10))], state({ current: 5, running: 5 })).cause).toBe(
      'CPUUtilization 10.0% under target 50% for policy cpu: 5 -> 1 tasks',
    );
    expect(decideScaling([cpu(series(100))], state({ maxCapacity: 4 })).cause).toBe(
      'CPUUtilization 100.0% over target 50% for policy cpu: 3 -> 4 tasks (held at maxCapacity 4)',
    );
    expect(
      decideScaling([backlog(series(25))], state({ current: 0, running: 0, minCapacity: 0 })).cause,
    ).toBe('queue backlog 25 messages over target 10 per task for policy queue: 0 -> 3 tasks');
    expect(
      decideScaling(
        [],
        state({ current: 1, minCapacity: 4, rangeCause: 'scheduled action morning set minCapacity 4' }),
      ).cause,
    ).toBe('scheduled action morning set minCapacity 4: 1 -> 4 tasks');
    expect(decideScaling([cpu(series(5))], state({ deploymentInProgress: true })).cause).toMatch(
      /scale-in suspended while a deployment is in progress/,
    );
    expect(decideScaling([cpu(series(82.4))], state()).policy).toBe('cpu');
  });

  it('does not undo a burst after one quiet minute', () => {
    // A burst scaled 3 -> 6; the next minutes are at target, then one quiet minute.
    const samples = series(100, 50, 50, 10);
    expect(decideScaling([cpu(samples)], state({ current: 6, running: 6 })).desiredCount).toBe(6);
  });
});

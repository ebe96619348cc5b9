/** queueWorkersKeepInFlight over hand-made checks: what it flags and what it lets be. */
import { describe, expect, it } from 'vitest';
import type { Service } from '../../lib/domain';
import { deployment, service } from '../support/plan';
import type { ServiceDraw } from './generators';
import { type EdgeInput, edgeMemory, queueWorkersKeepInFlight } from './invariants-edges';

const STEP = 5_000;

/** A queue worker (target 6 messages a task, 1..7 tasks) checked at `now` with `desired` and this backlog. */
const check = (
  memory: ReturnType<typeof edgeMemory>,
  now: number,
  desired: number,
  backlog: { visible: number; inFlight: number },
  operatorScaledAt?: number,
) => {
  const found: string[] = [];
  const svc: Service = service({
    serviceName: 'worker',
    desiredCount: desired,
    autoScaling: {
      minCapacity: 1,
      maxCapacity: 7,
      targetTracking: [
        {
          name: 'queue',
          metric: { predefined: 'queueBacklogPerTask', queueUrl: 'https://sqs.example/q' },
          targetValue: 6,
        },
      ],
    } as unknown as Service['autoScaling'],
  });
  const input = {
    now,
    stepMs: STEP,
    draws: new Map([['worker', { autoScaling: { queue: backlog } } as unknown as ServiceDraw]]),
    backlogOf: () => backlog,
    operatorScaledAt: () => operatorScaledAt,
  } as unknown as EdgeInput;
  queueWorkersKeepInFlight(input, 'worker', svc, memory, (invariant, message) =>
    found.push(`${invariant}: ${message}`),
  );
  return found;
};

describe('queueWorkersKeepInFlight', () => {
  it('flags a scale-in below what the messages in flight hold (38 in flight at 6 a task: 7)', () => {
    const memory = edgeMemory();
    expect(check(memory, 0, 7, { visible: 0, inFlight: 38 })).toEqual([]);
    expect(check(memory, STEP, 7, { visible: 0, inFlight: 38 })).toEqual([]);
    expect(check(memory, 2 * STEP, 5, { visible: 0, inFlight: 38 })).toEqual([
      'queueWorkersKeepInFlight: desired set 7 -> 5 with 38 messages in flight (targetValue 6: at least 7)',
    ]);
  });

  it('flags a scale-out that stops short of them', () => {
    const memory = edgeMemory();
    check(memory, 0, 1, { visible: 17, inFlight: 38 });
    check(memory, STEP, 1, { visible: 17, inFlight: 38 });
    expect(check(memory, 2 * STEP, 3, { visible: 17, inFlight: 38 })).toHaveLength(1);
  });

  it('lets a count the scaler leaves alone be: messages in flight alone ask for no scale-out', () => {
    const memory = edgeMemory();
    check(memory, 0, 6, { visible: 16, inFlight: 2 });
    for (let step = 1; step < 60; step++)
      expect(check(memory, step * STEP, 6, { visible: 16, inFlight: 38 })).toEqual([]);
  });

  it("lets an operator's count be, and a change made on a backlog the scaler had not yet seen", () => {
    const operator = edgeMemory();
    check(operator, 0, 7, { visible: 0, inFlight: 38 });
    check(operator, STEP, 7, { visible: 0, inFlight: 38 });
    expect(check(operator, 2 * STEP, 2, { visible: 0, inFlight: 38 }, STEP)).toEqual([]);
    const fresh = edgeMemory();
    check(fresh, 0, 7, { visible: 0, inFlight: 2 });
    expect(check(fresh, STEP, 5, { visible: 0, inFlight: 38 })).toEqual([]);
  });
});

describe('deployOnFallbackCompletes excuses what judges a progressive deployment', () => {
  it("takes a hook's, an alarm's, the analysis', an approval's or a stop's failure for none of the fallback's", async () => {
    const { JUDGED_BY_TRAFFIC } = await import('./invariants-edges');
    for (const reason of [
      'lifecycle hook arn:aws:lambda:us-east-1:0:function:f at POST_PRODUCTION_TRAFFIC_SHIFT answered FAILED (call 1).',
      'CloudWatch alarm a is in ALARM: fuzz.',
      'analysis failed 1 interval in a row (failureLimit 1): ...',
      'stopped with rollback by local.',
      'nobody approved it within 1 minutes (onTimeout ROLLBACK).',
    ])
      expect(JUDGED_BY_TRAFFIC.test(reason)).toBe(true);
    expect(JUDGED_BY_TRAFFIC.test('3 tasks failed to start: circuit breaker threshold 3 reached.')).toBe(
      false,
    );
  });
});

describe('deployOnFallbackCompletes and limits that allow no progress', () => {
  /** A deploy of a runnable image made on the fallback during an outage, FAILED at its deadline. */
  const failedOnFallback = async (minimumHealthyPercent: number, maximumPercent: number) => {
    const { deployOnFallbackCompletes } = await import('./invariants-edges');
    const svc: Service = service({
      serviceName: 'web',
      desiredCount: 5,
      spotFallback: {
        enabled: true,
        fallbackAfterSeconds: 30,
        returnAfterSeconds: 300,
        maxOnDemandPercent: 100,
      },
      deploymentConfiguration: { minimumHealthyPercent, maximumPercent },
      deployments: [
        deployment('new', 'web:2', {
          rolloutState: 'FAILED',
          rolloutStateReason:
            'no progress for 120 seconds (progressDeadlineSeconds) since 2026-12-01T00:01:50.000Z.',
        }),
        deployment('old', 'web:1', {
          status: 'ACTIVE',
          rolloutState: 'COMPLETED',
          spotFallback: { active: true } as unknown as NonNullable<
            Service['deployments'][number]['spotFallback']
          >,
        }),
      ],
    } as Partial<Service>);
    const input = {
      now: 0,
      draws: new Map([['web', { spotFallback: { maxOnDemandPercent: 100 } } as unknown as ServiceDraw]]),
      spot: { available: false, since: 0 },
      behaviourOf: () => ({ kind: 'runs' }),
    } as unknown as EdgeInput;
    const found: string[] = [];
    deployOnFallbackCompletes(input, 'web', svc, edgeMemory(), (invariant) => found.push(invariant));
    return found;
  };

  // Seed 2102: 5 desired at minimumHealthyPercent 100 and maximumPercent 100 can neither stop nor start a task.
  it('excuses a rolling deploy whose cap is no more than its floor, and only that', async () => {
    expect(await failedOnFallback(100, 100)).toEqual([]);
    expect(await failedOnFallback(100, 200)).toEqual(['deployOnFallbackCompletes']);
    expect(await failedOnFallback(50, 100)).toEqual(['deployOnFallbackCompletes']);
  });
});

import {
  ClientException,
  ClusterNotFoundException,
  InvalidParameterException,
  ServerException,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { classifyEcsError, ecsErrorSummary } from '../../../lib/ecs/errors';
import { DependencyError } from '../../../lib/errors';
import { plan } from '../../../lib/reconcile/plan/plan';
import { launchFailuresOutcome } from '../../../lib/reconcile/plan/refusals';
import type { PlanResult } from '../../../lib/reconcile/plan/types';
import { deployment, deploymentConfiguration, S, service, T0 } from '../../support/plan';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
describe('classifyEcsError', () => {
  it.each([
    [
      'ThrottlingException',
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', ...meta(400) }),
      'throttling',
    ],
    ['ServerException', new ServerException({ message: 'boom', ...meta(500) }), 'transient'],
    ['ClientException', new ClientException({ message: 'no', ...meta(400) }), 'permanent'],
    [
      'InvalidParameterException',
      new InvalidParameterException({ message: 'no', ...meta(400) }),
      'permanent',
    ],
    ['ClusterNotFoundException', new ClusterNotFoundException({ message: 'no', ...meta(400) }), 'permanent'],
    [
      'a 503 without a modelled type',
      Object.assign(new Error('x'), { name: 'Unknown', ...meta(503) }),
      'transient',
    ],
    [
      'AccessDeniedException',
      Object.assign(new Error('x'), { name: 'AccessDeniedException', $fault: 'client', ...meta(400) }),
      'permanent',
    ],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient'],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'transient'],
    [
      'a DependencyError wrapping a 500',
      new DependencyError('ECS failing', new ServerException({ message: 'x', ...meta(500) })),
      'transient',
    ],
    ['a bug', new TypeError('undefined is not a function'), 'unknown'],
  ])('%s is %s', (_what, error, kind) => {
    expect(classifyEcsError(error)).toBe(kind);
  });

  it("summarises ECS's error code and message", () => {
    expect(
      ecsErrorSummary(new ClientException({ message: 'Unable to find task definition.', ...meta(400) })),
    ).toEqual({
      code: 'ClientException',
      message: 'Unable to find task definition.',
    });
  });
});

describe('RunTask failures', () => {
  it("count the tasks not launched as refused, with each failure's reason in the event", () => {
    const outcome = launchFailuresOutcome(
      'web',
      { deploymentId: 'dep-1', count: 3 },
      {
        tasks: [{}],
        failures: [
          { arn: 'a', reason: 'RESOURCE:ENI' },
          { arn: 'b', reason: 'RESOURCE:ENI' },
        ],
      },
      T0,
    );
    expect(outcome.launched).toBe(1);
    expect(outcome.refusal).toEqual({ at: new Date(T0).toISOString(), count: 2 });
    expect(outcome.events).toEqual([
      'service web was unable to launch 2 of 3 tasks of deployment dep-1: RunTask failures: RESOURCE:ENI',
    ]);
  });
});

describe('plan() counts refused launches as failed launches', () => {
  const refusedAt = (seconds: number[], count = 1) =>
    seconds.map((at) => ({ at: new Date(T0 + at * S).toISOString(), count }));
  const svc = (desiredCount: number, refusals: { at: string; count: number }[]) =>
    service({
      desiredCount,
      deploymentConfiguration: deploymentConfiguration({
        minReadySeconds: 0,
        progressDeadlineSeconds: 86_400,
        deploymentCircuitBreaker: { enable: true, rollback: false },
      }),
      deployments: [deployment('dep-1', 'web:1', { launchRefusals: refusals })],
    });
  const run = (desired: number, refusals: { at: string; count: number }[], now = T0): PlanResult =>
    plan({
      service: svc(desired, refusals),
      observedTasks: [],
      taskDefinitions: { 'web:1': { hasHealthCheck: false } },
      now,
      options: { backoffBaseMs: 10 * S },
    });
  const launches = (result: PlanResult) =>
    result.actions
      .filter((action) => action.type === 'launch')
      .reduce((n, a) => n + (a as { count: number }).count, 0);

  it('one refused task: counted, and launched again at once', () => {
    const result = run(10, refusedAt([-1]));
    expect(result.deployments[0]?.failedTasks).toBe(1);
    expect(result.deployments[0]?.consecutiveFailures).toBe(1);
    expect(launches(result)).toBe(10);
  });

  it('two refusals in a row: back-off from the last one', () => {
    const result = run(10, refusedAt([-5, -1]));
    expect(result.deployments[0]?.consecutiveFailures).toBe(2);
    expect(result.deployments[0]?.backoffUntil).toBe(new Date(T0 - 1 * S + 10 * S).toISOString());
    expect(launches(result)).toBe(0);
    expect(launches(run(10, refusedAt([-5, -1]), T0 + 9 * S))).toBe(10);
  });

  it('enough refused tasks trip the circuit breaker', () => {
    const result = run(3, refusedAt([-30], 3));
    expect(result.deployments[0]?.failedTasks).toBe(3);
    expect(result.deployments[0]?.rolloutState).toBe('FAILED');
  });
});

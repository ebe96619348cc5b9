import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../../lib/domain';
import { describeActions } from '../../../../lib/reconcile/pass/action-log';
import { judgeRollout, rolloutFailure } from '../../../../lib/reconcile/plan/phases/judge';
import {
  deployment,
  deploymentConfiguration,
  iso,
  ofType,
  rolloutOf,
  S,
  service,
  T0,
} from '../../../support/plan';

const judged = (
  primary: Partial<Deployment>,
  config: Parameters<typeof deploymentConfiguration>[0] = {},
  older: Deployment[] = [
    deployment('dep-1', 'web:1', {
      status: 'ACTIVE',
      rolloutState: 'COMPLETED',
      createdAt: iso(T0 - 3600 * S),
    }),
  ],
) =>
  rolloutOf(
    service({
      desiredCount: 4,
      taskDefinition: 'web:2',
      deploymentConfiguration: deploymentConfiguration(config),
      deployments: [
        deployment('dep-2', 'web:2', {
          createdAt: iso(T0 - 60 * S),
          lastProgressAt: iso(T0 - 60 * S),
          ...primary,
        }),
        ...older,
      ],
    }),
    [],
  );

const breaker = { enable: true, rollback: false };

describe('rolloutFailure', () => {
  it.each([
    {
      name: 'breaker off: failures do not count',
      primary: { failedTasks: 9 },
      config: {},
      failure: undefined,
    },
    {
      name: 'under the default threshold of 3',
      primary: { failedTasks: 2 },
      config: { deploymentCircuitBreaker: breaker },
      failure: undefined,
    },
    {
      name: 'at the default threshold',
      primary: { failedTasks: 3 },
      config: { deploymentCircuitBreaker: breaker },
      failure:
        'circuit breaker: 3 tasks failed to launch or become healthy or stopped on their own (threshold 3)',
    },
    {
      name: 'a configured threshold',
      primary: { failedTasks: 2 },
      config: { deploymentCircuitBreaker: { ...breaker, failureThreshold: 2 } },
      failure: '(threshold 2)',
    },
    {
      name: 'within the deadline',
      primary: { lastProgressAt: iso(T0 - 599 * S) },
      config: { progressDeadlineSeconds: 600 },
      failure: undefined,
    },
    {
      name: 'at the deadline',
      primary: { lastProgressAt: iso(T0 - 600 * S) },
      config: { progressDeadlineSeconds: 600 },
      failure: 'no progress for 600 seconds',
    },
    {
      name: 'a COMPLETED deployment cannot fail',
      primary: { rolloutState: 'COMPLETED' as const, failedTasks: 9 },
      config: { deploymentCircuitBreaker: breaker },
      failure: undefined,
    },
  ])('$name', ({ primary, config, failure }) => {
    const result = rolloutFailure(judged(primary, config));
    if (failure === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(failure);
  });
});

describe('judgeRollout', () => {
  it('leaves a deployment that may go on alone', () => {
    const state = judged({ failedTasks: 1 }, { deploymentCircuitBreaker: breaker });
    judgeRollout(state);
    expect(state.actions).toEqual([]);
    expect(state.primary.rolloutState).toBe('IN_PROGRESS');
  });

  it('fails the PRIMARY without rolling back when rollback is off', () => {
    const state = judged({ failedTasks: 3 }, { deploymentCircuitBreaker: breaker });
    judgeRollout(state);
    expect(state.primary).toMatchObject({ id: 'dep-2', rolloutState: 'FAILED' });
    expect(ofType(state.actions, 'fail-deployment')).toHaveLength(1);
    expect(ofType(state.actions, 'rollback')).toEqual([]);
  });

  it('logs a failed deployment once as failed, with its cause', () => {
    const state = judged({ failedTasks: 3 }, { deploymentCircuitBreaker: breaker });
    judgeRollout(state);
    const lines = describeActions('web', { actions: state.actions, deployments: [state.primary] });
    expect(lines).toEqual([
      expect.stringMatching(/^web: deployment dep-2 failed: ECS deployment circuit breaker: 3 tasks/),
    ]);
    expect(lines[0]).not.toMatch(/failed: deployment/);
  });

  it.each([
    {
      name: 'rolls back to the newest COMPLETED deployment',
      primary: {},
      older: undefined,
      rolledBack: true,
      event: 'rolling back to task definition web:1',
    },
    {
      name: 'a rollback is not rolled back again',
      primary: { rollbackOf: 'dep-0' },
      older: undefined,
      rolledBack: false,
      event: 'was itself a rollback',
    },
    {
      name: 'nothing COMPLETED to roll back to',
      primary: {},
      older: [],
      rolledBack: false,
      event: 'no COMPLETED deployment to roll back to',
    },
  ])('$name', ({ primary, older, rolledBack, event }) => {
    const state = judged(
      { failedTasks: 3, ...primary },
      { deploymentCircuitBreaker: { enable: true, rollback: true } },
      older,
    );
    judgeRollout(state);
    expect(state.byId.get('dep-2')?.rolloutState).toBe('FAILED');
    expect(ofType(state.actions, 'rollback')).toHaveLength(rolledBack ? 1 : 0);
    expect(state.events.at(-1)).toContain(event);
    if (rolledBack) {
      expect(state.primary).toMatchObject({
        taskDefinition: 'web:1',
        rollbackOf: 'dep-2',
        lastProgressAt: iso(T0),
      });
      expect(state.deployments[0]).toBe(state.primary);
      expect(state.byId.get('dep-2')?.status).toBe('ACTIVE');
    } else {
      expect(state.primary.id).toBe('dep-2');
    }
  });

  it('rolls back once: a rollback already made is not made again', () => {
    const config = { deploymentCircuitBreaker: { enable: true, rollback: true } };
    const first = judged({ failedTasks: 3 }, config);
    judgeRollout(first);
    const rollback = first.primary;
    const again = judged({ failedTasks: 3 }, config, [
      { ...rollback, status: 'ACTIVE', createdAt: iso(T0 - 120 * S) },
      deployment('dep-1', 'web:1', {
        status: 'ACTIVE',
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 3600 * S),
      }),
    ]);
    judgeRollout(again);
    expect(ofType(again.actions, 'rollback')).toEqual([]);
    expect(again.primary.id).toBe('dep-2');
  });
});

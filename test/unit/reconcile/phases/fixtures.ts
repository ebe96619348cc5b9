/** Builders for the phase tests: a plan state over a service and its observed tasks. */
import type { Service } from '../../../../lib/domain';
import { ensurePrimary } from '../../../../lib/reconcile/phases/primary';
import { type PlanState, planState, type RolloutState } from '../../../../lib/reconcile/phases/state';
import type { Action, ObservedTask, PlanInput } from '../../../../lib/reconcile/types';
import { deployment, deploymentConfiguration, service, T0 } from '../sim';

export { deployment, deploymentConfiguration, service, T0 };
export const S = 1000;
export const iso = (ms: number): string => new Date(ms).toISOString();

let serial = 0;
export const task = (deploymentId: string, overrides: Partial<ObservedTask> = {}): ObservedTask => ({
  taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${deploymentId}-${String(++serial).padStart(3, '0')}`,
  deploymentId,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  healthStatus: 'UNKNOWN',
  createdAt: T0 - 600 * S,
  startedAt: T0 - 590 * S,
  ...overrides,
});
export const tasks = (
  deploymentId: string,
  n: number,
  overrides: Partial<ObservedTask> = {},
): ObservedTask[] => Array.from({ length: n }, () => task(deploymentId, overrides));

export const stateOf = (
  svc: Service,
  observed: ObservedTask[],
  overrides: Partial<PlanInput> = {},
): PlanState =>
  planState({
    service: svc,
    observedTasks: observed,
    taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: true } },
    now: T0,
    ...overrides,
  });

export const rolloutOf = (
  svc: Service,
  observed: ObservedTask[],
  overrides: Partial<PlanInput> = {},
): RolloutState => ensurePrimary(stateOf(svc, observed, overrides));

/** A deploy from dep-1 (web:1, COMPLETED) to dep-2 (web:2, PRIMARY, with a health check). */
export const rollingService = (
  desired: number,
  min = 100,
  max = 200,
  extra: Partial<Service> = {},
): Service =>
  service({
    desiredCount: desired,
    taskDefinition: 'web:2',
    deploymentConfiguration: deploymentConfiguration({ minimumHealthyPercent: min, maximumPercent: max }),
    deployments: [
      deployment('dep-2', 'web:2', { createdAt: iso(T0 - 60 * S), lastProgressAt: iso(T0 - 60 * S) }),
      deployment('dep-1', 'web:1', {
        status: 'ACTIVE',
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 3600 * S),
      }),
    ],
    ...extra,
  });

export const ofType = <T extends Action['type']>(actions: Action[], type: T) =>
  actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);

/** Tasks of `deploymentId` that stopped before becoming healthy, at `stoppedAt`. */
export const failedLaunches = (deploymentId: string, n: number, stoppedAt = T0 - 30 * S): ObservedTask[] =>
  tasks(deploymentId, n, {
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    healthStatus: 'UNKNOWN',
    stopCode: 'TaskFailedToStart',
    stoppedAt,
  });

/**
 * Builders for the planner's tests (test/unit/reconcile): a service, its deployments, the tasks the
 * planner observes, and the plan state the phases take.
 */
import type { Deployment, DeploymentConfiguration, Service } from '../../lib/domain';
import { ensurePrimary } from '../../lib/reconcile/plan/phases/primary';
import { type PlanState, planState, type RolloutState } from '../../lib/reconcile/plan/phases/state';
import type { Action, ObservedTask, PlanInput } from '../../lib/reconcile/plan/types';

export const T0 = Date.parse('2026-11-25T12:00:00.000Z');
export const SERVICE_ARN = 'arn:aws:ecs:us-east-1:000000000000:service/default/web';

export const S = 1000;
export const iso = (ms: number): string => new Date(ms).toISOString();

export const deploymentConfiguration = (
  overrides: Partial<DeploymentConfiguration> = {},
): DeploymentConfiguration => ({
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  deploymentCircuitBreaker: { enable: false, rollback: false },
  minReadySeconds: 0,
  ...overrides,
});

export const deployment = (
  id: string,
  taskDefinition: string,
  overrides: Partial<Deployment> = {},
): Deployment => ({
  id,
  status: 'PRIMARY',
  taskDefinition,
  desiredCount: 0,
  runningCount: 0,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: 'IN_PROGRESS',
  rolloutStateReason: 'ECS deployment in progress.',
  createdAt: iso(T0),
  updatedAt: iso(T0),
  ...overrides,
});

export const service = (overrides: Partial<Service> = {}): Service => ({
  cluster: 'default',
  serviceName: 'web',
  serviceArn: SERVICE_ARN,
  status: 'ACTIVE',
  taskDefinition: 'web:1',
  desiredCount: 3,
  runningCount: 0,
  pendingCount: 0,
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
  deploymentConfiguration: deploymentConfiguration(),
  healthCheckGracePeriodSeconds: 0,
  tags: [],
  deployments: [deployment('dep-1', 'web:1')],
  version: 1,
  statusVersion: 0,
  createdAt: iso(T0),
  updatedAt: iso(T0),
  ...overrides,
});

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

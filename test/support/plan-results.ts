/**
 * The planner's whole-pass tests' helpers (test/unit/reconcile/plan*.test.ts): an input of a service and
 * its observed tasks at T0, and what a result launched, stopped and made of a deployment.
 */
import type { Deployment, Service } from '../../lib/domain';
import type { Action, ObservedTask, PlanInput, PlanResult } from '../../lib/reconcile/plan/types';
import { T0 } from './plan';

export const input = (
  svc: Service,
  observedTasks: ObservedTask[],
  overrides: Partial<PlanInput> = {},
): PlanInput => ({
  service: svc,
  observedTasks,
  taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: false } },
  now: T0,
  ...overrides,
});

export const ofResult = <T extends Action['type']>(result: PlanResult, type: T) =>
  result.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
export const launched = (result: PlanResult) => ofResult(result, 'launch').reduce((n, a) => n + a.count, 0);
export const stoppedArns = (result: PlanResult) => ofResult(result, 'stop').map((a) => a.taskArn);
export const find = (result: PlanResult, id: string): Deployment => {
  const found = result.deployments.find((d) => d.id === id);
  if (!found) throw new Error(`no deployment ${id}`);
  return found;
};

/**
 * The reconciler composed on the base runtime: Elastic Load Balancing (targets, listener rules),
 * CloudWatch (alarms, analysis), the clock and ids; lifecycle hooks only when given an invoker. The
 * reconcile worker's (lib/wiring.ts) calls hooks through Lambda; the API's (lib/wiring-api.ts) only plans
 * (computePlan never calls a hook), so its bundle leaves the Lambda client out (cold start,
 * docs/performance.md).
 */
import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { createSharedElbDescribePacer } from './elb/calls';
import { createElbClientForGateway } from './elb/gateway';
import { createListenerRules, type ListenerRules } from './elb/rules';
import type { ReconcilerDeps } from './reconcile/pass/context';
import { createReconciler } from './reconcile/pass/reconcile';
import { runtimeNow } from './runtime-clock';
import { readAnalysisFigures } from './scaling/analysis-metrics';
import { createAlarmStateReader, createMetricReader, type MetricReader } from './scaling/cloudwatch';
import type { BaseRuntime } from './wiring-base';
import { elbGatewayOnce } from './wiring-elb';

export const composeReconciler = (base: BaseRuntime, hooks: Pick<ReconcilerDeps, 'invokeHook'> = {}) => {
  const { config, store, ecsFor } = base;
  // Targets and rules spend one share of ELB's Describe* budget, with every other instance (calls.ts).
  const describePacer = createSharedElbDescribePacer(store, { now: runtimeNow });
  const elb = elbGatewayOnce(() => ({ describePacer }));
  let rules: ListenerRules | undefined;
  const listenerRules = (): ListenerRules => {
    rules ??= createListenerRules({ client: createElbClientForGateway(), now: runtimeNow, describePacer });
    return rules;
  };
  let alarmReader: ReturnType<typeof createAlarmStateReader> | undefined;
  const alarmStates = (names: readonly string[]) => {
    alarmReader ??= createAlarmStateReader(new CloudWatchClient({}));
    return alarmReader(names);
  };
  let metricReader: MetricReader | undefined;
  const analysisFigures: ReconcilerDeps['analysisFigures'] = (target, start, end) => {
    metricReader ??= createMetricReader(new CloudWatchClient({}));
    return readAnalysisFigures(metricReader, target, start, end);
  };
  /**
   * The reconciler as the handlers compose it. Tests pass overrides (a clock, a lease, a crash hook, a
   * gateway of their own) instead of assembling the parts by hand.
   */
  const reconciler = (overrides: Partial<ReconcilerDeps> = {}) =>
    createReconciler({
      store,
      ecsFor,
      elb: elb(),
      listenerRules: listenerRules(),
      alarmStates,
      analysisFigures,
      ...hooks,
      now: runtimeNow,
      newId: randomUUID,
      ...(config.installation ? { installation: config.installation } : {}),
      ...(config.backoffBaseMs === undefined ? {} : { planOptions: { backoffBaseMs: config.backoffBaseMs } }),
      ...overrides,
    });
  return {
    ...base,
    useCases: {
      ...base.useCases,
      // computePlan reads the store (and, for load-balanced services, ELB and CloudWatch), calls no hook;
      // the reconciler's ECS gateways are never built for it.
      planner: { computePlan: (service) => reconciler().computePlan(service) },
      elb,
    } satisfies BaseRuntime['useCases'],
    elb,
    reconciler,
  };
};

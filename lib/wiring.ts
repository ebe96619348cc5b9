/**
 * The composition root the Lambda handlers share: real clients, built once per cold start, reaching
 * their endpoints through the SDK's standard configuration (AWS_ENDPOINT_URL_* locally). The base
 * (store, queue, ECS) is lib/wiring-base.ts; this adds Elastic Load Balancing and the reconciler.
 */
import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { TugboatConfig } from './config';
import { createElbClientForGateway } from './elb/gateway';
import { createListenerRules, type ListenerRules } from './elb/rules';
import { createHookInvoker } from './hooks/invoker';
import type { ReconcilerDeps } from './reconcile/pass/context';
import { createReconciler } from './reconcile/pass/reconcile';
import { runtimeNow } from './runtime-clock';
import { readAnalysisFigures } from './scaling/analysis-metrics';
import { createAlarmStateReader, createMetricReader, type MetricReader } from './scaling/cloudwatch';
import { type BaseRuntime, createBaseRuntime } from './wiring-base';
import { elbGatewayOnce } from './wiring-elb';

/** A base runtime with ELB and the reconciler: what the reconcile worker composes, and tests. */
export const withReconciler = (base: BaseRuntime) => {
  const { config, store, ecsFor } = base;
  const elb = elbGatewayOnce();
  let rules: ListenerRules | undefined;
  const listenerRules = (): ListenerRules => {
    rules ??= createListenerRules({ client: createElbClientForGateway() });
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
  let lambda: LambdaClient | undefined;
  const invokeHook = createHookInvoker({
    lambda: () => {
      lambda ??= new LambdaClient({});
      return lambda;
    },
    allowHttp: config.localHooks ?? false,
  });
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
      invokeHook,
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
      // computePlan reads only the store; the reconciler's ECS gateways are never built for it.
      planner: { computePlan: (service) => reconciler().computePlan(service) },
      elb,
    } satisfies BaseRuntime['useCases'],
    elb,
    reconciler,
  };
};

export const createRuntime = (config?: TugboatConfig) => withReconciler(createBaseRuntime(config));

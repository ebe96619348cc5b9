/**
 * The composition root the Lambda handlers share: real clients, built once per cold start, reaching
 * their endpoints through the SDK's standard configuration (AWS_ENDPOINT_URL_* locally). The base
 * (store, queue, ECS) is lib/wiring-base.ts; this adds Elastic Load Balancing and the reconciler.
 */
import { randomUUID } from 'node:crypto';
import type { TugboatConfig } from './config';
import type { ReconcilerDeps } from './reconcile/pass/context';
import { createReconciler } from './reconcile/pass/reconcile';
import { runtimeNow } from './runtime-clock';
import { type BaseRuntime, createBaseRuntime } from './wiring-base';
import { elbGatewayOnce } from './wiring-elb';

/** A base runtime with ELB and the reconciler: what the reconcile worker composes, and tests. */
export const withReconciler = (base: BaseRuntime) => {
  const { config, store, ecsFor } = base;
  const elb = elbGatewayOnce();
  /**
   * The reconciler as the handlers compose it. Tests pass overrides (a clock, a lease, a crash hook, a
   * gateway of their own) instead of assembling the parts by hand.
   */
  const reconciler = (overrides: Partial<ReconcilerDeps> = {}) =>
    createReconciler({
      store,
      ecsFor,
      elb: elb(),
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

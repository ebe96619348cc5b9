/**
 * The composition root the Lambda handlers share: real clients, built once per cold start, reaching
 * their endpoints through the SDK's standard configuration (AWS_ENDPOINT_URL_* locally). The base
 * (store, queue, ECS) is lib/wiring-base.ts; this adds Elastic Load Balancing and the reconciler
 * (lib/wiring-reconciler.ts), with lifecycle hooks called through Lambda.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { TugboatConfig } from './config';
import { createHookInvoker } from './hooks/invoker';
import { type BaseRuntime, createBaseRuntime } from './wiring-base';
import { composeReconciler } from './wiring-reconciler';

/** A base runtime with ELB and the reconciler: what the reconcile worker composes, and tests. */
export const withReconciler = (base: BaseRuntime) => {
  let lambda: LambdaClient | undefined;
  const invokeHook = createHookInvoker({
    lambda: () => {
      lambda ??= new LambdaClient({});
      return lambda;
    },
    allowHttp: base.config.localHooks ?? false,
  });
  return composeReconciler(base, { invokeHook });
};

export const createRuntime = (config?: TugboatConfig) => withReconciler(createBaseRuntime(config));

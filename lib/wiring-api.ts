/**
 * The API's composition root: the base runtime, ELB (GET task's targets) and the reconciler's planner
 * (dry runs), without lifecycle hooks: planning never calls one, so the API's bundle leaves the Lambda
 * client out (cold start, docs/performance.md). The reconcile worker's is lib/wiring.ts.
 */
import type { TugboatConfig } from './config';
import { createBaseRuntime } from './wiring-base';
import { composeReconciler } from './wiring-reconciler';

export const createApiRuntime = (config?: TugboatConfig) => composeReconciler(createBaseRuntime(config));

/**
 * The reconcile worker's Lambda instances: each builds its reconciler once and keeps it across
 * invocations, as functions/reconcile-worker.ts does at module scope (so its task definition cache
 * lives as long as the instance). Each invocation's calls are still guarded by that invocation: once it
 * is killed at its timeout they throw, and the instance starts afresh, as Lambda replaces a sandbox
 * whose invocation timed out.
 */
import { createReconciler, type Reconciler, type ReconcilerDeps } from '../../lib/reconcile/pass/reconcile';
import type { Invocation } from './lambda-timeout';

interface Instance {
  reconciler: Reconciler;
  /** The invocation under way: the reconciler's guarded dependencies check it. */
  current: Invocation;
}

/**
 * `depsOf(instance, invocation)` gives an instance's reconciler dependencies, guarded by `invocation`
 * (which follows the instance's invocation under way).
 */
export const workerInstances = (depsOf: (instance: number, invocation: Invocation) => ReconcilerDeps) => {
  let instances: (Instance | undefined)[] = [];
  return {
    /** The instance's reconciler, serving this invocation. */
    reconciler(instance: number, invocation: Invocation): Reconciler {
      let kept = instances[instance];
      if (!kept) {
        const state = { current: invocation } as Instance;
        const live: Invocation = {
          get killed() {
            return state.current.killed;
          },
        };
        state.reconciler = createReconciler(depsOf(instance, live));
        instances[instance] = state;
        kept = state;
      }
      kept.current = invocation;
      return kept.reconciler;
    },
    /** The instance's invocation was killed: its next one starts in a new sandbox. */
    killed(instance: number): void {
      instances[instance] = undefined;
    },
    /** Every instance starts afresh (new dependencies: a new deployment of the function). */
    reset(): void {
      instances = [];
    },
  };
};

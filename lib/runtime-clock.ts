/**
 * The clock Tugboat's handlers read: Date.now in Lambda. The local stack sets its ECS endpoint's clock
 * (virtual in tests and benchmarks), so the reconciler judges task health (minReadySeconds), rollouts,
 * wake-ups and pass deadlines on the same timeline as the task times that endpoint reports. On two clocks,
 * a virtual clock ahead of real time leaves every newly started task "not ready yet" in real time, and
 * its rollout IN_PROGRESS, which suspends auto scaling's scale-in.
 */
let current: () => number = Date.now;

/** Epoch ms on the runtime's clock. */
export const runtimeNow = (): number => current();

/** Sets the runtime's clock; without an argument, back to Date.now. One clock per process. */
export const setRuntimeClock = (clock?: () => number): void => {
  current = clock ?? Date.now;
};

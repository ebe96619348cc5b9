/**
 * The deadline of a scheduled function's run, on its own so the jobs scheduler takes it without the
 * reconcile scheduler (and the ELB client the target-group check brings).
 */

/**
 * Time kept back from the function's timeout: the target-group check ends this long before Lambda would
 * end the run, enough to send and mark the requests it found.
 */
export const SCHEDULER_DEADLINE_MARGIN_MS = 10_000;

/** The deadline of a scheduler run with `remainingMs` left, on the clock that gave `now`. */
export const schedulerDeadline = (now: number, remainingMs: number): number =>
  now + remainingMs - SCHEDULER_DEADLINE_MARGIN_MS;

/**
 * Metric analysis of a BLUE_GREEN, CANARY or LINEAR deployment (beyond ECS): the load balancer's own
 * per-target-group figures of the new revision, judged interval by interval against absolute bounds or
 * against the old revision's figures.
 */

export interface DeploymentAnalysis {
  /** An interval whose 5xx rate (percent of requests) is above this fails. */
  maxErrorRatePercent?: number;
  /** An interval whose TargetResponseTime p99 (ms) is above this fails. */
  maxP99LatencyMs?: number;
  /** The bounds are allowances over the old target group's figures of the same interval. */
  compareToBaseline?: boolean;
  /** Length of one interval (default 60). */
  intervalSeconds?: number;
  /** Failed intervals in a row that fail the deployment (default 1). */
  failureLimit?: number;
  /** An interval with fewer requests (on either group judged) is INCONCLUSIVE (default 1). */
  minimumRequests?: number;
}

export const DEFAULT_ANALYSIS_INTERVAL_SECONDS = 60;
export const DEFAULT_ANALYSIS_FAILURE_LIMIT = 1;
export const DEFAULT_ANALYSIS_MINIMUM_REQUESTS = 1;
/** Intervals kept on the deployment (older ones remain as service events). */
export const ANALYSIS_INTERVALS_KEPT = 20;

export type AnalysisVerdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

/**
 * What the interval [start, end) (epoch ms) says of a stage begun at `stageStartedAt`, of a deployment
 * made at `deploymentCreatedAt`:
 * - 'stage': it lies wholly in the stage: its PASS is the stage's evidence (a bake waits for one);
 * - 'entry': the stage began inside it. The new group's figures are its own requests, whatever share it
 *   had, so a FAIL counts at once (a stage begun at :01 is judged at the next minute, not the one after);
 *   a PASS, made partly at an earlier share, is not the stage's evidence;
 * - undefined: it ended before the stage, or began before the deployment existed (its groups may have
 *   served an earlier deployment's tasks then, a rollback's among them).
 */
export const analysisEvidence = (
  start: number,
  end: number,
  stageStartedAt: number,
  deploymentCreatedAt: number,
): 'stage' | 'entry' | undefined => {
  if (end <= stageStartedAt || start < deploymentCreatedAt) return undefined;
  return start >= stageStartedAt ? 'stage' : 'entry';
};

/** One target group's figures over one interval. */
export interface GroupFigures {
  requests: number;
  errors5xx: number;
  /** Absent when the group served no request in the interval. */
  p99LatencyMs?: number;
}

export interface AnalysisInterval {
  start: string;
  end: string;
  requests: number;
  errorRatePercent?: number;
  p99LatencyMs?: number;
  baselineRequests?: number;
  baselineErrorRatePercent?: number;
  baselineP99LatencyMs?: number;
  verdict: AnalysisVerdict;
  /** Why: the bound crossed, or what evidence was missing. */
  reason: string;
}

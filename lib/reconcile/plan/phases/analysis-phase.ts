/**
 * Phase: analysis. While a shifting PRIMARY has test or production traffic (TEST_TRAFFIC_SHIFT,
 * PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME), each whole interval the pass read is judged once (analysis.ts),
 * kept on the deployment (the last ANALYSIS_INTERVALS_KEPT) and told as a service event; failureLimit
 * FAILs in a row fail the deployment and roll it back as an alarm does, with the figures in the reason.
 */
import {
  ANALYSIS_INTERVALS_KEPT,
  analysisEvidence,
  DEFAULT_ANALYSIS_INTERVAL_SECONDS,
  type TrafficStage,
} from '../../../domain';
import { epochOf } from '../../../time';
import { analysisFailed, analysisFailureReason, intervalEvent, judgeInterval } from './analysis';
import { failPrimary, rollBack } from './judge';
import { isShifting } from './serving';
import type { RolloutState } from './state';

const at = (iso: string): number => epochOf(iso) ?? 0;

const JUDGED: ReadonlySet<TrafficStage> = new Set([
  'TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
]);

/** Past an interval's end, so its last minute is complete before it is read. */
const INTERVAL_SETTLE_MS = 1_000;

/**
 * The pass after the current interval ends reads and judges it: a stage that holds for its bake (up to
 * a day) still wakes each interval, else no interval would be judged before the bake ends.
 */
function wakeForNextInterval(state: RolloutState, intervalSeconds: number): void {
  const intervalMs = intervalSeconds * 1000;
  const until = (Math.floor(state.now / intervalMs) + 1) * intervalMs + INTERVAL_SETTLE_MS;
  state.actions.push({
    type: 'hold',
    deploymentId: state.primary.id,
    until,
    reason: `deployment ${state.primary.id} analyses its traffic interval by interval; next at ${new Date(until).toISOString()}`,
  });
}

export function judgeAnalysis(state: RolloutState): void {
  const { primary } = state;
  const config = state.service.deploymentConfiguration.analysis;
  const shift = primary.trafficShift;
  const figures = state.input.traffic?.analysis;
  if (config === undefined || !isShifting(primary)) return;
  if (shift === undefined || !JUDGED.has(shift.stage)) return;
  wakeForNextInterval(state, config.intervalSeconds ?? DEFAULT_ANALYSIS_INTERVAL_SECONDS);
  if (figures === undefined) return;
  const evidence = analysisEvidence(
    at(figures.start),
    at(figures.end),
    at(shift.stageStartedAt),
    at(primary.createdAt),
  );
  if (evidence === undefined) return;
  const intervals = primary.analysis?.intervals ?? [];
  const last = intervals[intervals.length - 1];
  if (last !== undefined && at(last.end) >= at(figures.end)) return;
  const interval = judgeInterval(config, figures, figures.canary, figures.baseline);
  const kept = [...intervals, interval].slice(-ANALYSIS_INTERVALS_KEPT);
  primary.analysis = { intervals: kept };
  if (interval.verdict === 'PASS' && evidence === 'stage' && shift.analysisPassedAt === undefined)
    primary.trafficShift = { ...shift, analysisPassedAt: interval.end };
  const name = state.service.serviceName;
  state.events.push(intervalEvent(name, primary.id, interval));
  if (!analysisFailed(config, kept)) return;
  const failure = analysisFailureReason(config, kept);
  failPrimary(state, failure);
  rollBack(state, primary);
}

/**
 * Metric analysis at the end of a bake (the canary bake, a linear step's, the final bake): the stage
 * ends only on evidence (analysis.ts bakeOutcome). With no interval of the stage passed - all
 * INCONCLUSIVE, or none ended yet - it holds, says so once, and moves on at the first that passes; the
 * analysis phase wakes the pass at each interval's end to judge it.
 */
import { epochOf } from '../../../time';
import { bakeOutcome } from './analysis';
import type { RolloutState } from './state';

const at = (iso: string): number => epochOf(iso) ?? 0;

/**
 * Hook of the stage machine, called when a stage's bake time (`bakeMs`) is over: true while the PRIMARY
 * waits for a passing analysis interval of this stage (the caller holds), false when it may go on (or
 * has no analysis). A stage configured with no bake time asked for no judgement: it never holds.
 */
export function awaitsEvidence(state: RolloutState, bakeMs: number): boolean {
  const { primary } = state;
  const config = state.service.deploymentConfiguration.analysis;
  const shift = primary.trafficShift;
  if (config === undefined || shift === undefined || bakeMs <= 0) return false;
  const since = at(shift.stageStartedAt);
  const judged = (primary.analysis?.intervals ?? []).filter((i) => at(i.start) >= since);
  const outcome = bakeOutcome(config, judged);
  // A pass of this stage older than the intervals kept still counts.
  if (outcome === 'PROCEED' || (outcome === 'HOLD' && shift.analysisPassedAt !== undefined)) return false;
  const heldAt = shift.analysisHeldAt ?? state.nowIso;
  if (shift.analysisHeldAt === undefined) {
    primary.trafficShift = { ...shift, analysisHeldAt: heldAt };
    const inconclusive = judged.filter((i) => i.verdict === 'INCONCLUSIVE').length;
    state.events.push(
      `service ${state.service.serviceName} deployment ${primary.id} holds at ${shift.stage} with ${shift.productionPercent}% of production traffic: its bake time is over but no analysis interval of the stage passed (${inconclusive === 0 ? 'none judged yet' : `${inconclusive} inconclusive`}); it moves on at the first that passes.`,
    );
  }
  state.actions.push({
    type: 'hold',
    deploymentId: primary.id,
    reason: `deployment ${primary.id} holds at ${shift.stage} since ${heldAt} until an analysis interval passes`,
  });
  return true;
}

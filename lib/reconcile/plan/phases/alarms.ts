/**
 * The deployment alarms of a BLUE_GREEN, CANARY or LINEAR deployment (deploymentConfiguration.alarms),
 * as ECS watches them: from the first production shift to the end of bake time.
 */
import type { TrafficStage } from '../../../domain';
import { isoOf } from '../../../time';
import { failPrimary, rollBack } from './judge';
import { isShifting } from './serving';
import type { RolloutState } from './state';

/** How often a deployment watching alarms reads them: CloudWatch evaluates an alarm each minute. */
const ALARM_READ_INTERVAL_MS = 60_000;

/** Stages in which the deployment may still be failed by an alarm. */
const WATCHED: ReadonlySet<TrafficStage> = new Set(['PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME']);

/**
 * Phase: alarms. From the first production shift to the end of bake time, any named alarm in ALARM
 * fails the PRIMARY, naming the alarm and its reason; with `rollback`, it is rolled back.
 */
export function judgeAlarms(state: RolloutState): void {
  const { primary } = state;
  const shift = primary.trafficShift;
  if (!isShifting(primary) || shift?.alarms === undefined || !WATCHED.has(shift.stage)) return;
  const alarms = state.input.traffic?.alarms ?? {};
  const firing = shift.alarms.alarmNames.find((name) => alarms[name]?.state === 'ALARM');
  if (firing === undefined) {
    // Alarms are read by passes: a stage baking for minutes would otherwise have none until its bake
    // ends, and an alarm firing meanwhile would fail the deployment only then.
    const until = state.now + ALARM_READ_INTERVAL_MS;
    state.actions.push({
      type: 'hold',
      deploymentId: primary.id,
      until,
      reason: `deployment ${primary.id} watches its alarms; next read at ${isoOf(until)}`,
    });
    return;
  }
  const reason = alarms[firing]?.reason;
  const failure = `CloudWatch alarm ${firing} is in ALARM${reason ? `: ${reason}` : ''}`;
  failPrimary(state, failure);
  // The stage says ROLLBACK once a rollback took over (noteRolledBack): with nothing to roll back to,
  // the deployment fails where it is, and its traffic goes where it can be served (seed 503).
  if (shift.alarms.rollback) rollBack(state, primary);
}

/**
 * Keeps a scaled service's scale-out alarms in step with its policies, level-triggered: each evaluation
 * compares the alarms its policies want (alarms.ts) with those recorded on its scaling state, and puts
 * only what changed (a policy set or changed, a new task cpu/memory) and deletes what is no longer wanted
 * (a policy removed; every alarm once the service stops scaling). The alarm is put before the record is
 * saved, so a crash in between puts it again on the next evaluation (PutMetricAlarm overwrites); a
 * deletion is recorded only after DeleteAlarms answered. Writes per evaluation are capped, so a fleet of
 * new policies is created over a few evaluations within PutMetricAlarm's rate.
 */
import type { AlarmRecord, Service } from '../domain';
import type { AlarmSpec } from './alarms';
import { planAlarms, scaleOutAlarmFor } from './alarms';
import type { AlarmClient } from './cloudwatch';
import type { TaskSize } from './metrics';

/** PutMetricAlarm and DeleteAlarms are 3 a second each (CloudWatch quotas); an evaluation runs under 60 s. */
export const MAX_ALARM_WRITES_PER_EVALUATION = 150;

export interface AlarmWriteBudget {
  left: number;
  puts: number;
  deletes: number;
  /** Services whose alarm writes CloudWatch refused this time (retried on the next evaluation). */
  failed: number;
}

export const alarmWriteBudget = (left = MAX_ALARM_WRITES_PER_EVALUATION): AlarmWriteBudget => ({
  left,
  puts: 0,
  deletes: 0,
  failed: 0,
});

/** The alarms this service's policies want now (by policy name). */
export const wantedAlarms = (
  service: Service,
  size: TaskSize | undefined,
  installation: string | undefined,
): Map<string, AlarmSpec> => {
  const wanted = new Map<string, AlarmSpec>();
  if (service.status !== 'ACTIVE' || !service.autoScaling) return wanted;
  for (const policy of service.autoScaling.targetTracking) {
    const spec = scaleOutAlarmFor(service, policy, size, installation);
    if (spec) wanted.set(policy.name, spec);
  }
  return wanted;
};

/** Puts and deletes what differs; answers the records to keep (unchanged where a write was not made). */
export const syncAlarms = async (
  client: AlarmClient,
  wanted: ReadonlyMap<string, AlarmSpec>,
  recorded: Readonly<Record<string, AlarmRecord>>,
  budget: AlarmWriteBudget,
): Promise<Record<string, AlarmRecord>> => {
  const plan = planAlarms(wanted, recorded);
  const next: Record<string, AlarmRecord> = { ...recorded };
  if (plan.remove.length > 0 && budget.left > 0) {
    budget.left--;
    await client.deleteAlarms(plan.remove.map((entry) => entry.name));
    budget.deletes += plan.remove.length;
    for (const entry of plan.remove) delete next[entry.policy];
  }
  for (const entry of plan.put) {
    if (budget.left <= 0) break;
    budget.left--;
    await client.putAlarm(entry.spec);
    budget.puts++;
    next[entry.policy] = { name: entry.spec.name, hash: entry.hash };
  }
  return next;
};

/**
 * Which CloudWatch policies one evaluation reads metrics for: those whose scale-out alarm is in ALARM
 * (one DescribeAlarms by the installation's prefix, 100 a page), and every policy of a service whose
 * scale-in poll is due (once per POLL_INTERVAL_MS; never for a service with nothing to scale in, at its
 * minCapacity or with scale-in disabled everywhere, after its first). An alarm in ALARM that belongs to no
 * scaled service is a leftover, for the caller to delete.
 */
import type { Service } from '../domain';
import type { ScalingStateRecord } from '../store/scaling';
import { alarmNamePrefix, alarmOwner } from './alarms';
import type { AlarmClient } from './cloudwatch';

/** Every CloudWatch policy is read this often for scale-in (its last few one-minute datapoints). */
export const POLL_INTERVAL_MS = 5 * 60_000;

export const serviceKey = (cluster: string, serviceName: string) => `${cluster}/${serviceName}`;

export interface ReadPlan {
  /** `cluster/service/policy` of the policies in ALARM. */
  alarming: Set<string>;
  /** `cluster/service` of the services polled this time. */
  polled: Set<string>;
  leftovers: string[];
  alarmCalls: number;
  alarmsInAlarm: number;
  /** DescribeAlarms failed: which policies are over target is unknown, so every one is read directly. */
  alarmsUnread?: unknown;
}

const canScaleIn = (service: Service) =>
  service.desiredCount > service.autoScaling!.minCapacity &&
  service.autoScaling!.targetTracking.some((policy) => !policy.disableScaleIn);

export const planReads = async (
  alarms: AlarmClient,
  installation: string | undefined,
  scaled: readonly { state: ScalingStateRecord; service: Service }[],
  now: number,
  /** The schedule fires a little early or late: a poll is due this much before its interval ends. */
  jitterMs: number,
): Promise<ReadPlan> => {
  const scaledKeys = new Set(scaled.map(({ service }) => serviceKey(service.cluster, service.serviceName)));
  let inAlarm: { names: string[]; calls: number };
  let alarmsUnread: unknown;
  try {
    inAlarm = await alarms.alarmsInAlarm(alarmNamePrefix(installation));
  } catch (error) {
    inAlarm = { names: [], calls: 1 };
    alarmsUnread = error ?? new Error('DescribeAlarms failed');
  }
  const alarming = new Set<string>();
  const leftovers: string[] = [];
  for (const alarm of inAlarm.names) {
    const owner = alarmOwner(installation, alarm);
    const key = owner && serviceKey(owner.cluster, owner.serviceName);
    if (owner && key && scaledKeys.has(key)) alarming.add(`${key}/${owner.policy}`);
    else leftovers.push(alarm);
  }
  const polled = new Set(
    scaled
      .filter(
        ({ state, service }) =>
          state.lastPolledAt === undefined ||
          (canScaleIn(service) && now - state.lastPolledAt >= POLL_INTERVAL_MS - jitterMs),
      )
      .map(({ service }) => serviceKey(service.cluster, service.serviceName)),
  );
  return {
    alarming,
    polled,
    leftovers,
    alarmCalls: inAlarm.calls,
    alarmsInAlarm: inAlarm.names.length,
    ...(alarmsUnread === undefined ? {} : { alarmsUnread }),
  };
};

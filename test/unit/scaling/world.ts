import { expect } from 'vitest';
import type {
  AutoScaling,
  Page,
  ScalingActivity,
  Service,
  ServiceEvent,
  TaskDefinition,
} from '../../../lib/domain';
import { DependencyError, VersionConflictError } from '../../../lib/errors';
import type { ReconcileRequest } from '../../../lib/queue/reconcile-queue';
import type { AlarmSpec } from '../../../lib/scaling/alarms';
import type { AlarmClient, MetricReader } from '../../../lib/scaling/cloudwatch';
import type { ScalingEvaluatorDeps } from '../../../lib/scaling/evaluate';
import { MAX_QUERIES_PER_CALL, type MetricQuery } from '../../../lib/scaling/metrics';
import type { ScalingStateRecord, ScalingStore } from '../../../lib/store/scaling';
import type { PolicyPoint } from '../../../lib/store/scaling-history';
import { autoScalingSchema } from '../../../lib/validation/autoscaling';

/** Fixtures of the scaling evaluator's tests: services, and an in-memory world of their dependencies. */
export const now = Date.parse('2026-12-01T12:00:30Z');
export const minute = 60_000;

export const cpuScaling = (extra: Record<string, unknown> = {}): AutoScaling =>
  autoScalingSchema().parse({
    minCapacity: 1,
    maxCapacity: 10,
    targetTracking: [{ name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 50 }],
    ...extra,
  });

export const service = (
  name: string,
  autoScaling: AutoScaling | undefined,
  extra: Partial<Service> = {},
): Service => ({
  cluster: 'apps',
  serviceName: name,
  serviceArn: `arn:aws:ecs:us-east-1:000000000000:service/apps/${name}`,
  status: 'ACTIVE',
  taskDefinition: 'web:3',
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  launchType: 'FARGATE',
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
  deploymentConfiguration: {
    minimumHealthyPercent: 100,
    maximumPercent: 200,
    deploymentCircuitBreaker: { enable: false, rollback: false },
  },
  healthCheckGracePeriodSeconds: 0,
  ...(autoScaling ? { autoScaling } : {}),
  tags: [],
  deployments: [
    {
      id: 'd-1',
      status: 'PRIMARY',
      taskDefinition: 'web:3',
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      failedTasks: 0,
      rolloutState: 'COMPLETED',
      rolloutStateReason: '',
      createdAt: '2026-12-01T11:00:00Z',
      updatedAt: '2026-12-01T11:00:00Z',
    },
  ],
  version: 4,
  statusVersion: 9,
  createdAt: '2026-12-01T11:00:00Z',
  updatedAt: '2026-12-01T11:00:00Z',
  ...extra,
});

/** An in-memory world: services, scaling states, a CloudWatch that answers per query, SQS backlogs. */
export const world = (
  services: Service[],
  options: {
    cpuUtilized?: (query: MetricQuery) => number | undefined;
    series?: { timestamps: number[]; values: number[] };
    /** The healthy targets of each target group (default: 0). */
    healthy?: Map<string, number>;
    /** The datapoint is of the minute before the evaluation's now (default: before the world's start). */
    datapointFollowsNow?: boolean;
  } = {},
) => {
  const byName = new Map(services.map((s) => [s.serviceName, s]));
  const states = new Map<string, ScalingStateRecord>(
    services.map((s) => [
      s.serviceName,
      {
        cluster: s.cluster,
        serviceName: s.serviceName,
        registeredAt: now - 60 * minute,
        samples: {},
        version: 1,
      },
    ]),
  );
  const activities: ScalingActivity[] = [];
  const events: ServiceEvent[] = [];
  const enqueued: ReconcileRequest[] = [];
  const calls: number[] = [];
  const backlogs = new Map<string, number>();
  const inFlight = new Map<string, number>();
  /** Reads that fail, by queue URL or target group ARN, and whether every GetMetricData / put fails. */
  const failing = new Set<string>();
  const failures = { metrics: false, putAlarm: false, describeAlarms: false };
  /** The local account's alarms by name, and which are in ALARM. */
  const alarms = new Map<string, AlarmSpec>();
  const inAlarm = new Set<string>();
  const alarmWrites: string[] = [];
  const alarmClient: AlarmClient = {
    putAlarm: async (spec) => {
      if (failures.putAlarm)
        throw Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' });
      alarmWrites.push(`put ${spec.name}`);
      alarms.set(spec.name, spec);
    },
    deleteAlarms: async (names) => {
      alarmWrites.push(`delete ${names.join(',')}`);
      for (const name of names) alarms.delete(name);
    },
    alarmsInAlarm: async (prefix) => {
      if (failures.describeAlarms) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      return {
        names: [...inAlarm].filter((name) => name.startsWith(prefix)),
        calls: 1,
      };
    },
  };
  let conflictOnWrite = false;
  const scaling: ScalingStore = {
    registerScaling: async () => {},
    listScalingStates: async () => [...states.values()],
    saveScalingState: async (next) => {
      const stored = states.get(next.serviceName);
      if (stored?.version !== next.version - 1) throw new VersionConflictError('state');
      states.set(next.serviceName, next);
    },
    deleteScalingState: async (_cluster, name) => {
      states.delete(name);
    },
    getServices: async (names) =>
      names.map((n) => byName.get(n.serviceName)).filter((s): s is Service => s !== undefined),
    addScalingActivity: async (_c, _s, activity) => {
      activities.push(activity);
    },
    listScalingActivities: async (): Promise<Page<ScalingActivity>> => ({ items: activities }),
  };
  const metrics: MetricReader = {
    getMetricData: async (queries) => {
      if (failures.metrics) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      calls.push(queries.length);
      expect(queries.length).toBeLessThanOrEqual(MAX_QUERIES_PER_CALL);
      const answer = new Map();
      for (const query of queries) {
        const value = options.cpuUtilized?.(query);
        if (options.series) answer.set(query.id, options.series);
        else if (value !== undefined) {
          const at = (options.datapointFollowsNow ? deps.now : now) - 90_000;
          answer.set(query.id, { timestamps: [at], values: [value] });
        }
      }
      return answer;
    },
  };
  const history: PolicyPoint[] = [];
  const deps: ScalingEvaluatorDeps = {
    scaling,
    history: {
      appendPolicyPoints: async (_cluster, _service, points) => {
        history.push(...points);
      },
    },
    store: {
      updateService: async (next, previous) => {
        if (conflictOnWrite) throw new VersionConflictError('service');
        const stored = byName.get(next.serviceName)!;
        expect(previous.version).toBe(stored.version);
        byName.set(next.serviceName, next);
      },
      addServiceEvents: async (_c, _s, added) => {
        events.push(...added);
      },
      getTaskDefinition: async (family, revision) =>
        ({ family, revision, cpu: '256', memory: '512' }) as TaskDefinition,
    },
    metrics,
    alarms: alarmClient,
    queues: {
      backlog: async (url) => {
        if (failing.has(url))
          throw new DependencyError(
            `SQS GetQueueAttributes of ${url} failed`,
            new Error('getaddrinfo ENOTFOUND'),
          );
        return { visible: backlogs.get(url) ?? 0, inFlight: inFlight.get(url) ?? 0 };
      },
    },
    targets: {
      healthyTargets: async (arn) => {
        if (failing.has(arn)) throw new Error('AccessDenied');
        return options.healthy?.get(arn) ?? 0;
      },
    },
    enqueue: async (requests) => {
      enqueued.push(...requests);
    },
    now,
    newId: (() => {
      let next = 0;
      return () => `id-${++next}`;
    })(),
  };
  return {
    deps,
    history,
    byName,
    states,
    activities,
    events,
    enqueued,
    calls,
    backlogs,
    inFlight,
    failing,
    failures,
    alarms,
    inAlarm,
    alarmWrites,
    conflict: () => {
      conflictOnWrite = true;
    },
  };
};

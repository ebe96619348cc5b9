/**
 * The service page's charts, from history Tugboat already keeps (pure): task counts over time from the
 * task inventory's timestamps (kept 30 days), the desired count from the current one walked back through
 * its changes (service events and scaling activities), the deployments and scaling activities as marks,
 * and each scaling policy's metric from the readings the scaling evaluator keeps (6 hours).
 */
import type { Deployment, ScalingActivity, ServiceEvent } from '../client/api-types';
import type { TaskView } from './task-page';

/** What the charts cover at most: the last three hours. */
export const CHART_WINDOW_MS = 3 * 60 * 60_000;
/** Points per series at most, whatever the window. */
const MAX_POINTS = 240;
const MIN_STEP_MS = 5_000;

export interface ChartMark {
  /** Epoch seconds, as uPlot's x axis. */
  at: number;
  kind: 'deployment' | 'scaling';
  label: string;
}

export interface ChartSeries {
  label: string;
  color: string;
  /** null where the series has no value (drawn as a gap). */
  values: (number | null)[];
  /** Drawn as points (samples), not as a stepped line. */
  points?: boolean;
  /** Drawn as a straight line through its values, with a dot at each (readings of a metric). */
  line?: boolean;
}

/** One chart as the browser script (assets.ts) draws it with uPlot. */
export interface ChartSpec {
  id: string;
  title: string;
  /** Epoch seconds. */
  x: number[];
  series: ChartSeries[];
  marks: ChartMark[];
}

export interface ChartInput {
  now: number;
  desiredCount: number;
  tasks: TaskView[];
  deployments: Deployment[];
  events: ServiceEvent[];
  scalingActivities: ScalingActivity[];
}

const epoch = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NaN);
const DESIRED_CHANGE = /desired count changed from (\d+) to (\d+)/;

/** The desired count's changes, oldest first: scaling activities and PATCHes (their service events). */
const desiredChanges = (input: ChartInput) =>
  [
    ...input.scalingActivities.map((a) => ({ at: epoch(a.startedAt), from: a.fromCount })),
    ...input.events.flatMap((e) => {
      const match = DESIRED_CHANGE.exec(e.message);
      return match ? [{ at: epoch(e.createdAt), from: Number(match[1]) }] : [];
    }),
  ]
    .filter((c) => Number.isFinite(c.at))
    .sort((a, b) => a.at - b.at);

/** The desired count at `t`: the one before the first change after `t`, else the current one. */
const desiredAt = (changes: { at: number; from: number }[], current: number, t: number) =>
  changes.find((c) => c.at > t)?.from ?? current;

/** RUNNING from startedAt until the stop begins; pending from createdAt until RUNNING (or the stop). */
const stateAt = (task: TaskView, t: number): 'running' | 'pending' | undefined => {
  const created = epoch(task.createdAt);
  const started = epoch(task.startedAt);
  const ended = Math.min(
    ...[epoch(task.stoppingAt), epoch(task.stoppedAt), epoch(task.executionStoppedAt)].filter(
      Number.isFinite,
    ),
  );
  if (!(created <= t) || t >= ended) return undefined;
  return started <= t ? 'running' : 'pending';
};

/** Sample instants: from the oldest thing known in the window to now, evenly spaced. */
export const sampleTimes = (input: ChartInput): number[] => {
  const oldest = Math.min(
    ...input.tasks.map((t) => epoch(t.createdAt)).filter(Number.isFinite),
    ...input.deployments.map((d) => epoch(d.createdAt)).filter(Number.isFinite),
    input.now,
  );
  const from = Math.max(oldest, input.now - CHART_WINDOW_MS);
  const step = Math.max(MIN_STEP_MS, Math.ceil((input.now - from) / MAX_POINTS));
  const times: number[] = [];
  for (let t = Math.min(from, input.now - step); t < input.now; t += step) times.push(t);
  times.push(input.now);
  return times;
};

const seconds = (ms: number) => Math.round(ms / 1000);

export const chartMarks = (input: ChartInput, from: number): ChartMark[] => [
  ...input.deployments
    .filter((d) => epoch(d.createdAt) >= from)
    .map((d) => ({
      at: seconds(epoch(d.createdAt)),
      kind: 'deployment' as const,
      label: `${d.rollbackOf ? 'rollback to' : 'deploy'} ${d.taskDefinition}`,
    })),
  ...input.scalingActivities
    .filter((a) => epoch(a.startedAt) >= from)
    .map((a) => ({
      at: seconds(epoch(a.startedAt)),
      kind: 'scaling' as const,
      label: `scale ${a.fromCount} → ${a.toCount}`,
    })),
];

/** Desired, running and pending tasks over the window. */
export const countsChart = (input: ChartInput): ChartSpec => {
  const times = sampleTimes(input);
  const changes = desiredChanges(input);
  const count = (state: 'running' | 'pending') => (t: number) =>
    input.tasks.filter((task) => stateAt(task, t) === state).length;
  return {
    id: 'chart-counts',
    title: 'Tasks',
    x: times.map(seconds),
    series: [
      {
        label: 'desired',
        color: '#0969da',
        values: times.map((t) => desiredAt(changes, input.desiredCount, t)),
      },
      { label: 'running', color: '#1a7f37', values: times.map(count('running')) },
      { label: 'pending', color: '#9a6700', values: times.map(count('pending')) },
    ],
    marks: chartMarks(input, times[0] ?? input.now),
  };
};

const PROVIDER_COLORS: Record<string, string> = { FARGATE: '#0969da', FARGATE_SPOT: '#bf3989' };

/** RUNNING tasks by capacity provider over the window (Spot services). */
export const capacityChart = (input: ChartInput): ChartSpec => {
  const times = sampleTimes(input);
  const providers = [
    ...new Set(input.tasks.map((t) => t.capacityProviderName ?? t.launchType ?? 'FARGATE')),
  ].sort();
  return {
    id: 'chart-capacity',
    title: 'Running tasks by capacity provider',
    x: times.map(seconds),
    series: providers.map((provider) => ({
      label: provider,
      color: PROVIDER_COLORS[provider] ?? '#656d76',
      values: times.map(
        (t) =>
          input.tasks.filter(
            (task) =>
              (task.capacityProviderName ?? task.launchType ?? 'FARGATE') === provider &&
              stateAt(task, t) === 'running',
          ).length,
      ),
    })),
    marks: chartMarks(input, times[0] ?? input.now),
  };
};

export interface PolicyTarget {
  name: string;
  targetValue: number;
  /** What the metric is, for the title: `CPUUtilization`, `queue backlog per task`, a custom name. */
  metric: string;
  /** Its readings (GET .../scaling/metrics): epoch ms and value in the target's units, oldest first. */
  points: { at: number; value: number }[];
}

/** Readings further apart than this are not joined by the line (the evaluator reads each minute). */
const POLICY_GAP_MS = 3 * 60_000;

/**
 * A target tracking policy's metric against its target: the readings the scaling evaluator kept (one a
 * minute at most), joined where they are consecutive, the target as a line, scaling activities as marks.
 */
export const policyChart = (input: ChartInput, policy: PolicyTarget, index: number): ChartSpec => {
  const readings = policy.points.filter(
    (point) => point.at >= input.now - CHART_WINDOW_MS && point.at <= input.now,
  );
  // From the oldest thing known (as the other charts), or the oldest reading if that is older.
  const from = Math.min(sampleTimes(input)[0] ?? input.now, readings[0]?.at ?? input.now);
  // A gap gets an instant of its own with no value, so the line breaks there.
  const gaps = readings.flatMap((point, i) => {
    const next = readings[i + 1];
    return next && next.at - point.at > POLICY_GAP_MS ? [(point.at + next.at) / 2] : [];
  });
  const x = [...new Set([from, ...readings.map((r) => r.at), ...gaps, input.now])].sort((a, b) => a - b);
  const valueAt = new Map(readings.map((r) => [r.at, r.value]));
  return {
    id: `chart-policy-${index}`,
    title: `Policy ${policy.name}: ${policy.metric} against its target ${policy.targetValue}`,
    x: x.map(seconds),
    series: [
      { label: 'target', color: '#1b7c83', values: x.map(() => policy.targetValue) },
      {
        label: policy.metric,
        color: '#cf222e',
        values: x.map((t) => valueAt.get(t) ?? null),
        line: true,
      },
    ],
    marks: chartMarks(input, from).filter((mark) => mark.kind === 'scaling'),
  };
};

import { describe, expect, it } from 'vitest';
import { capacityChart, countsChart, policyChart } from '../../console/chart-data';
import { chartsSection, serviceCharts } from '../../console/charts';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const iso = (sec: number) => new Date(T0 + sec * 1000).toISOString();

const task = (created: number, started?: number, stopped?: number, provider = 'FARGATE') =>
  ({
    taskId: `t${created}`,
    lastStatus: stopped === undefined ? (started === undefined ? 'PENDING' : 'RUNNING') : 'STOPPED',
    createdAt: iso(created),
    ...(started === undefined ? {} : { startedAt: iso(started) }),
    ...(stopped === undefined ? {} : { stoppingAt: iso(stopped), stoppedAt: iso(stopped + 5) }),
    capacityProviderName: provider,
  }) as any;

const input = (extra: Record<string, unknown> = {}) => ({
  now: T0 + 600_000,
  desiredCount: 3,
  tasks: [task(0, 20), task(0, 20, 300), task(310, 330, undefined, 'FARGATE_SPOT'), task(590)],
  deployments: [{ id: 'd1', taskDefinition: 'web:1', createdAt: iso(0) }] as any,
  events: [
    { id: 'e', createdAt: iso(400), message: 'service web desired count changed from 2 to 3 by local.' },
  ],
  scalingActivities: [],
  ...extra,
});

/** The values of a series at the sample closest to `sec` seconds after T0. */
const at = (chart: ReturnType<typeof countsChart>, label: string, sec: number) => {
  const target = Math.round((T0 + sec * 1000) / 1000);
  const i = chart.x.reduce(
    (best, x, j) => (Math.abs(x - target) < Math.abs((chart.x[best] ?? 0) - target) ? j : best),
    0,
  );
  return chart.series.find((s) => s.label === label)?.values[i];
};

describe('console chart data', () => {
  it('counts running and pending tasks over time from their timestamps', () => {
    const chart = countsChart(input());
    expect(chart.x[0]).toBe(T0 / 1000);
    expect(chart.x.at(-1)).toBe((T0 + 600_000) / 1000);
    expect(at(chart, 'pending', 10)).toBe(2);
    expect(at(chart, 'running', 100)).toBe(2);
    expect(at(chart, 'running', 320)).toBe(1); // one stopping from 300, the replacement pending
    expect(at(chart, 'pending', 320)).toBe(1);
    expect(at(chart, 'running', 500)).toBe(2);
    expect(at(chart, 'pending', 600)).toBe(1);
  });

  it('walks the desired count back through its changes, and marks deployments and scaling', () => {
    const chart = countsChart(
      input({
        scalingActivities: [{ id: 'a', startedAt: iso(200), cause: 'x', fromCount: 1, toCount: 2 }],
      }),
    );
    expect(at(chart, 'desired', 100)).toBe(1);
    expect(at(chart, 'desired', 300)).toBe(2);
    expect(at(chart, 'desired', 500)).toBe(3);
    expect(chart.marks).toEqual([
      { at: T0 / 1000, kind: 'deployment', label: 'deploy web:1' },
      { at: T0 / 1000 + 200, kind: 'scaling', label: 'scale 1 → 2' },
    ]);
  });

  it('keeps to the last three hours, in at most 241 points', () => {
    const chart = countsChart(input({ now: T0 + 24 * 3600_000 }));
    expect(chart.x.length).toBeLessThanOrEqual(241);
    expect((chart.x.at(-1) ?? 0) - (chart.x[0] ?? 0)).toBeLessThanOrEqual(3 * 3600);
  });

  it('splits running tasks by capacity provider, for Spot services only', () => {
    const chart = capacityChart(input());
    expect(chart.series.map((s) => s.label)).toEqual(['FARGATE', 'FARGATE_SPOT']);
    expect(at(chart, 'FARGATE_SPOT', 500)).toBe(1);
    expect(at(chart, 'FARGATE', 500)).toBe(1);
    const service = { desiredCount: 3, deployments: [], events: [] } as any;
    const onFargate = [task(0, 20)];
    expect(serviceCharts(service, onFargate, [], T0 + 60_000).map((c) => c.id)).toEqual(['chart-counts']);
    const spot = { ...service, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] };
    expect(serviceCharts(spot, onFargate, [], T0 + 60_000).map((c) => c.id)).toEqual([
      'chart-counts',
      'chart-capacity',
    ]);
  });

  it('puts each chart’s data in an escaped attribute for the browser script', () => {
    const section = chartsSection([{ ...countsChart(input()), title: '<b>' }]).value;
    expect(section).toContain('data-chart="{&quot;id&quot;:&quot;chart-counts&quot;');
    expect(section).toContain('<h3>&lt;b&gt;</h3>');
  });

  it('draws each policy’s readings as a line against its target, broken where readings are missing', () => {
    const points = [60, 120, 180, 480, 540].map((sec) => ({ at: T0 + sec * 1000, value: sec / 6 }));
    const chart = policyChart(
      input({
        scalingActivities: [
          {
            id: 'a',
            startedAt: iso(200),
            cause: 'CPUUtilization 85.0% over target 50% for policy cpu: 2 -> 4 tasks',
            fromCount: 2,
            toCount: 4,
            policy: 'cpu',
          },
        ],
      }),
      { name: 'cpu', targetValue: 50, metric: 'CPUUtilization', points },
      0,
    );
    expect(chart.title).toBe('Policy cpu: CPUUtilization against its target 50');
    // The chart spans what the others do (from the oldest task), not the whole 3 hours.
    expect(chart.x[0]).toBe(T0 / 1000);
    expect(chart.series[0]?.values.every((v) => v === 50)).toBe(true);
    const metric = chart.series[1]!;
    expect(metric.line).toBe(true);
    expect(metric.values.filter((v) => v !== null)).toEqual([10, 20, 30, 80, 90]);
    // 180 s and 480 s are 5 minutes apart: a null between them breaks the line.
    const i180 = chart.x.indexOf(T0 / 1000 + 180);
    const i480 = chart.x.indexOf(T0 / 1000 + 480);
    expect(i480 - i180).toBe(2);
    expect(metric.values[i180 + 1]).toBeNull();
    expect(metric.values[chart.x.indexOf(T0 / 1000 + 120)]).toBe(20);
    expect(chart.marks).toEqual([{ at: T0 / 1000 + 200, kind: 'scaling', label: 'scale 2 → 4' }]);
  });

  it('gives the service page each policy’s readings from the API’s answer', () => {
    const service = {
      desiredCount: 2,
      deployments: [],
      autoScaling: {
        targetTracking: [
          { name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 50 },
          { name: 'q', metric: { queueBacklogPerTask: { queueUrl: 'u' } }, targetValue: 10 },
        ],
      },
    } as any;
    const charts = serviceCharts(service, [], [], T0 + 600_000, {
      policies: [{ name: 'q', targetValue: 10, points: [{ at: iso(300), value: 12.5 }] }],
    });
    expect(charts.map((c) => c.id)).toEqual(['chart-counts', 'chart-policy-0', 'chart-policy-1']);
    expect(charts[1]?.series[1]?.values.filter((v) => v !== null)).toEqual([]);
    expect(charts[2]?.title).toBe('Policy q: queue backlog per task against its target 10');
    expect(charts[2]?.series[1]?.values.filter((v) => v !== null)).toEqual([12.5]);
  });
});

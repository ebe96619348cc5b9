/** The service page's charts section: which charts a service gets, as data the browser draws with uPlot. */
import type { PolicyMetricHistory, ScalingActivity, ServiceDescription } from '../client/api-types';
import { type ChartSpec, capacityChart, countsChart, type PolicyTarget, policyChart } from './chart-data';
import { html } from './html';
import type { TaskView } from './task-page';

/**
 * Every service: its task counts; a Spot service (or one that ran on more than one provider): by
 * provider; an auto-scaled one: each target tracking policy's metric against its target.
 */
export const serviceCharts = (
  service: ServiceDescription,
  tasks: TaskView[],
  scalingActivities: ScalingActivity[],
  now = Date.now(),
  metrics: PolicyMetricHistory = { policies: [] },
): ChartSpec[] => {
  const input = {
    now,
    desiredCount: service.desiredCount,
    tasks,
    deployments: service.deployments,
    events: service.events ?? [],
    scalingActivities,
  };
  const spot =
    service.capacityProviderStrategy?.some((item) => item.capacityProvider === 'FARGATE_SPOT') ||
    new Set(tasks.map((t) => t.capacityProviderName).filter(Boolean)).size > 1;
  const policies: PolicyTarget[] = (service.autoScaling?.targetTracking ?? []).map((policy) => ({
    name: policy.name,
    targetValue: policy.targetValue,
    metric:
      'predefined' in policy.metric
        ? policy.metric.predefined
        : 'custom' in policy.metric
          ? policy.metric.custom.metricName
          : 'queue backlog per task',
    points: (metrics.policies.find((read) => read.name === policy.name)?.points ?? []).map((point) => ({
      at: Date.parse(point.at),
      value: point.value,
    })),
  }));
  return [
    countsChart(input),
    ...(spot ? [capacityChart(input)] : []),
    ...policies.map((policy, i) => policyChart(input, policy, i)),
  ];
};

export const chartsSection = (charts: ChartSpec[]) =>
  html`<section class="card" id="charts"><h2>History <span class="reason">the last 3 hours at most; dashed lines mark deployments and scaling activities</span></h2>
<div class="charts">${charts.map(
    (chart) =>
      html`<div class="chart" id="${chart.id}" data-chart="${JSON.stringify(chart)}"><h3>${chart.title}</h3><div class="plot"></div></div>`,
  )}</div></section>`;

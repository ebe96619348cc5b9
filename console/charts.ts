/** The service page's charts section: which charts a service gets, as data the browser draws with uPlot. */
import type { ScalingActivity, ServiceDescription } from '../cli/api-types';
import { type ChartSpec, capacityChart, countsChart } from './chart-data';
import { html } from './html';
import type { TaskView } from './task-page';

/** Every service: its task counts; a Spot service (or one that ran on more than one provider): by provider. */
export const serviceCharts = (
  service: ServiceDescription,
  tasks: TaskView[],
  scalingActivities: ScalingActivity[],
  now = Date.now(),
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
  return [countsChart(input), ...(spot ? [capacityChart(input)] : [])];
};

export const chartsSection = (charts: ChartSpec[]) =>
  html`<section class="card" id="charts"><h2>History <span class="reason">the last 3 hours at most; dashed lines mark deployments and scaling activities</span></h2>
<div class="charts">${charts.map(
    (chart) =>
      html`<div class="chart" id="${chart.id}" data-chart="${JSON.stringify(chart)}"><h3>${chart.title}</h3><div class="plot"></div></div>`,
  )}</div></section>`;

import type {
  Action,
  Deployment,
  ScalingActivity,
  ServiceDescription,
  ServicePlan,
} from '../client/api-types';
import { sameFamily } from '../lib/domain';
import type { ChartSpec } from './chart-data';
import { chartsSection } from './charts';
import { CSRF_FIELD } from './guard';
import { html, seg } from './html';
import { badge, layout, liveNote, type PageContext, progressBar, readOnlyNote, when } from './render';
import {
  deploymentTargets,
  failureBanner,
  scalingSection,
  type TargetRow,
  targetsSection,
} from './service-sections';
import { shortId, type TaskList, tasksSection } from './task-page';
import { trafficSection } from './traffic-section';

export interface ServicePageData {
  cluster: string;
  service: ServiceDescription;
  /** Live tasks and a page of stopped ones, each with `timing` (phase -> { durationMs, ongoing } | null). */
  tasks: TaskList;
  /** Drawn in the browser by uPlot (charts.ts); none in a page rendered without them. */
  charts?: ChartSpec[];
  /** The page of stopped tasks shown (`?stopped=N`); the page refreshes itself at the same page. */
  stoppedPage?: number;
  plan?: ServicePlan;
  planError?: string;
  images: Map<string, string>;
  /** Load-balanced services: the live tasks' targets with their state now. */
  targets?: TargetRow[];
  targetsError?: string;
  /** Auto-scaled services: the newest scaling activities first. */
  scalingActivities?: ScalingActivity[];
  scalingError?: string;
  /** The clock the bake time left is counted on (default now). */
  now?: number;
}

const actionText = (action: Action) => {
  switch (action.type) {
    case 'launch':
      return `launch ${action.count} × ${action.taskDefinition}`;
    case 'stop':
      return `stop task ${String(action.taskArn).split('/').pop()}`;
    case 'rollback':
      return `roll back to ${action.taskDefinition}`;
    default:
      return String(action.type);
  }
};

/** One service: its deployments with progress, events, tasks with phase timings, the plan, and its history. */
export const servicePage = (ctx: PageContext, data: ServicePageData): string => {
  const { service, cluster } = data;
  const url = `${ctx.base}/clusters/${seg(cluster)}/services/${seg(service.serviceName)}`;
  const pageUrl = data.stoppedPage && data.stoppedPage > 1 ? `${url}?stopped=${data.stoppedPage}` : url;
  const current = service.deployments.filter((d) => d.status !== 'INACTIVE');
  const completedBefore = (d: Deployment) =>
    d.rolloutState === 'COMPLETED' &&
    d.taskDefinition !== service.taskDefinition &&
    sameFamily(d.taskDefinition, service.taskDefinition);
  const loadBalanced = Boolean(service.loadBalancers?.length);
  const body = html`<h1>${service.serviceName} ${badge(service.status)}</h1>
<div class="sub">cluster <code>${cluster}</code> · task definition <code>${service.taskDefinition}</code> · image <code>${data.images.get(service.taskDefinition) ?? '-'}</code>
 · desired <b data-count="desired">${service.desiredCount}</b> · running <b data-count="running">${service.runningCount}</b> · pending <b data-count="pending">${service.pendingCount}</b>
${liveNote(ctx)}</div>
${failureBanner(service)}

<section class="card" id="deployments"><h2>Deployments</h2>
<table><thead><tr><th>Deployment</th><th>Status</th><th>Task definition</th><th>Progress</th><th>Rollout</th>${loadBalanced ? html`<th>Targets</th>` : ''}<th>Started</th></tr></thead><tbody>
${current.map(
  (
    d,
  ) => html`<tr data-deployment="${d.id}"><td><code title="${d.id}">${shortId(d.id)}</code></td><td>${badge(d.status)}</td><td><code>${d.taskDefinition}</code></td>
<td>${progressBar(d)}</td><td>${badge(d.rolloutState)}${d.rolloutStateReason ? html`<div class="reason">${d.rolloutStateReason}</div>` : ''}</td>${loadBalanced ? deploymentTargets(d) : ''}<td>${when(d.createdAt)}</td></tr>`,
)}
</tbody></table></section>
${trafficSection(ctx, url, service.deployments, data.now ?? Date.now())}

${data.charts?.length ? chartsSection(data.charts) : ''}

<div class="grid2">
<section class="card" id="events"><h2>Events</h2>
${(service.events ?? []).length === 0 ? html`<p class="empty">No events yet.</p>` : html`<ul class="events">${(service.events ?? []).slice(0, 50).map((e) => html`<li>${when(e.createdAt)}${e.message}</li>`)}</ul>`}
</section>
<section class="card" id="plan"><h2>Plan <span class="reason">what the reconciler would do now</span></h2>
${
  data.planError
    ? html`<div class="error">${data.planError}</div>`
    : !data.plan || data.plan.actions.length === 0
      ? html`<p class="empty">Nothing to do: the service matches what was asked for.</p>`
      : html`<table><tbody>${data.plan.actions.map((a) => html`<tr><td><b>${actionText(a)}</b><div class="reason">${a.reason}</div></td></tr>`)}</tbody></table>`
}
</section>
</div>

${tasksSection(ctx, cluster, url, data.tasks)}

<div class="grid2">
${targetsSection(service, data.targets, data.targetsError)}
${scalingSection(service, data.scalingActivities, data.scalingError)}
</div>

<section class="card" id="history"><h2>Deployment history</h2>
<table><thead><tr><th>Deployment</th><th>Task definition</th><th>Status</th><th>Rollout</th><th>Created</th><th>Updated</th><th></th></tr></thead><tbody>
${service.deployments.map(
  (
    d,
  ) => html`<tr><td><code title="${d.id}">${shortId(d.id)}</code>${d.rollbackOf ? html` <span class="reason">rollback of ${shortId(d.rollbackOf)}</span>` : ''}</td><td><code>${d.taskDefinition}</code></td><td>${badge(d.status)}</td><td>${badge(d.rolloutState)}</td><td>${when(d.createdAt)}</td><td>${when(d.updatedAt)}</td>
<td>${
    ctx.allowWrites && completedBefore(d)
      ? html`<form method="post" action="${url}/rollback" hx-post="${url}/rollback" hx-confirm="Roll ${service.serviceName} back to ${d.taskDefinition}?" hx-target="#page" hx-select="#page" hx-swap="outerHTML">
<input type="hidden" name="taskDefinition" value="${d.taskDefinition}"><input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrfToken ?? ''}"><button class="danger" type="submit">Roll back to ${d.taskDefinition}</button></form>`
      : ''
  }</td></tr>`,
)}</tbody></table>
${ctx.allowWrites ? '' : readOnlyNote(ctx, 'roll back')}
</section>`;
  return layout(ctx, service.serviceName, pageUrl, body);
};

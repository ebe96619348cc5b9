import type {
  Action,
  Deployment,
  ScalingActivity,
  ServiceDescription,
  ServicePlan,
  TaskRecord,
  TaskTiming,
} from '../cli/api-types';
import { sameFamily } from '../lib/domain';
import { CSRF_FIELD } from './guard';
import { html, seg } from './html';
import { badge, duration, inProgress, layout, type PageContext, progressBar, when } from './render';
import { deploymentTargets, scalingSection, type TargetRow, targetsSection } from './service-sections';

/** A task as the page shows it: the inventory record with its phase timings. */
export type TaskView = TaskRecord & { timing?: TaskTiming };

const PHASES = ['provisioning', 'pull', 'startUp', 'running', 'stopping'] as const;

export interface ServicePageData {
  cluster: string;
  service: ServiceDescription;
  /** Tasks, each with `timing` (phase -> { durationMs, ongoing } | null). */
  tasks: TaskView[];
  plan?: ServicePlan;
  planError?: string;
  images: Map<string, string>;
  /** Load-balanced services: the live tasks' targets with their state now. */
  targets?: TargetRow[];
  targetsError?: string;
  /** Auto-scaled services: the newest scaling activities first. */
  scalingActivities?: ScalingActivity[];
  scalingError?: string;
}

/** A task's life as a stacked bar of its phases, with the durations on hover and beside it. */
const phaseBar = (timing: TaskTiming | undefined) => {
  if (!timing) return html`-`;
  const total = PHASES.reduce((sum, phase) => sum + (timing[phase]?.durationMs ?? 0), 0);
  const parts = PHASES.filter((phase) => timing[phase]);
  return html`<div class="phases" title="${parts.map((p) => `${p} ${duration(timing[p]?.durationMs)}`).join(', ')}">${parts.map(
    (phase) =>
      html`<span class="ph-${phase}" style="width:${total > 0 ? Math.max(2, ((timing[phase]?.durationMs ?? 0) / total) * 100) : 0}%"></span>`,
  )}</div>`;
};

/** Deployment ids are long (`ecs-svc-` and 32 hex); the tail tells them apart. */
const shortId = (id: string | undefined) => (id ? (id.length > 16 ? `…${id.slice(-10)}` : id) : '-');

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
  const current = service.deployments.filter((d) => d.status !== 'INACTIVE');
  const completedBefore = (d: Deployment) =>
    d.rolloutState === 'COMPLETED' &&
    d.taskDefinition !== service.taskDefinition &&
    sameFamily(d.taskDefinition, service.taskDefinition);
  const loadBalanced = Boolean(service.loadBalancers?.length);
  const body = html`<h1>${service.serviceName} ${badge(service.status)}</h1>
<div class="sub">cluster <code>${cluster}</code> · task definition <code>${service.taskDefinition}</code> · image <code>${data.images.get(service.taskDefinition) ?? '-'}</code>
 · desired <b data-count="desired">${service.desiredCount}</b> · running <b data-count="running">${service.runningCount}</b> · pending <b data-count="pending">${service.pendingCount}</b>
${inProgress(service) ? html`<span class="live">● rollout in progress, refreshing every 2 s</span>` : ''}</div>

<section class="card" id="deployments"><h2>Deployments</h2>
<table><thead><tr><th>Deployment</th><th>Status</th><th>Task definition</th><th>Progress</th><th>Rollout</th>${loadBalanced ? html`<th>Targets</th>` : ''}<th>Started</th></tr></thead><tbody>
${current.map(
  (
    d,
  ) => html`<tr data-deployment="${d.id}"><td><code>${d.id}</code></td><td>${badge(d.status)}</td><td><code>${d.taskDefinition}</code></td>
<td>${progressBar(d)}</td><td>${badge(d.rolloutState)}${d.rolloutStateReason ? html`<div class="reason">${d.rolloutStateReason}</div>` : ''}</td>${loadBalanced ? deploymentTargets(d) : ''}<td>${when(d.createdAt)}</td></tr>`,
)}
</tbody></table></section>

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

<section class="card" id="tasks"><h2>Tasks <span class="legend reason">${['provisioning', 'pull', 'startUp', 'running', 'stopping'].map((p) => html`<span class="ph-${p}"></span>${p}`)}</span></h2>
${
  data.tasks.length === 0
    ? html`<p class="empty">No tasks.</p>`
    : html`<table><thead><tr><th>Task</th><th>Status</th><th>Health</th><th>Deployment</th><th>Phases</th><th>Provisioning</th><th>Pull</th><th>Start-up</th><th>Running</th><th>Stopped reason</th></tr></thead><tbody>
${data.tasks.map(
  (
    t,
  ) => html`<tr data-task="${t.taskId}"><td><code>${String(t.taskId).slice(0, 12)}</code></td><td>${badge(t.lastStatus)}</td><td>${badge(t.healthStatus)}</td><td><code title="${t.deploymentId ?? ''}">${shortId(t.deploymentId)}</code></td>
<td>${phaseBar(t.timing)}</td>${PHASES.slice(0, 4).map((p) => html`<td class="num">${duration(t.timing?.[p]?.durationMs)}</td>`)}<td class="reason">${t.stoppedReason ?? ''}</td></tr>`,
)}</tbody></table>`
}
</section>

<div class="grid2">
${targetsSection(service, data.targets, data.targetsError)}
${scalingSection(service, data.scalingActivities, data.scalingError)}
</div>

<section class="card" id="history"><h2>Deployment history</h2>
<table><thead><tr><th>Deployment</th><th>Task definition</th><th>Status</th><th>Rollout</th><th>Created</th><th>Updated</th><th></th></tr></thead><tbody>
${service.deployments.map(
  (
    d,
  ) => html`<tr><td><code>${d.id}</code>${d.rollbackOf ? html` <span class="reason">rollback of ${d.rollbackOf}</span>` : ''}</td><td><code>${d.taskDefinition}</code></td><td>${badge(d.status)}</td><td>${badge(d.rolloutState)}</td><td>${when(d.createdAt)}</td><td>${when(d.updatedAt)}</td>
<td>${
    ctx.allowWrites && completedBefore(d)
      ? html`<form method="post" action="${url}/rollback" hx-post="${url}/rollback" hx-confirm="Roll ${service.serviceName} back to ${d.taskDefinition}?" hx-target="#page" hx-select="#page" hx-swap="outerHTML">
<input type="hidden" name="taskDefinition" value="${d.taskDefinition}"><input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrfToken ?? ''}"><button class="danger" type="submit">Roll back to ${d.taskDefinition}</button></form>`
      : ''
  }</td></tr>`,
)}</tbody></table>
${ctx.allowWrites ? '' : html`<p class="reason">Read-only console: start it with --allow-writes to roll back from here.</p>`}
</section>`;
  return layout(ctx, service.serviceName, url, body);
};

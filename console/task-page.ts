/** The service page's tasks section (live tasks, stopped tasks paged) and a task's own page. */
import type { TaskDescription, TaskRecord, TaskTiming } from '../client/api-types';
import { html, seg } from './html';
import { badge, duration, layout, liveNote, type PageContext, when } from './render';

/** A task as the page shows it: the inventory record with its phase timings. */
export type TaskView = TaskRecord & { timing?: TaskTiming };

const PHASES = ['provisioning', 'pull', 'startUp', 'running', 'stopping'] as const;

/** Stopped tasks per page of the service page (`?stopped=N`, from 1). */
export const STOPPED_PER_PAGE = 10;

export interface TaskList {
  /** Every task not STOPPED, newest first. */
  live: TaskView[];
  /** One page of the stopped tasks, newest first. */
  stopped: TaskView[];
  stoppedTotal: number;
  /** The page shown (1-based) and how many there are. */
  stoppedPage: number;
  stoppedPages: number;
}

/** `?stopped=N` as a page number: anything not a whole number from 1 is the first page. */
export const stoppedPageOf = (value: string | null): number => {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? page : 1;
};

/** Live tasks all, stopped ones a page at a time; newest first (the API's own order rule). */
export const pageTasks = (tasks: TaskView[], page: number): TaskList => {
  const newest = [...tasks].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
  const stopped = newest.filter((task) => task.lastStatus === 'STOPPED');
  const stoppedPages = Math.max(1, Math.ceil(stopped.length / STOPPED_PER_PAGE));
  const shown = Math.min(page, stoppedPages);
  return {
    live: newest.filter((task) => task.lastStatus !== 'STOPPED'),
    stopped: stopped.slice((shown - 1) * STOPPED_PER_PAGE, shown * STOPPED_PER_PAGE),
    stoppedTotal: stopped.length,
    stoppedPage: shown,
    stoppedPages,
  };
};

/** A task's life as a stacked bar of its phases, with the durations on hover and beside it. */
export const phaseBar = (timing: TaskTiming | undefined) => {
  if (!timing) return html`-`;
  const total = PHASES.reduce((sum, phase) => sum + (timing[phase]?.durationMs ?? 0), 0);
  const parts = PHASES.filter((phase) => timing[phase]);
  return html`<div class="phases" title="${parts.map((p) => `${p} ${duration(timing[p]?.durationMs)}`).join(', ')}">${parts.map(
    (phase) =>
      html`<span class="ph-${phase}" style="width:${total > 0 ? Math.max(2, ((timing[phase]?.durationMs ?? 0) / total) * 100) : 0}%"></span>`,
  )}</div>`;
};

/** Deployment ids are long (`ecs-svc-` and 32 hex); the tail tells them apart. */
export const shortId = (id: string | undefined) => (id ? (id.length > 16 ? `…${id.slice(-10)}` : id) : '-');

export const taskUrl = (ctx: PageContext, cluster: string, taskId: string) =>
  `${ctx.base}/clusters/${seg(cluster)}/tasks/${seg(taskId)}`;

const taskRows = (ctx: PageContext, cluster: string, tasks: TaskView[]) =>
  html`<table><thead><tr><th>Task</th><th>Status</th><th>Health</th><th>Deployment</th><th>Phases</th><th class="wide">Provisioning</th><th class="wide">Pull</th><th class="wide">Start-up</th><th>Running</th><th>Stopped reason</th></tr></thead><tbody>
${tasks.map(
  (
    t,
  ) => html`<tr data-task="${t.taskId}"><td><a href="${taskUrl(ctx, cluster, t.taskId)}"><code>${String(t.taskId).slice(0, 12)}</code></a></td><td>${badge(t.lastStatus)}</td><td>${badge(t.healthStatus)}</td><td><code title="${t.deploymentId ?? ''}">${shortId(t.deploymentId)}</code></td>
<td>${phaseBar(t.timing)}</td>${PHASES.slice(0, 4).map((p, i) => html`<td class="num${i < 3 ? ' wide' : ''}">${duration(t.timing?.[p]?.durationMs)}</td>`)}<td class="reason">${t.stoppedReason ?? ''}</td></tr>`,
)}</tbody></table>`;

/** The service page's tasks: the live ones, then one page of the stopped ones with links to the others. */
export const tasksSection = (ctx: PageContext, cluster: string, serviceUrl: string, list: TaskList) => {
  const pageLink = (page: number, text: string) =>
    html`<a href="${serviceUrl}?stopped=${page}" data-stopped-page="${page}">${text}</a>`;
  const first = (list.stoppedPage - 1) * STOPPED_PER_PAGE + 1;
  return html`<section class="card" id="tasks"><h2>Tasks <span class="legend reason">${PHASES.map((p) => html`<span class="ph-${p}"></span>${p}`)}</span></h2>
${list.live.length === 0 ? html`<p class="empty">No live tasks.</p>` : taskRows(ctx, cluster, list.live)}
</section>
<section class="card" id="stopped"><h2>Stopped tasks <span class="reason">${
    list.stoppedTotal === 0
      ? 'none'
      : `${first}–${first + list.stopped.length - 1} of ${list.stoppedTotal}, newest first`
  }</span></h2>
${list.stoppedTotal === 0 ? html`<p class="empty">No stopped tasks.</p>` : taskRows(ctx, cluster, list.stopped)}
${
  list.stoppedPages > 1
    ? html`<nav class="pager">${list.stoppedPage > 1 ? pageLink(list.stoppedPage - 1, '← newer') : ''} <span>page ${list.stoppedPage} of ${list.stoppedPages}</span> ${
        list.stoppedPage < list.stoppedPages ? pageLink(list.stoppedPage + 1, 'older →') : ''
      }</nav>`
    : ''
}
</section>`;
};

const PHASE_NAMES: Record<(typeof PHASES)[number], string> = {
  provisioning: 'Provisioning',
  pull: 'Image pull',
  startUp: 'Start-up',
  running: 'Running',
  stopping: 'Stopping',
};

const row = (name: string, value: unknown) => html`<tr><th>${name}</th><td>${value ?? '-'}</td></tr>`;

/** One task: where it runs, its phases with their times, why it stopped, its containers and targets. */
export const taskPage = (ctx: PageContext, cluster: string, task: TaskDescription): string => {
  const url = taskUrl(ctx, cluster, task.taskId);
  const serviceLink = task.serviceName
    ? html`<a href="${ctx.base}/clusters/${seg(cluster)}/services/${seg(task.serviceName)}">${task.serviceName}</a>`
    : html`<span class="reason">one-off task${task.startedBy ? ` started by ${task.startedBy}` : ''}</span>`;
  const body = html`<h1>Task <code>${task.taskId}</code> ${badge(task.lastStatus)}</h1>
<div class="sub">cluster <code>${cluster}</code> · service ${serviceLink}${liveNote(ctx)}</div>
${
  task.lastStatus === 'STOPPED'
    ? html`<div class="error banner" id="stop-reason"><b>Stopped</b>${task.stopCode ? html` (<code>${task.stopCode}</code>)` : ''}: ${task.stoppedReason ?? 'no reason given'}</div>`
    : ''
}
<div class="grid2">
<section class="card" id="task-details"><h2>Task</h2><table class="details"><tbody>
${row('Task definition', html`<code>${task.taskDefinition ?? '-'}</code>`)}
${row('Deployment', html`<code>${task.deploymentId ?? '-'}</code>`)}
${row('Capacity provider', html`<span data-capacity-provider="${task.capacityProviderName ?? task.launchType ?? ''}">${task.capacityProviderName ?? task.launchType ?? '-'}</span>`)}
${row('Availability zone', task.availabilityZone)}
${row('CPU / memory', `${task.cpu ?? '-'} / ${task.memory ?? '-'}`)}
${row('Address', task.privateIpv4Address)}
${row('Health', badge(task.healthStatus))}
${row('Desired status', task.desiredStatus)}
${row('Created', when(task.createdAt))}
${row('Started', when(task.startedAt))}
${row('Stopped', when(task.stoppedAt))}
${row('Source', task.source === 'ecs' ? 'asked ECS' : 'Tugboat’s inventory')}
</tbody></table></section>
<section class="card" id="timings"><h2>Timings</h2>
${phaseBar(task.timing)}
<table><thead><tr><th>Phase</th><th>From</th><th>To</th><th>Duration</th></tr></thead><tbody>
${PHASES.map((phase) => {
  const p = task.timing?.[phase];
  return html`<tr data-phase="${phase}"><td><span class="legend"><span class="ph-${phase}"></span></span>${PHASE_NAMES[phase]}</td><td>${when(p?.startedAt)}</td><td>${p?.ongoing ? html`<i>now</i>` : when(p?.endedAt)}</td><td class="num">${p ? duration(p.durationMs) : '-'}</td></tr>`;
})}
</tbody></table></section>
</div>
<section class="card" id="containers"><h2>Containers</h2>
${
  (task.containers ?? []).length === 0
    ? html`<p class="empty">No containers reported.</p>`
    : html`<table><thead><tr><th>Container</th><th>Image</th><th>Status</th><th>Health</th><th>Exit code</th><th>Reason</th></tr></thead><tbody>
${(task.containers ?? []).map(
  (c) =>
    html`<tr data-container="${c.name ?? ''}"><td><b>${c.name ?? '-'}</b></td><td><code>${c.image ?? '-'}</code></td><td>${badge(c.lastStatus)}</td><td>${badge(c.healthStatus)}</td><td class="num" data-exit-code="${c.exitCode ?? ''}">${c.exitCode ?? '-'}</td><td class="reason">${c.reason ?? ''}</td></tr>`,
)}</tbody></table>`
}
</section>
<section class="card" id="task-targets"><h2>Targets</h2>
${
  !task.targets?.length
    ? html`<p class="empty">${task.loadBalancing ? 'No targets registered now.' : 'Not registered with a target group.'}</p>`
    : html`<table><thead><tr><th>Target group</th><th>Target</th><th>State</th><th>Reason</th></tr></thead><tbody>
${task.targets.map(
  (t) =>
    html`<tr><td><code class="wrap">${t.targetGroupArn}</code></td><td><code>${t.id}:${t.port}</code></td><td>${badge(t.state)}</td><td class="reason">${[t.reason, t.description].filter(Boolean).join(': ')}</td></tr>`,
)}</tbody></table>`
}
</section>`;
  return layout(ctx, `Task ${task.taskId.slice(0, 12)}`, url, body);
};

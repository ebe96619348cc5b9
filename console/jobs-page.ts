/** The Jobs page: each job's schedule in words, its next runs, a strip of its last runs by verdict, their tasks. */
import type { JobRun, JobView } from '../client/api-types';
import { html, seg } from './html';
import { badge, layout, liveNote, type PageContext } from './render';
import { scheduleInWords } from './schedule-words';
import { taskUrl } from './task-page';

/** The runs a job's strip shows, newest first (the API's order). */
export const STRIP_RUNS = 20;

export interface JobWithRuns {
  job: JobView;
  runs: JobRun[];
  error?: string;
}

export interface ClusterJobs {
  cluster: string;
  jobs: JobWithRuns[];
  error?: string;
}

/** An instant with its date (runs are days apart), in UTC as the API gives it. */
const when = (iso: string) =>
  html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 16).replace('T', ' ')}</time>`;

/** One square per run, coloured by its verdict (or its status while it has none), newest on the left. */
const strip = (ctx: PageContext, cluster: string, runs: JobRun[]) =>
  html`<span class="strip">${runs.map((run) => {
    const state = run.verdict ?? run.status;
    const title = `${run.scheduledAt} attempt ${run.attempt}: ${state}${run.exitCode === undefined ? '' : ` (exit ${run.exitCode})`}${run.reason ? ` ${run.reason}` : ''}`;
    return run.taskId
      ? html`<a class="run ${state}" title="${title}" href="${taskUrl(ctx, cluster, run.taskId)}"></a>`
      : html`<span class="run ${state}" title="${title}"></span>`;
  })}</span>`;

const runRows = (ctx: PageContext, cluster: string, runs: JobRun[]) =>
  html`<details><summary>${runs.length} latest runs</summary><table><thead><tr><th>Scheduled</th><th>Attempt</th><th>Verdict</th><th>Exit</th><th>Task</th><th>Reason</th></tr></thead><tbody>
${runs.map(
  (
    run,
  ) => html`<tr data-run="${run.scheduledAt}#${run.attempt}"><td>${when(run.scheduledAt)}</td><td class="num">${run.attempt}</td><td>${badge(run.verdict ?? run.status)}</td><td class="num">${run.exitCode ?? '-'}</td>
<td>${run.taskId ? html`<a href="${taskUrl(ctx, cluster, run.taskId)}"><code>${run.taskId.slice(0, 12)}</code></a>` : '-'}</td><td class="reason">${run.reason ?? ''}</td></tr>`,
)}</tbody></table></details>`;

export const jobsPage = (ctx: PageContext, clusters: ClusterJobs[]): string => {
  const body = html`<h1>Jobs</h1>
<div class="sub">Scheduled jobs of ${clusters.length} cluster${clusters.length === 1 ? '' : 's'}${liveNote(ctx)}</div>
${clusters.map(
  (cluster) => html`<section class="card" data-cluster="${cluster.cluster}">
<h2>Cluster <code>${cluster.cluster}</code></h2>
${
  cluster.error
    ? html`<div class="error">${cluster.error}</div>`
    : cluster.jobs.length === 0
      ? html`<p class="empty">No jobs.</p>`
      : html`<table>
<thead><tr><th>Job</th><th>Schedule</th><th>Next runs</th><th>Last runs</th><th>Task definition</th></tr></thead>
<tbody>${cluster.jobs.map(
          ({ job, runs, error }) => html`<tr data-job="${job.jobName}" id="job-${seg(job.jobName)}">
<td><b>${job.jobName}</b>${job.suspend ? html` ${badge('SUSPENDED')}` : ''}${job.failing ? html`<div class="reason bad">${job.failing}</div>` : ''}</td>
<td>${scheduleInWords(job.schedule, job.timezone)}<div class="reason"><code>${job.schedule}</code> ${job.concurrencyPolicy}</div></td>
<td>${job.nextRuns.length === 0 ? '-' : job.nextRuns.slice(0, 3).map((at) => html`<div>${when(at)}</div>`)}</td>
<td>${error ? html`<div class="error">${error}</div>` : html`${strip(ctx, cluster.cluster, runs)}${runs.length ? runRows(ctx, cluster.cluster, runs) : ''}`}</td>
<td><code>${job.taskDefinition}</code></td>
</tr>`,
        )}</tbody></table>`
}
</section>`,
)}`;
  return layout(ctx, 'Jobs', `${ctx.base}/jobs`, body);
};

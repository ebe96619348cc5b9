import type { Deployment, Service } from '../client/api-types';
import { html, type SafeHtml, seg } from './html';

/** Everything a page needs to know about where it is served and what it may do. */
export interface PageContext {
  /** Where the console is mounted: `/console`. */
  base: string;
  allowWrites: boolean;
  /** How writes are allowed where this console runs (`--allow-writes`, or an environment variable). */
  writeSwitch?: string;
  /** A rollout is in progress: the page refreshes every 2 s instead of every 5 s. */
  live: boolean;
  /** A page that does not refresh itself (error pages). */
  still?: boolean;
  /** The page has charts: it loads uPlot and the script that draws them. */
  charts?: boolean;
  /** This browser session's CSRF token (guard.ts): every htmx request and every form carries it. */
  csrfToken?: string;
}

/**
 * htmx without what the Content-Security-Policy forbids anyway: no eval (hx-on, js: values), no script
 * tags from swapped content, no injected indicator style element.
 */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  selfRequestsOnly: true,
});

export const badge = (text: string | undefined) =>
  text ? html`<span class="badge ${text}">${text}</span>` : html`-`;

/** Running and healthy over desired, as a bar with its numbers. */
export const progressBar = (d: {
  runningCount: number;
  desiredCount: number;
  healthyCount?: number;
  pendingCount?: number;
  failedTasks?: number;
}) => {
  const pct = (n: number) =>
    d.desiredCount > 0 ? Math.min(100, Math.round((n / d.desiredCount) * 100)) : 100;
  return html`<span class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="${d.desiredCount}" aria-valuenow="${d.runningCount}"
      ><span class="running" style="width:${pct(d.runningCount)}%"></span><span class="healthy" style="width:${pct(d.healthyCount ?? 0)}%"></span></span
    ><span class="counts">${d.runningCount}/${d.desiredCount} running · ${d.healthyCount ?? 0} healthy · ${d.pendingCount ?? 0} pending${
      d.failedTasks ? html` · <b style="color:var(--bad)">${d.failedTasks} failed</b>` : ''
    }</span>`;
};

export const when = (iso: string | undefined) =>
  iso ? html`<time datetime="${iso}" title="${iso}">${iso.slice(11, 19)}</time>` : html`-`;

export const duration = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
};

export const primaryOf = (service: Pick<Service, 'deployments'>) =>
  service.deployments?.find((d) => d.status === 'PRIMARY');

export const inProgress = (service: Pick<Service, 'deployments'>): boolean =>
  (service.deployments ?? []).some((d) => d.rolloutState === 'IN_PROGRESS' && d.status !== 'INACTIVE');

/**
 * The failed deployment a page still warns about: the newest FAILED one, until a later deployment other
 * than its own rollback completes (the rollback restores the old revision; the failure is not fixed).
 */
export const unresolvedFailure = (service: Pick<Service, 'deployments'>): Deployment | undefined => {
  const deployments = [...(service.deployments ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const failed = deployments.find((d) => d.rolloutState === 'FAILED');
  if (!failed) return undefined;
  const fixed = deployments.some(
    (d) => d.createdAt > failed.createdAt && d.rolloutState === 'COMPLETED' && d.rollbackOf !== failed.id,
  );
  return fixed ? undefined : failed;
};

/**
 * Seconds between refreshes: counts move without a rollout too (auto scaling, Spot, replaced tasks), so
 * every page refreshes, faster while a rollout runs.
 */
export const refreshSeconds = (ctx: Pick<PageContext, 'live'>) => (ctx.live ? 2 : 5);

/** What the page says about refreshing, beside its title. */
export const liveNote = (ctx: Pick<PageContext, 'live' | 'still'>) =>
  ctx.still
    ? ''
    : ctx.live
      ? html`<span class="live">● rollout in progress, refreshing every ${refreshSeconds(ctx)} s</span>`
      : html`<span class="live quiet">refreshing every ${refreshSeconds(ctx)} s</span>`;

/** The read-only note: the switch that allows writes where this console runs. */
export const readOnlyNote = (ctx: PageContext, what: string) =>
  html`<p class="reason" id="read-only">Read-only console: start it with <code>${ctx.writeSwitch ?? DEFAULT_WRITE_SWITCH}</code> to ${what} from here.</p>`;

/** `tugboat console`'s switch; the local stack names its environment variable instead. */
export const DEFAULT_WRITE_SWITCH = '--allow-writes';

/** The page shell; it re-fetches itself every few seconds and swaps its main element in place. */
export const layout = (ctx: PageContext, title: string, url: string, body: SafeHtml): string =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Tugboat</title>
<link rel="icon" href="data:,">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<link rel="stylesheet" href="${ctx.base}/assets/console.css">
<script src="${ctx.base}/assets/htmx.min.js"></script>
${
  ctx.charts
    ? html`<link rel="stylesheet" href="${ctx.base}/assets/uplot.min.css">
<script src="${ctx.base}/assets/uplot.min.js" defer></script>
<script src="${ctx.base}/assets/charts.js" defer></script>`
    : ''
}
</head>
<body${ctx.csrfToken ? html` hx-headers="${JSON.stringify({ 'X-CSRF-Token': ctx.csrfToken })}"` : ''}>
<header class="top"><a href="${ctx.base}/">⚓ Tugboat</a><a href="${ctx.base}/jobs">Jobs</a><span class="mode">${ctx.allowWrites ? 'read-write' : 'read-only'}</span></header>
${mainElement(ctx, url, body)}
</body>
</html>`.value;

export const mainElement = (ctx: PageContext, url: string, body: SafeHtml) =>
  ctx.still
    ? html`<main id="page">${body}</main>`
    : html`<main id="page" hx-get="${url}" hx-trigger="every ${refreshSeconds(ctx)}s" hx-select="#page" hx-target="this" hx-swap="outerHTML">${body}</main>`;

export interface ClusterServices {
  cluster: string;
  services: Service[];
  /** Images by task definition (`family:revision`). */
  images: Map<string, string>;
  error?: string;
}

/** Clusters and their services: status, counts, rollout state, task definition and image. */
export const servicesPage = (ctx: PageContext, clusters: ClusterServices[]): string => {
  const body = html`<h1>Services</h1>
<div class="sub">${clusters.length} cluster${clusters.length === 1 ? '' : 's'}${liveNote(ctx)}</div>
${clusters.map(
  (cluster) => html`<section class="card" data-cluster="${cluster.cluster}">
<h2>Cluster <code>${cluster.cluster}</code></h2>
${
  cluster.error
    ? html`<div class="error">${cluster.error}</div>`
    : cluster.services.length === 0
      ? html`<p class="empty">No services.</p>`
      : html`<table>
<thead><tr><th>Service</th><th>Status</th><th>Desired</th><th>Running</th><th>Pending</th><th>Rollout</th><th>Progress</th><th>Task definition · image</th></tr></thead>
<tbody>${cluster.services.map((service) => {
          const primary = primaryOf(service);
          const failed = unresolvedFailure(service);
          return html`<tr data-service="${service.serviceName}">
<td><a href="${ctx.base}/clusters/${seg(cluster.cluster)}/services/${seg(service.serviceName)}"><b>${service.serviceName}</b></a></td>
<td>${badge(service.status)}</td>
<td class="num">${service.desiredCount}</td><td class="num">${service.runningCount}</td><td class="num">${service.pendingCount}</td>
<td>${badge(primary?.rolloutState)}${
            failed
              ? html`<div class="reason bad" data-failed="${failed.id}" title="${failed.rolloutStateReason}">${failed.taskDefinition} failed</div>`
              : ''
          }</td>
<td>${primary ? progressBar(primary) : '-'}</td>
<td><code>${service.taskDefinition}</code><code class="image wrap">${cluster.images.get(service.taskDefinition) ?? '-'}</code></td>
</tr>`;
        })}</tbody></table>`
}
</section>`,
)}`;
  return layout(ctx, 'Services', `${ctx.base}/`, body);
};

export const errorPage = (ctx: PageContext, title: string, message: string): string =>
  layout(
    { ...ctx, live: false, still: true },
    title,
    `${ctx.base}/`,
    html`<h1>${title}</h1><div class="error">${message}</div><p><a href="${ctx.base}/">Back to services</a></p>`,
  );

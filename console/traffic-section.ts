/**
 * The service page's traffic shift card: the PRIMARY's strategy and stage, the production weight of
 * each target group, the bake time left, a hold for approval or for analysis evidence, the last analysis intervals' figures, and
 * (with writes allowed) Promote and Abort. A pure renderer over GET service.
 */
import type { Deployment } from '../client/api-types';
import { CSRF_FIELD } from './guard';
import { html, seg } from './html';
import { badge, type PageContext } from './render';

const MINUTE_MS = 60_000;

const groupName = (arn: string) => arn.split(':targetgroup/')[1]?.split('/')[0] ?? arn;

/** When the stage moves on by itself (a step or bake time ending), or undefined. */
const stageDue = (shift: NonNullable<Deployment['trafficShift']>): number | undefined => {
  const since = Date.parse(shift.stageStartedAt);
  if (shift.stage === 'BAKE_TIME') return since + shift.bakeTimeInMinutes * MINUTE_MS;
  if (shift.stage !== 'PRODUCTION_TRAFFIC_SHIFT' || shift.productionPercent >= 100) return undefined;
  const bake = shift.strategy === 'CANARY' ? shift.canaryBakeTimeInMinutes : shift.stepBakeTimeInMinutes;
  return since + (bake ?? 0) * MINUTE_MS;
};

const left = (ms: number): string => {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
};

/** Analysis intervals the card lists, newest first (GET service keeps the last 20). */
const INTERVALS_SHOWN = 5;

/** The last judged analysis intervals: when, the verdict, requests, 5xx rate and p99 (the reason on hover). */
const analysisTable = (d: Deployment) => {
  const intervals = (d.analysis?.intervals ?? []).slice(-INTERVALS_SHOWN).reverse();
  if (intervals.length === 0) return '';
  const rows = intervals.map(
    (
      i,
    ) => html`<tr data-interval="${i.verdict}"><td>${i.start.slice(11, 19)}–${i.end.slice(11, 19)}</td><td title="${i.reason}">${badge(i.verdict)}</td>
<td class="num">${i.requests}</td><td class="num">${i.errorRatePercent === undefined ? '-' : `${i.errorRatePercent} %`}</td><td class="num">${i.p99LatencyMs === undefined ? '-' : `${i.p99LatencyMs} ms`}</td></tr>`,
  );
  return html`<h3>Analysis</h3>
<table id="analysis"><thead><tr><th>Interval (UTC)</th><th>Verdict</th><th>Requests</th><th>5xx rate</th><th>p99</th></tr></thead><tbody>${rows}</tbody></table>`;
};

/** A POST form to the console's own route for one deployment, carrying the CSRF token. */
const leverForm = (
  ctx: PageContext,
  url: string,
  d: Deployment,
  verb: 'continue' | 'stop',
  label: string,
  confirm: string,
  danger: boolean,
) => {
  const action = `${url}/deployments/${seg(d.id)}/${verb}`;
  return html`<form method="post" action="${action}" hx-post="${action}" hx-confirm="${confirm}" hx-target="#page" hx-select="#page" hx-swap="outerHTML" class="inline">
<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrfToken ?? ''}"><button${danger ? html` class="danger"` : ''} type="submit" data-lever="${verb}">${label}</button></form>`;
};

export const trafficSection = (ctx: PageContext, url: string, deployments: Deployment[], now: number) => {
  const d = deployments.find((candidate) => candidate.status === 'PRIMARY' && candidate.trafficShift);
  const shift = d?.trafficShift;
  if (d === undefined || shift === undefined) return '';
  const rows = shift.routes.map(
    (
      route,
    ) => html`<tr><td><code title="${route.from}">${groupName(route.from)}</code> <span class="reason">old</span></td><td class="num" data-weight="old">${Math.round((100 - shift.productionPercent) * 10) / 10} %</td>
<td><code title="${route.to}">${groupName(route.to)}</code> <span class="reason">new</span></td><td class="num" data-weight="new">${shift.productionPercent} %</td></tr>`,
  );
  const approval = shift.approval;
  const paused =
    d.rolloutState === 'IN_PROGRESS' &&
    approval?.pausedAt !== undefined &&
    approval.continuedAt === undefined &&
    approval.stage === shift.stage;
  const heldForEvidence =
    d.rolloutState === 'IN_PROGRESS' &&
    shift.analysisHeldAt !== undefined &&
    shift.analysisPassedAt === undefined;
  const due = stageDue(shift);
  const timing = paused
    ? html`<b data-approval="paused">Awaiting approval</b> since ${approval?.pausedAt ?? ''}`
    : heldForEvidence
      ? html`<b data-analysis="holding">Bake time over, holding for a passing analysis interval</b> since ${shift.analysisHeldAt ?? ''}`
      : d.rolloutState === 'IN_PROGRESS' && due !== undefined
        ? html`<span data-bake-left="${left(due - now)}">${shift.stage === 'BAKE_TIME' ? 'Bake time' : 'Step bake time'} left: <b>${left(due - now)}</b></span>`
        : '';
  const buttons =
    ctx.allowWrites && d.rolloutState === 'IN_PROGRESS'
      ? html`<div class="actions">${
          paused
            ? leverForm(
                ctx,
                url,
                d,
                'continue',
                'Promote',
                `Promote ${d.taskDefinition} past ${shift.stage}?`,
                false,
              )
            : ''
        }${leverForm(ctx, url, d, 'stop', 'Abort', `Abort ${d.taskDefinition} and roll back?`, true)}</div>`
      : '';
  return html`<section class="card" id="traffic"><h2>Traffic shift <span class="reason">${shift.strategy}</span></h2>
<div class="sub">stage ${badge(shift.stage)} · ${timing}</div>
<table><thead><tr><th>Serving</th><th>Production</th><th>New</th><th>Production</th></tr></thead><tbody>${rows}</tbody></table>
${analysisTable(d)}${buttons}</section>`;
};

/**
 * The service page's traffic shift card: the PRIMARY's strategy and stage, the production weight of
 * each target group, the bake time left, a hold for approval, and (with writes allowed) Promote and
 * Abort. A pure renderer over GET service.
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
  const due = stageDue(shift);
  const timing = paused
    ? html`<b data-approval="paused">Awaiting approval</b> since ${approval?.pausedAt ?? ''}`
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
${buttons}</section>`;
};

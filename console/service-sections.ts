/** The service page's load-balancing and auto-scaling sections: pure renderers over the API's answers. */
import type { Deployment, ScalingActivity, Service } from '../client/api-types';
import type { TaskTarget } from '../client/queries';
import { html } from './html';
import { badge, unresolvedFailure, when } from './render';

/** One of a task's targets, as GET /clusters/{cluster}/tasks/{taskId} answers it, with its task. */
export type TargetRow = TaskTarget;

/** The red banner of a failed deployment, with its reason and what happened next. */
export const failureBanner = (service: Pick<Service, 'deployments'>) => {
  const failed = unresolvedFailure(service);
  if (!failed) return '';
  const rollback = service.deployments.find((d) => d.rollbackOf === failed.id);
  return html`<div class="error banner" id="failed-deployment" role="alert"><b>Deployment of <code>${failed.taskDefinition}</code> failed</b> at ${when(failed.updatedAt)}: ${failed.rolloutStateReason}${
    rollback ? html` Rolled back to <code>${rollback.taskDefinition}</code> (${rollback.rolloutState}).` : ''
  } <span class="reason">Shown until the next deployment completes.</span></div>`;
};

/** Scaling activities shown: the newest ones, as the API lists them (newest first). */
export const SCALING_ACTIVITIES_SHOWN = 10;

/** A target group's name out of its ARN (`...:targetgroup/<name>/<id>`), the full ARN on hover. */
const targetGroupName = (arn: string) => arn.split(':targetgroup/')[1]?.split('/')[0] ?? arn;

/** A deployment's targets cell: healthy and draining counts, for load-balanced services only. */
export const deploymentTargets = (d: Pick<Deployment, 'healthyTargets' | 'drainingTargets'>) =>
  html`<td class="num" data-targets="${d.healthyTargets ?? 0}/${d.drainingTargets ?? 0}">${d.healthyTargets ?? 0} healthy · ${d.drainingTargets ?? 0} draining</td>`;

export const targetsSection = (
  service: Pick<Service, 'loadBalancers'>,
  targets: TargetRow[] | undefined,
  error: string | undefined,
) => {
  const content = !service.loadBalancers?.length
    ? html`<p class="empty">No load balancer targets: this service is not registered with a target group.</p>`
    : error
      ? html`<div class="error">${error}</div>`
      : !targets?.length
        ? html`<p class="empty">No targets registered yet.</p>`
        : html`<table><thead><tr><th>Task</th><th>Target group</th><th>Target</th><th>State</th><th>Reason</th></tr></thead><tbody>
${targets.map(
  (
    t,
  ) => html`<tr data-target="${t.taskId}"><td><code title="${t.taskId}">${t.taskId.slice(0, 12)}</code></td><td><code title="${t.targetGroupArn}">${targetGroupName(t.targetGroupArn)}</code></td><td><code>${t.id}:${t.port}</code></td>
<td>${badge(t.state)}</td><td class="reason">${[t.reason, t.description].filter(Boolean).join(': ')}</td></tr>`,
)}</tbody></table>`;
  return html`<section class="card" id="targets"><h2>Targets</h2>${content}</section>`;
};

export const scalingSection = (
  service: Pick<Service, 'autoScaling'>,
  activities: ScalingActivity[] | undefined,
  error: string | undefined,
) => {
  const content = !service.autoScaling
    ? html`<p class="empty">No scaling activities: this service has no auto scaling policy.</p>`
    : error
      ? html`<div class="error">${error}</div>`
      : !activities?.length
        ? html`<p class="empty">No scaling activities yet.</p>`
        : html`<ul class="events">${activities
            .slice(0, SCALING_ACTIVITIES_SHOWN)
            .map(
              (a) =>
                html`<li data-activity="${a.id}">${when(a.startedAt)}${a.cause} <span class="reason">(${a.fromCount} → ${a.toCount})</span></li>`,
            )}</ul>`;
  return html`<section class="card" id="scaling"><h2>Scaling activities</h2>${content}</section>`;
};

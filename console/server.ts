import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  Page,
  PolicyMetricHistory,
  ScalingActivity,
  Service,
  ServiceDescription,
  ServicePlan,
  TaskDescription,
} from '../client/api-types';
import type { ApiClient } from '../client/client';
import { ApiError } from '../client/errors';
import { imagesOf, listAll } from '../client/queries';
import { CHARTS_SCRIPT, CONSOLE_CSS, htmxScript, uplotCss, uplotScript } from './assets';
import { serviceCharts } from './charts';
import {
  bodyTypeRefusal,
  type ConsoleGuard,
  CSRF_FIELD,
  CSRF_HEADER,
  consoleGuard,
  type Refusal,
  SECURITY_HEADERS,
} from './guard';
import { jobsPage } from './jobs-page';
import { readJobs } from './jobs-reads';
import { messageOf, section, targetsOf, tasksOf } from './reads';
import {
  type ClusterServices,
  DEFAULT_WRITE_SWITCH,
  errorPage,
  inProgress,
  type PageContext,
  servicesPage,
} from './render';
import { servicePage } from './service-page';
import { pageTasks, stoppedPageOf, taskPage } from './task-page';

export interface ConsoleOptions {
  /** The Tugboat API the pages read (and, with allowWrites, roll back through). */
  api: ApiClient;
  allowWrites: boolean;
  /** Clusters listed on the services page. */
  clusters: string[];
  /** Mount point, `/console`. */
  base?: string;
  /** The switch that allows writes where the console runs, for its read-only note: `--allow-writes` by default. */
  writeSwitch?: string;
  /** Which Host it answers and which writes it takes (guard.ts); by default loopback only. */
  guard?: ConsoleGuard;
}

const send = (
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers }).end(body);
};

const readForm = async (request: IncomingMessage): Promise<URLSearchParams> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};

/**
 * The web console as a request listener: answers under `base` and returns false for anything else, so
 * it can sit in front of the API on the same port (`npm start`) or alone (`tugboat console`).
 */
export const consoleListener = (options: ConsoleOptions) => {
  const base = options.base ?? '/console';
  const { api } = options;
  const guard = options.guard ?? consoleGuard();
  let htmx: string | undefined;
  let uplot: string | undefined;
  let uplotStyle: string | undefined;
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const url = new URL(request.url ?? '/', 'http://console');
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
    const path = url.pathname.slice(base.length) || '/';
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    const ctx: PageContext = {
      base,
      allowWrites: options.allowWrites,
      live: false,
      ...(options.writeSwitch ? { writeSwitch: options.writeSwitch } : {}),
    };
    const refuse = (refusal: Refusal, title = 'Forbidden') =>
      send(response, refusal.status, 'text/html; charset=utf-8', errorPage(ctx, title, refusal.message));
    const refusedHost = guard.hostRefusal(request);
    if (refusedHost) {
      refuse(refusedHost);
      return true;
    }
    // As the API: names never need encoding, so a percent sign is a path that is not what it looks like.
    if (path.includes('%')) {
      send(
        response,
        400,
        'text/html; charset=utf-8',
        errorPage(ctx, 'Bad request', 'Console paths are never percent-encoded.'),
      );
      return true;
    }
    ctx.csrfToken = guard.session(request, response);
    try {
      if (path === '/assets/htmx.min.js') {
        htmx ??= htmxScript();
        send(response, 200, 'text/javascript; charset=utf-8', htmx);
        return true;
      }
      if (path === '/assets/uplot.min.js') {
        uplot ??= uplotScript();
        send(response, 200, 'text/javascript; charset=utf-8', uplot);
        return true;
      }
      if (path === '/assets/charts.js') {
        send(response, 200, 'text/javascript; charset=utf-8', CHARTS_SCRIPT);
        return true;
      }
      if (path === '/assets/uplot.min.css') {
        uplotStyle ??= uplotCss();
        send(response, 200, 'text/css; charset=utf-8', uplotStyle);
        return true;
      }
      if (path === '/assets/console.css') {
        send(response, 200, 'text/css; charset=utf-8', CONSOLE_CSS);
        return true;
      }
      if (path === '/' && request.method === 'GET') {
        const clusters: ClusterServices[] = await Promise.all(
          (url.searchParams.getAll('cluster').length
            ? url.searchParams.getAll('cluster')
            : options.clusters
          ).map(async (cluster) => {
            try {
              const services = await listAll<Service>(
                api,
                `/clusters/${encodeURIComponent(cluster)}/services`,
              );
              return {
                cluster,
                services,
                images: await imagesOf(
                  api,
                  services.map((s) => s.taskDefinition),
                ),
              };
            } catch (error) {
              return { cluster, services: [], images: new Map(), error: messageOf(error) };
            }
          }),
        );
        ctx.live = clusters.some((cluster) => cluster.services.some(inProgress));
        send(response, 200, 'text/html; charset=utf-8', servicesPage(ctx, clusters));
        return true;
      }
      if (path === '/jobs' && request.method === 'GET') {
        const clusters = url.searchParams.getAll('cluster');
        send(
          response,
          200,
          'text/html; charset=utf-8',
          jobsPage(ctx, await readJobs(api, clusters.length ? clusters : options.clusters)),
        );
        return true;
      }
      const match =
        /^\/clusters\/([^/]+)\/services\/([^/]+)(\/rollback|\/deployments\/([^/]+)\/(continue|stop))?$/.exec(
          path,
        );
      if (match) {
        const cluster = match[1] ?? '';
        const serviceName = match[2] ?? '';
        const servicePath = `/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(serviceName)}`;
        if (match[3]) {
          if (request.method !== 'POST') {
            send(response, 405, 'text/plain', 'POST only', { allow: 'POST' });
          } else if (!options.allowWrites) {
            send(
              response,
              403,
              'text/html; charset=utf-8',
              errorPage(
                ctx,
                'Read-only console',
                `This console is read-only; start it with ${options.writeSwitch ?? DEFAULT_WRITE_SWITCH} to roll back, promote or abort.`,
              ),
            );
          } else {
            const wrongType = bodyTypeRefusal(request, 'application/x-www-form-urlencoded', false);
            if (wrongType) {
              refuse(wrongType, 'Unsupported media type');
              return true;
            }
            const form = await readForm(request);
            const header = request.headers[CSRF_HEADER];
            const refused = guard.writeRefusal(
              request,
              form.get(CSRF_FIELD) ?? (typeof header === 'string' ? header : undefined),
            );
            if (refused) {
              refuse(refused);
              return true;
            }
            const deploymentId = match[4];
            const taskDefinition = form.get('taskDefinition');
            // Promote and Abort: continue the paused deployment, or stop it with a rollback.
            if (deploymentId !== undefined)
              await api.post(
                `${servicePath}/deployments/${encodeURIComponent(decodeURIComponent(deploymentId))}/${match[5]}`,
                match[5] === 'continue' ? { action: 'CONTINUE' } : { stopType: 'ROLLBACK' },
              );
            else await api.post(`${servicePath}/rollback`, taskDefinition ? { taskDefinition } : {});
            response.writeHead(303, { location: `${base}${servicePath}` }).end();
          }
          return true;
        }
        if (request.method !== 'GET') {
          send(response, 405, 'text/plain', 'GET only', { allow: 'GET' });
          return true;
        }
        const { body: service } = await api.get<ServiceDescription>(servicePath);
        const tasks = tasksOf(api, cluster, serviceName);
        const [all, plan, images, targets, scaling, metrics] = await Promise.all([
          tasks,
          api.get<ServicePlan>(`${servicePath}/plan`).then(
            (r) => ({ plan: r.body }),
            (error: unknown) => ({ planError: messageOf(error) }),
          ),
          imagesOf(api, [service.taskDefinition]),
          service.loadBalancers?.length
            ? section('targets', 'targetsError', async () => targetsOf(api, cluster, await tasks))
            : {},
          service.autoScaling
            ? section('scalingActivities', 'scalingError', async () => {
                // The newest 100: the section shows the first few, the charts mark them all.
                const { body } = await api.get<Page<ScalingActivity>>(
                  `${servicePath}/scaling-activities?maxResults=100`,
                );
                return body.items;
              })
            : {},
          // The policies' readings: without them the charts draw the targets alone.
          service.autoScaling
            ? api
                .get<PolicyMetricHistory>(`${servicePath}/scaling/metrics?hours=3`)
                .then(({ body }) => body)
                .catch(() => undefined)
            : undefined,
        ]);
        ctx.live = inProgress(service);
        ctx.charts = true;
        const stoppedPage = stoppedPageOf(url.searchParams.get('stopped'));
        send(
          response,
          200,
          'text/html; charset=utf-8',
          servicePage(ctx, {
            cluster,
            service,
            tasks: pageTasks(all, stoppedPage),
            stoppedPage,
            charts: serviceCharts(
              service,
              all,
              (scaling as { scalingActivities?: ScalingActivity[] }).scalingActivities ?? [],
              Date.now(),
              metrics,
            ),
            images,
            ...plan,
            ...targets,
            ...scaling,
          }),
        );
        return true;
      }
      const taskMatch = /^\/clusters\/([^/]+)\/tasks\/([^/]+)$/.exec(path);
      if (taskMatch) {
        if (request.method !== 'GET') {
          send(response, 405, 'text/plain', 'GET only', { allow: 'GET' });
          return true;
        }
        const cluster = taskMatch[1] ?? '';
        const { body: task } = await api.get<TaskDescription>(
          `/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(taskMatch[2] ?? '')}`,
        );
        // A stopped task no longer changes: its page does not refresh itself.
        ctx.still = task.lastStatus === 'STOPPED';
        send(response, 200, 'text/html; charset=utf-8', taskPage(ctx, cluster, task));
        return true;
      }
      send(
        response,
        404,
        'text/html; charset=utf-8',
        errorPage(ctx, 'Not found', `No console page at ${url.pathname}.`),
      );
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 502;
      send(
        response,
        status,
        'text/html; charset=utf-8',
        errorPage(ctx, status === 404 ? 'Not found' : 'Error', messageOf(error)),
      );
    }
    return true;
  };
};

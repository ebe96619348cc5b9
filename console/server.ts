import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  Page,
  ScalingActivity,
  Service,
  ServiceDescription,
  ServicePlan,
  TaskRecord,
} from '../cli/api-types';
import type { ApiClient } from '../cli/client';
import { ApiError } from '../cli/errors';
import { imagesOf, listAll, targetsOf } from '../cli/queries';
import { taskTiming } from '../lib/inventory/timing';
import { CONSOLE_CSS, htmxScript } from './assets';
import {
  bodyTypeRefusal,
  type ConsoleGuard,
  CSRF_FIELD,
  CSRF_HEADER,
  consoleGuard,
  type Refusal,
  SECURITY_HEADERS,
} from './guard';
import { type ClusterServices, errorPage, inProgress, type PageContext, servicesPage } from './render';
import { servicePage } from './service-page';
import { SCALING_ACTIVITIES_SHOWN } from './service-sections';

export interface ConsoleOptions {
  /** The Tugboat API the pages read (and, with allowWrites, roll back through). */
  api: ApiClient;
  allowWrites: boolean;
  /** Clusters listed on the services page. */
  clusters: string[];
  /** Mount point, `/console`. */
  base?: string;
  /** Which Host it answers and which writes it takes (guard.ts); by default loopback only. */
  guard?: ConsoleGuard;
}

const TASKS_SHOWN = 30;

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

const messageOf = (error: unknown) =>
  error instanceof ApiError ? error.message : `the API could not be reached: ${(error as Error).message}`;

/** Newest and unfinished tasks first, each with its phase timings (the API's own rule, lib/use-cases/tasks). */
const tasksOf = async (api: ApiClient, cluster: string, serviceName: string) => {
  const tasks = await listAll<TaskRecord>(
    api,
    `/clusters/${encodeURIComponent(cluster)}/tasks?serviceName=${encodeURIComponent(serviceName)}&maxResults=100`,
    300,
  );
  const now = Date.now();
  return tasks
    .sort(
      (a, b) =>
        Number(a.lastStatus === 'STOPPED') - Number(b.lastStatus === 'STOPPED') ||
        String(b.createdAt).localeCompare(String(a.createdAt)),
    )
    .slice(0, TASKS_SHOWN)
    .map((task) => ({ ...task, timing: taskTiming(task, now) }));
};

/** Each optional section fails alone: its error is shown in its place, the rest of the page still renders. */
const section = <K extends string, E extends string, T>(key: K, errorKey: E, read: () => Promise<T>) =>
  read().then(
    (value) => ({ [key]: value }) as { [P in K]: T },
    (error: unknown) => ({ [errorKey]: messageOf(error) }) as { [P in E]: string },
  );

/**
 * The web console as a request listener: answers under `base` and returns false for anything else, so
 * it can sit in front of the API on the same port (`npm start`) or alone (`tugboat console`).
 */
export const consoleListener = (options: ConsoleOptions) => {
  const base = options.base ?? '/console';
  const { api } = options;
  const guard = options.guard ?? consoleGuard();
  let htmx: string | undefined;
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const url = new URL(request.url ?? '/', 'http://console');
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
    const path = url.pathname.slice(base.length) || '/';
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    const ctx: PageContext = { base, allowWrites: options.allowWrites, live: false };
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
      const match = /^\/clusters\/([^/]+)\/services\/([^/]+)(\/rollback)?$/.exec(path);
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
                'This console is read-only; start it with --allow-writes to roll back.',
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
            const taskDefinition = form.get('taskDefinition');
            await api.post(`${servicePath}/rollback`, taskDefinition ? { taskDefinition } : {});
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
        const [shown, plan, images, targets, scaling] = await Promise.all([
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
                const { body } = await api.get<Page<ScalingActivity>>(
                  `${servicePath}/scaling-activities?maxResults=${SCALING_ACTIVITIES_SHOWN}`,
                );
                return body.items;
              })
            : {},
        ]);
        ctx.live = inProgress(service);
        send(
          response,
          200,
          'text/html; charset=utf-8',
          servicePage(ctx, { cluster, service, tasks: shown, images, ...plan, ...targets, ...scaling }),
        );
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

import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../client/client';
import { ApiError } from '../../client/errors';
import { consoleListener } from '../../console/server';

const tgArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/0123456789abcdef';
const SERVICE = '/clusters/default/services/web';

const task = (taskId: string, lastStatus: string, registered: boolean) => ({
  taskId,
  lastStatus,
  createdAt: '2026-11-25T12:00:00.000Z',
  ...(registered ? { loadBalancing: { targets: [{ targetGroupArn: tgArn, port: 80 }] } } : {}),
});

/** A fake API answering the service page's reads, recording each GET path. */
const fakeApi = (service: Record<string, unknown>) => {
  const paths: string[] = [];
  const answers: Record<string, unknown> = {
    [SERVICE]: {
      serviceName: 'web',
      status: 'ACTIVE',
      taskDefinition: 'web:1',
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      deployments: [],
      events: [],
      ...service,
    },
    [`${SERVICE}/plan`]: { actions: [] },
    '/clusters/default/tasks?serviceName=web&maxResults=100': {
      items: [
        task('live1', 'RUNNING', true),
        task('gone1', 'STOPPED', true),
        task('fresh', 'PENDING', false),
      ],
    },
    '/clusters/default/tasks/live1': {
      taskId: 'live1',
      targets: [{ targetGroupArn: tgArn, id: '10.0.0.7', port: 80, state: 'draining' }],
    },
    [`${SERVICE}/scaling-activities?maxResults=100`]: {
      items: [
        { id: 'a1', startedAt: '2026-11-25T12:00:00.000Z', cause: 'alarm <high>', fromCount: 1, toCount: 2 },
      ],
    },
  };
  const api = {
    get: async (path: string, options: { allow?: number[] } = {}) => {
      paths.push(path);
      if (path in answers) return { status: 200, headers: new Headers(), body: answers[path] };
      if (options.allow?.includes(404)) return { status: 404, headers: new Headers(), body: {} };
      throw new ApiError(404, 'NotFound', `no ${path}`);
    },
  } as unknown as ApiClient;
  return { api, paths };
};

const render = async (api: ApiClient) => {
  let body = '';
  const response = {
    setHeader: () => response,
    writeHead: () => response,
    end: (text: string) => {
      body = text;
    },
  } as unknown as ServerResponse;
  const request = {
    url: `/console${SERVICE}`,
    method: 'GET',
    headers: { host: '127.0.0.1:3000' },
    socket: { localPort: 3000 },
  } as unknown as IncomingMessage;
  await consoleListener({ api, allowWrites: false, clusters: ['default'] })(request, response);
  return body;
};

describe('console service page reads', () => {
  it('neither describes tasks nor reads scaling activities for a plain service', async () => {
    const { api, paths } = fakeApi({});
    const page = await render(api);
    expect(paths.filter((p) => p.startsWith('/clusters/default/tasks/'))).toEqual([]);
    expect(paths.some((p) => p.includes('scaling-activities'))).toBe(false);
    expect(page).toContain('No load balancer targets');
    expect(page).toContain('No scaling activities: this service has no auto scaling policy.');
  });

  it('describes only the live registered tasks, and reads the newest 100 scaling activities (the section shows 10, the charts mark all)', async () => {
    const { api, paths } = fakeApi({
      loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: 80 }],
      autoScaling: { minCapacity: 1, maxCapacity: 4 },
    });
    const page = await render(api);
    expect(paths.filter((p) => p.startsWith('/clusters/default/tasks/'))).toEqual([
      '/clusters/default/tasks/live1',
    ]);
    expect(page).toContain('<code>10.0.0.7:80</code>');
    expect(page).toContain('<span class="badge draining">draining</span>');
    expect(page).toContain('alarm &lt;high&gt;');
  });
});
